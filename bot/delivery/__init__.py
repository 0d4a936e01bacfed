"""Delivery targets: one module per kind of department system, chosen per department in flows.yaml."""

from __future__ import annotations

from collections.abc import Callable

from bot.delivery import email, open311, webhook
from bot.delivery.base import Delivery, DeliveryError

__all__ = ["DELIVERY", "Delivery", "DeliveryError", "WAITS_FOR_OPERATORS"]


def wait_for_operators(delivery: Delivery) -> dict:
    """Dashboard only: nothing to send; the ticket waits in the operators' queue."""
    return {"kind": "dashboard"}


# kind -> deliver(Delivery) -> receipt (a dict; "external_id" when the department's system numbers it)
DELIVERY: dict[str, Callable[[Delivery], dict]] = {
    "webhook": webhook.deliver,
    "open311": open311.deliver,
    "email": email.deliver,
    "dashboard": wait_for_operators,
}
WAITS_FOR_OPERATORS = {"dashboard"}
