"""Meta's WhatsApp Cloud API (being built)."""

from flask import Blueprint

bp = Blueprint("whatsapp", __name__)
