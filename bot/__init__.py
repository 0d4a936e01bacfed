"""Ventanilla: citizen requests over WhatsApp, SMS and web chat, defined in YAML."""

from __future__ import annotations

import sys
from typing import NoReturn

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from bot import dashboard
from bot.channels import blueprints
from bot.config import Config, ConfigError
from bot.db.database import make_engine
from bot.delivery.keys import checked_flow_store
from bot.flows.loader import FlowsInvalidError
from bot.jobs.connection import connect_redis, make_queue
from bot.observability.sentry import init_sentry
from bot.observability.setup import configure_logging
from bot.open311 import views as open311
from bot.placestore import PlaceStore
from bot.services import Services
from bot.tickets import search as ticket_search  # noqa: F401 - keeps tickets' search text on every write
from bot.web import api, datos, pages, privacy
from bot.web.headers import init_headers
from bot.web.ratelimit import init_limiter
from bot.web.request_ids import init_request_ids

__all__ = ["create_app", "create_app_or_exit", "refuse_to_start"]


def create_app(test_config: dict | None = None) -> Flask:
    """Build the web app; test_config overrides settings read from the environment."""
    app = Flask(__name__, instance_relative_config=True)
    config = Config.from_env(instance_path=app.instance_path)
    if test_config:
        config = config.replace(**test_config)
    configure_logging(config.log_format)  # before anything is built: all it logs goes through the Redactor too
    init_sentry(config)  # only with SENTRY_DSN
    app.config.update(SECRET_KEY=config.secret_key, MAX_CONTENT_LENGTH=1024 * 1024)
    app.config["TRUSTED_HOSTS"] = [host.strip() for host in config.trusted_hosts.split(",") if host.strip()] or None
    if config.trusted_proxies:  # behind a balancer: the client's address (login limits) and scheme come from it
        n = config.trusted_proxies
        # Flask documents wrapping wsgi_app like this; mypy sees only a method being replaced.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)  # type: ignore[method-assign]
    redis = connect_redis(config.redis_url)
    engine = make_engine(config.database_url)
    online = None
    if config.geocoder:  # asked for the addresses the city's places do not find; geopy loads only then
        from bot.places.online import OnlineGeocoder

        settings = config.geocoder_url, config.geocoder_timeout, config.geocoder_user_agent
        online = OnlineGeocoder(config.geocoder, *settings, cache=redis, bounds=config.geocoder_bounds)
    app.extensions["ventanilla"] = Services(
        config=config,
        engine=engine,
        flow_store=checked_flow_store(config, app.instance_path),  # refuses unset or weak department keys
        redis=redis,
        queue=make_queue(redis),
        place_store=PlaceStore(engine, online=online),
    )
    init_request_ids(app)  # first of the request hooks: every later hook's log lines name the request
    init_limiter(app)
    for blueprint in blueprints():
        app.register_blueprint(blueprint)
    app.register_blueprint(pages.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(privacy.bp)
    app.register_blueprint(open311.bp)
    app.register_blueprint(datos.bp)
    dashboard.init_app(app)
    init_headers(app)  # CSP, frame, sniffing and HSTS headers on every response, errors too
    return app


def create_app_or_exit() -> Flask:
    """Build the web app for a process (wsgi.py, worker.py), or exit 1 saying what is wrong with its settings or flows."""
    try:
        return create_app()
    except (FlowsInvalidError, ConfigError) as exc:
        refuse_to_start(exc)


def refuse_to_start(exc: FlowsInvalidError | ConfigError) -> NoReturn:
    """Print why the process will not start (a bad flows file or setting) and exit with status 1."""
    reason = "the flows file has errors:\n" if isinstance(exc, FlowsInvalidError) else "a setting is wrong: "
    print(f"refusing to start, {reason}{exc}", file=sys.stderr)
    raise SystemExit(1)
