"""Publishing the open data: every figure computed in one read transaction, then every file stored in one write.

Run by the job the relay enqueues once per OPEN_DATA_EVERY_HOURS (bot/jobs/opendata_jobs.py) and by
`ventanilla datos publish`. figuras.json holds what the page shows; the page and the files are served as stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.engine import Engine

from bot.config import Config
from bot.db.database import transaction
from bot.flows import Flows
from bot.opendata import store
from bot.opendata.downloads import File, json_file
from bot.opendata.figures import FIGURES, WEEKS, Sources
from bot.reports.periods import city_weeks, day_start

__all__ = ["Publication", "publish", "PAGE_DATA"]

PAGE_DATA = "figuras.json"


@dataclass(frozen=True)
class Publication:
    """What a publication stored."""

    published_at: datetime
    files: list[File]


def publish(engine: Engine, config: Config, flows: Flows, now: datetime) -> Publication:
    """Compute every figure and replace the published files with them."""
    zone = config.city_zone()
    mondays = city_weeks(now, zone, WEEKS)
    with transaction(engine) as session:
        sources = Sources(
            session=session,
            flows=flows,
            now=now,
            zone=zone,
            mondays=mondays,
            since=day_start(mondays[0], zone),
            min_count=config.open_data_min_count,
            cell_metres=config.open_data_cell_metres,
        )
        figures = [build(sources) for build in FIGURES.values()]
    page = {
        "published_at": now.isoformat(),
        "timezone": config.city_timezone,
        "weeks": [monday.isoformat() for monday in mondays],
        "license": {"name": config.open_data_license, "url": config.open_data_license_url},
        "min_count": config.open_data_min_count,
        "cell_metres": config.open_data_cell_metres,
        "figures": [{"key": f.key, "data": f.data, "files": [file.name for file in f.files]} for f in figures],
    }
    files = [file for f in figures for file in f.files] + [json_file(PAGE_DATA, page)]
    with transaction(engine, immediate=True) as session:
        store.replace_all(session, files, now)
    return Publication(now, files)
