"""A resident downloads what the city keeps about them (ARCO access) through the signed link the chat gave them."""

from __future__ import annotations

import logging
import tempfile

from flask import Blueprint, Response, send_file

from bot.db.database import transaction
from bot.privacy import audit
from bot.privacy.export import contact_of, write_export
from bot.services import services
from bot.web.ratelimit import limiter

__all__ = ["bp"]

log = logging.getLogger(__name__)
bp = Blueprint("privacy", __name__)

IN_MEMORY_BYTES = 8 * 1024 * 1024  # a larger zip spills to a temporary file
EXPIRED = (
    "Este enlace ya no es válido o venció. Escribe *mis datos* en el chat para recibir uno nuevo.",
    "This link is no longer valid or has expired. Type *my data* in the chat to get a new one.",
)
GONE = (
    "No hay datos que descargar con este enlace.",
    "There is no data to download with this link.",
)
PAGE = """<!doctype html>
<html lang="es"><meta charset="utf-8"><title>Ventanilla</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<p>{es}</p>
<p lang="en">{en}</p>
</html>"""


@bp.get("/privacidad/descarga/<token>")
@limiter.limit("20 per minute")
def download(token: str):
    """The zip of the token's contact (data.json and media/), audited; a plain page when the link does not open."""
    svc = services()
    contact_id = contact_of(svc.config, token)
    if contact_id is None:
        return _plain(EXPIRED, 403)
    out = tempfile.SpooledTemporaryFile(max_size=IN_MEMORY_BYTES)  # noqa: SIM115 - send_file closes it when sent
    with transaction(svc.engine) as session:
        counts = write_export(session, svc.config, contact_id, out)
    if counts is None:
        out.close()
        return _plain(GONE, 404)
    with transaction(svc.engine, immediate=True) as session:
        audit.record(session, "data_exported", actor="resident", contact_id=contact_id, detail=counts)
    log.info("privacy export downloaded for contact %s", contact_id)
    out.seek(0)
    response = send_file(out, mimetype="application/zip", as_attachment=True, download_name="mis-datos.zip")
    response.headers["Cache-Control"] = "no-store"
    return response


def _plain(text: tuple[str, str], status: int) -> Response:
    response = Response(PAGE.format(es=text[0], en=text[1]), status=status, mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    return response
