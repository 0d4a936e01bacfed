"""Delivery targets: one module per kind of department system, chosen per department."""

from __future__ import annotations

from typing import Callable

from . import webhook

__all__ = ["DELIVERY", "DeliveryError"]

DeliveryError = webhook.DeliveryError

# kind -> deliver(target settings, ticket payload, idempotency key) -> receipt dict
DELIVERY: dict[str, Callable[[dict, dict, str], dict]] = {
    "webhook": webhook.deliver,
}
