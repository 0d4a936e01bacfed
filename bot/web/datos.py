"""The public open data page /datos/ and its downloads /datos/<name>: no sign-in, served as published.

Every figure was computed by the publication job (bot/opendata/) and stored; a request reads stored bytes (one
row by its primary key, a few more for the surveys' public comments) and never computes a figure, so crowds
cost the database nothing more than that. The page speaks the browser's language (es or en, Spanish unless the
browser prefers English), works without JavaScript (every chart and the map have a table with the same
figures) and without the map's tiles. Files carry an ETag, the licence (a `Link` header) and CORS for any site.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime
from posixpath import basename

from flask import Blueprint, Response, abort, current_app, make_response, render_template, request
from flask_babel import format_date, get_locale
from flask_babel import gettext as _

from bot.db.database import transaction
from bot.i18n import DEFAULT_LANGUAGE, babel_locale, language_or_default
from bot.numbers import format_count, format_fixed
from bot.opendata import PAGE_DATA, store
from bot.services import services

__all__ = ["bp"]

bp = Blueprint("datos", __name__, url_prefix="/datos")
MAX_AGE = 300  # seconds browsers and proxies may keep a page or file: publications are hours apart
CHART_ROWS = 15  # the most frequent rows in a chart; its table lists them all
RENDERED_KEEP = 8  # pages a process keeps rendered: (language, publication) pairs
CELL_ROWS = 200  # the map's squares listed on the page, most reports first; the files have them all


def _language() -> str:
    return language_or_default(str(get_locale() or DEFAULT_LANGUAGE))


def _open_data_on() -> None:
    if not services().config.open_data:
        abort(404)


@bp.get("/")
def page():
    """The figures, their charts and tables, the map of open reports, and the downloads.

    Rendered once per publication and language in each process (RENDERED_KEEP pages kept): a request reads the
    publication's version (a few digests) and, when this process has rendered it, sends that page."""
    _open_data_on()
    svc = services()
    lang = _language()
    rendered = current_app.extensions.setdefault("datos_pages", {})  # this app's, in this process
    with transaction(svc.engine) as db:
        version = (lang, store.page_version(db, PAGE_DATA))
        html = rendered.get(version)
        if html is None:
            stored = store.read(db, PAGE_DATA)
            published = json.loads(stored.body) if stored is not None else None
            html = _render(published, _comments(db, published) if published else {}, lang)
            if len(rendered) >= RENDERED_KEEP:
                rendered.clear()
            rendered[version] = html
    response = make_response(html)
    response.headers["Cache-Control"] = f"public, max-age={MAX_AGE}"
    response.headers["Vary"] = "Accept-Language"
    return response


def _render(published: dict | None, comments: dict, lang: str) -> str:
    config = services().config
    numbers = LocaleNumbers(str(get_locale() or babel_locale(DEFAULT_LANGUAGE)))
    figures = published["figures"] if published else []
    return render_template(
        "datos/index.html",
        title=_("Open data"),
        published=published,
        published_at=datetime.fromisoformat(published["published_at"]) if published else None,
        weeks=[date.fromisoformat(day) for day in published["weeks"]] if published else [],
        figures=figures,
        charts=_charts(figures, lang),
        comments=comments,
        lang=lang,
        license=published["license"] if published else _license(),
        min_count=published["min_count"] if published else config.open_data_min_count,
        cell_metres=published["cell_metres"] if published else config.open_data_cell_metres,
        files=[name for f in figures for name in f["files"]] + ([PAGE_DATA] if published else []),
        count=numbers.count,
        decimal=numbers.decimal,
        cell_rows=CELL_ROWS,
    )


