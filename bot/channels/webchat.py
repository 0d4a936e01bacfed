"""The web chat widget and its JSON API (being built)."""

from flask import Blueprint

bp = Blueprint("webchat", __name__)
