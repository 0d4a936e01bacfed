"""What the dashboard calls stored codes (statuses, roles, rights, priorities, audit events) in the operator's language.

The codes stay as stored (and in exports' machine columns); pages show these labels. A code with no label
here is shown as stored, its underscores as spaces, so a new one is readable before it is translated.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from bot.dashboard.blueprint import bp

__all__ = [
    "STATUSES",
    "ROLES",
    "RIGHTS",
    "PRIORITIES",
    "EVENTS",
    "PRIVACY_STATUSES",
    "MESSAGE_STATUSES",
    "ACTORS",
    "label",
    "actor",
]

STATUSES = {
    "received": _l("received"),
    "delivered": _l("delivered"),
    "delivery_failed": _l("delivery failed"),
    "acknowledged": _l("acknowledged"),
    "in_progress": _l("in progress"),
    "resolved": _l("resolved"),
    "closed": _l("closed"),
    "rejected": _l("rejected"),
}
MESSAGE_STATUSES = {
    "queued": _l("queued"),
    "accepted": _l("accepted"),
    "sending": _l("sending"),
    "sent": _l("sent"),
    "delivered": _l("delivered"),
    "read": _l("read"),
    "failed": _l("failed"),
    "undelivered": _l("undelivered"),
    "replied_inline": _l("replied"),
}
PRIVACY_STATUSES = {"open": _l("open"), "fulfilled": _l("fulfilled"), "rejected": _l("rejected")}
ROLES = {"admin": _l("admin"), "operator": _l("operator"), "viewer": _l("viewer"), "privacy": _l("privacy officer")}
RIGHTS = {
    "access": _l("access"),
    "rectification": _l("rectification"),
    "cancellation": _l("cancellation"),
    "opposition": _l("opposition"),
}
PRIORITIES = {"low": _l("low"), "normal": _l("normal"), "high": _l("high"), "urgent": _l("urgent")}
EVENTS = {
    "received": _l("received"),
    "delivered": _l("delivered"),
    "delivery_failed": _l("delivery failed"),
    "delivery_retried": _l("delivery retried"),
    "waiting_for_operators": _l("waiting for operators"),
    "status_changed": _l("status changed"),
    "assigned": _l("assigned"),
    "note": _l("note"),
    "replied": _l("replied"),
    "viewed": _l("viewed"),
    "merged_into": _l("merged into"),
    "duplicate_linked": _l("duplicate linked"),
    "ticket_cap_reached": _l("ticket cap reached"),
    "ticket_cap_lifted": _l("ticket cap lifted"),
    "request_filed": _l("request filed"),
    "request_fulfilled": _l("request fulfilled"),
    "request_rejected": _l("request rejected"),
    "request_extended": _l("request extended"),
    "contact_erased": _l("contact erased"),
    "followup_answered": _l("resident answered the follow-up"),
}
# Who did something, when it was not an operator (whose email is shown as it is).
ACTORS = {"system": _l("system"), "resident": _l("resident"), "cli": _l("terminal (CLI)")}
_KINDS = {
    "status": STATUSES,
    "privacy_status": PRIVACY_STATUSES,
    "message": MESSAGE_STATUSES,
    "role": ROLES,
    "right": RIGHTS,
    "priority": PRIORITIES,
    "event": EVENTS,
}


def label(kind: str, code: str | None) -> str:
    """A stored code of a kind (status, role, right, priority, event) as the operator reads it."""
    if code is None:
        return "—"
    found = _KINDS[kind].get(code)
    return str(found) if found is not None else code.replace("_", " ")


@bp.app_template_global("label")
def _label(kind: str, code: str | None) -> str:
    return label(kind, code)


def actor(who: str | None) -> str:
    """Who did an audited thing: system, resident and cli in the operator's language; an email as it is."""
    found = ACTORS.get(who or "")
    return str(found) if found is not None else who or "—"


@bp.app_template_global("actor")
def _actor(who: str | None) -> str:
    return actor(who)