@bp.get("/<path:name>")
def download(name: str):
    """A published file by its stable name (tickets-por-semana.csv, reportes-abiertos.geojson,
    encuestas/<flow>.csv, figuras.json); 304 when the browser has this publication's copy."""
    _open_data_on()
    with transaction(services().engine) as db:
        file = store.read(db, name)
    if file is None:
        abort(404)
    response = Response(file.body, headers={"Content-Type": file.media_type})
    response.set_etag(file.digest)
    response.last_modified = file.published_at
    response.cache_control.public = True
    response.cache_control.max_age = MAX_AGE
    response.headers["Access-Control-Allow-Origin"] = "*"  # open data: any site's script may read it
    response.headers["Link"] = f'<{services().config.open_data_license_url}>; rel="license"'
    if name.endswith(".csv"):
        response.headers["Content-Disposition"] = f'attachment; filename="{basename(name)}"'
    return response.make_conditional(request)


@bp.errorhandler(404)
def _not_found(error):
    """A page or file that is not published (or the open data is off): a short page in the reader's language."""
    return render_template("datos/missing.html", title=_("Not found")), 404


class LocaleNumbers:
    """Counts and one-decimal figures in the reader's locale, as Babel writes them (bot/numbers.py): the page
    has thousands of cells, and Babel's format_number per cell took most of its time (150 ms)."""

    def __init__(self, locale: str):
        self.locale = locale

    def count(self, value: int) -> str:
        return format_count(value, self.locale)

    def decimal(self, value: float) -> str:
        return format_fixed(value, "#,##0.0", self.locale)


def _license() -> dict:
    config = services().config
    return {"name": config.open_data_license, "url": config.open_data_license_url}


def _comments(db, published: dict) -> dict[str, list[dict]]:
    """Per survey with public comments, its published comments (read from their CSV: day, subject, text)."""
    found: dict[str, list[dict]] = {}
    for entry in next((f["data"]["surveys"] for f in published["figures"] if f["key"] == "surveys"), []):
        file = store.read(db, entry["comments"]) if entry.get("comments") else None
        if file is not None:
            rows = list(csv.reader(io.StringIO(file.body.decode("utf-8-sig"))))[1:]
            found[entry["flow"]] = [{"day": r[0], "subject": r[1], "text": r[3]} for r in rows if len(r) == 4]
    return found


# ---------------------------------------------------------------- charts (drawn by the dashboard's charts.js)


def _charts(figures: list[dict], lang: str) -> dict:
    charts: dict = {}
    for found in figures:
        make = CHARTS.get(found["key"])
        if make is not None:
            charts.update(make(found["data"], lang))
    return charts


def _tickets_per_week(data: dict, lang: str) -> dict:
    rows = sorted(data["rows"], key=lambda row: -sum(row[1]))[:CHART_ROWS]
    if not rows:
        return {}
    return {
        "per-week": {
            "type": "bar",
            "stacked": True,
            "title": _("Tickets per category per week"),
            "labels": [format_date(date.fromisoformat(monday), "dd/MM") for monday in data["weeks"]],
            "datasets": [{"label": category, "data": counts} for category, counts in rows],
        }
    }


def _departments(data: dict, lang: str) -> dict:
    rows = [row for row in data["rows"] if row["median_hours"] is not None]
    if not rows:
        return {}
    return {
        "resolve": {
            "type": "bar",
            "horizontal": True,
            "title": _("Median time to resolve (hours)"),
            "labels": [row["name"] for row in rows],
            "datasets": [{"label": _("Hours"), "data": [row["median_hours"] for row in rows]}],
        }
    }


def _surveys(data: dict, lang: str) -> dict:
    charts = {}
    for entry in data["surveys"]:
        if not entry["ratings"] or not entry["subjects"]:
            continue
        top = entry["subjects"][:CHART_ROWS]
        charts[f"survey-{entry['flow']}"] = {
            "type": "bar",
            "title": _("Average rating"),
            "labels": [row["label"][lang] for row in top],
            "max": entry["ratings"][0]["scale"][1],
            "datasets": [
                {
                    "label": rating["label"][lang],
                    "data": [(row["ratings"].get(rating["id"]) or {}).get("average") for row in top],
                }
                for rating in entry["ratings"]
            ],
        }
    return charts


CHARTS = {"tickets_per_week": _tickets_per_week, "departments": _departments, "surveys": _surveys}
