"""The dashboard's blueprint, on its own so every page module can add routes to it."""

from flask import Blueprint

__all__ = ["bp"]

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")
