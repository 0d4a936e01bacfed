"""The queue: the tickets of the operator's departments, newest first."""

from __future__ import annotations

from flask import render_template
from sqlmodel import select

from ..db import transaction
from ..models import Ticket
from ..services import services
from .blueprint import bp
from .access import visible

PAGE_SIZE = 50


@bp.get("/")
def queue():
    """List the newest tickets the operator may see."""
    with transaction(services().engine) as db:
        tickets = db.exec(visible(select(Ticket)).order_by(Ticket.id.desc()).limit(PAGE_SIZE)).all()
    return render_template("dashboard/queue.html", tickets=tickets, title="Queue")
