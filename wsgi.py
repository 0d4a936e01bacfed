"""The web process: `gunicorn wsgi:app`."""

from bot import create_app_or_exit
from bot.observability.context import set_process_role

set_process_role("web")
app = create_app_or_exit()
