"""The city's time: the overview's weeks, the surveys' days, the queue's dates and exports are CITY_TIMEZONE's.

Monterrey is UTC-6 (no daylight saving time since 2022): a report filed on Sunday 22 November 2026 at
23:30 there is stored as Monday 05:30 UTC, and belongs to that Sunday and to the week of Monday the 16th.
"""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session, select

from bot import create_app
from bot.db.database import create_tables, transaction
from bot.db.tables import Contact, SurveyResponse
from bot.reports import day_bounds, overview, survey_csv_lines, survey_results
from bot.reports.periods import Period, city_day, offset_changes
from tests.support.app import app_settings
from tests.support.desks import seed_ticket

MONTERREY = ZoneInfo("America/Monterrey")
NOW = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)  # Wednesday 25 November, 9 a.m. in Monterrey
SUNDAY_NIGHT = datetime(2026, 11, 23, 5, 30, tzinfo=UTC)  # Sunday 22 November, 23:30 in Monterrey
MONDAY_EARLY = datetime(2026, 11, 23, 6, 30, tzinfo=UTC)  # Monday 23 November, 00:30 in Monterrey
PARKS = "park_evaluation"


@pytest.fixture
def app(tmp_path, redis_url):
    """The app of a city in Monterrey's time zone."""
    app = create_app(app_settings(tmp_path, redis_url, city_timezone="America/Monterrey"))
    create_tables(app.extensions["ventanilla"].engine)
    yield app
    app.extensions["ventanilla"].engine.dispose()


def engine(app):
    return app.extensions["ventanilla"].engine


def add_responses(app, *moments: datetime) -> None:
    with transaction(engine(app)) as db:
        contact = Contact(name="Lupita")
        db.add(contact)
        db.flush()
        for moment in moments:
            answers = {"park": "P002", "park_label": "Parque Rufino Tamayo", "cleanliness": 4}
            db.add(SurveyResponse(flow=PARKS, contact_id=contact.id, lang="es", answers=answers, created_at=moment))


def test_the_overview_counts_the_citys_weeks(app):
    seed_ticket(app, created_at=SUNDAY_NIGHT)
    seed_ticket(app, created_at=MONDAY_EARLY)
    with Session(engine(app)) as db:
        city = overview(db, None, NOW, weeks=3, zone=MONTERREY)
        utc = overview(db, None, NOW, weeks=3)
    assert city.weeks == [date(2026, 11, 9), date(2026, 11, 16), date(2026, 11, 23)]
    assert city.since == datetime(2026, 11, 9, 6, 0, tzinfo=UTC)  # Monday's midnight in Monterrey
    assert city.per_category_week == {"bache": [0, 1, 1]}  # Sunday night is last week's
    assert utc.per_category_week == {"bache": [0, 0, 2]}  # in UTC both were Monday


def test_the_overview_page_counts_the_citys_weeks(app, desk):
    now = datetime.now(UTC)
    monday = now.astimezone(MONTERREY).date() - timedelta(days=now.astimezone(MONTERREY).weekday())
    midnight = datetime.combine(monday, datetime.min.time(), MONTERREY).astimezone(UTC)
    seed_ticket(app, created_at=midnight - timedelta(minutes=30))
    seed_ticket(app, created_at=midnight + timedelta(minutes=30))
    html = desk("ana@x.mx", "operator", ["obras_publicas"]).get("/dashboard/overview").text
    per_week = json.loads(
        re.search(r'<script type="application/json" id="chart-per-week">(.*?)</script>', html, re.S)[1]
    )
    assert per_week["labels"][-2:] == [(monday - timedelta(weeks=1)).isoformat(), monday.isoformat()]
    assert per_week["datasets"] == [{"label": "bache", "data": [0] * 10 + [1, 1]}]


def test_the_survey_results_count_the_citys_days(app):
    add_responses(app, SUNDAY_NIGHT, MONDAY_EARLY)
    flow = app.extensions["ventanilla"].flows.flows[PARKS]
    with Session(engine(app)) as db:
        everything = survey_results(db, flow, Period(zone=MONTERREY), "es")
        sunday = survey_results(db, flow, day_bounds(date(2026, 11, 22), date(2026, 11, 22), MONTERREY), "es")
        monday = survey_results(db, flow, day_bounds(date(2026, 11, 23), None, MONTERREY), "es")
        lines = list(survey_csv_lines(db, flow, Period(zone=MONTERREY), "es"))
    assert everything.timeline == [(date(2026, 11, 22), 1), (date(2026, 11, 23), 1)]
    assert sunday.total == 1 and sunday.timeline == [(date(2026, 11, 22), 1)]
    assert monday.total == 1 and monday.timeline == [(date(2026, 11, 23), 1)]
    rows = list(csv.reader(io.StringIO("".join(lines))))
    assert rows[0][0] == "date (America/Monterrey)"
    assert [row[0] for row in rows[1:]] == ["2026-11-22T23:30:00-06:00", "2026-11-23T00:30:00-06:00"]


def test_the_survey_page_filters_the_citys_days(app, desk):
    add_responses(app, SUNDAY_NIGHT, MONDAY_EARLY)
    viewer = desk("ana@x.mx", "viewer", ["parques"])
    text = viewer.get(f"/dashboard/surveys/{PARKS}.csv?since=2026-11-22&until=2026-11-22").data.decode()
    assert "2026-11-22T23:30:00-06:00" in text and "2026-11-23T00:30" not in text
    assert viewer.get(f"/dashboard/surveys/{PARKS}?since=2026-11-23").status_code == 200


def test_days_follow_the_zones_offsets_across_daylight_saving_time(app):
    """Before 2023 Monterrey kept summer time (UTC-5): 05:30 UTC was 00:30 the next day in July, 23:30 in December."""
    assert [offset for _, offset in offset_changes("America/Monterrey", date(2021, 1, 1), date(2022, 1, 1))] == [
        -21600,
        -18000,
        -21600,
    ]
    summer, winter = datetime(2021, 7, 1, 5, 30, tzinfo=UTC), datetime(2021, 12, 1, 5, 30, tzinfo=UTC)
    add_responses(app, summer, winter, SUNDAY_NIGHT)
    with Session(engine(app)) as db:
        for since, until in ((None, None), (summer, None), (datetime(2021, 1, 1, tzinfo=UTC), NOW)):
            days = db.exec(
                select(city_day(db, SurveyResponse.created_at, MONTERREY, since, until)).order_by(
                    SurveyResponse.created_at
                )
            ).all()
            assert [str(day)[:10] for day in days] == ["2021-07-01", "2021-11-30", "2026-11-22"], (since, until)


def test_the_queues_dates_are_the_citys_days(app, desk):
    sunday, monday = seed_ticket(app, created_at=SUNDAY_NIGHT), seed_ticket(app, created_at=MONDAY_EARLY)
    ana = desk("ana@x.mx", "operator", ["obras_publicas"])
    on_sunday = ana.get("/dashboard/?status=all&from=2026-11-22&to=2026-11-22").text
    assert sunday in on_sunday and monday not in on_sunday
    from_monday = ana.get("/dashboard/?status=all&from=2026-11-23").text
    assert monday in from_monday and sunday not in from_monday
    until_sunday = ana.get("/dashboard/queue.json?status=all&to=2026-11-22&since=0").get_json()
    assert [row["folio"] for row in until_sunday["tickets"]] == [sunday]


def test_exports_show_the_citys_time_and_say_so(app, desk):
    sunday, monday = seed_ticket(app, created_at=SUNDAY_NIGHT), seed_ticket(app, created_at=MONDAY_EARLY)
    ana = desk("ana@x.mx", "operator", ["obras_publicas"])
    body = ana.get("/dashboard/export.csv?status=all&from=2026-11-22&to=2026-11-22").data.decode("utf-8")
    rows = list(csv.DictReader(io.StringIO(body.lstrip("\ufeff"))))
    assert [row["folio"] for row in rows] == [sunday]
    assert rows[0]["received (America/Monterrey)"] == "2026-11-22T23:30:00-06:00"
    assert rows[0]["due (America/Monterrey)"] == "2026-11-24T23:30:00-06:00"
    features = ana.get("/dashboard/export.geojson?status=all&from=2026-11-23").get_json()["features"]
    assert [f["id"] for f in features] == [monday]
    assert features[0]["properties"]["received"] == "2026-11-23T00:30:00-06:00"


def test_times_on_the_dashboard_are_on_the_citys_clock(app, desk):
    folio = seed_ticket(app, created_at=SUNDAY_NIGHT)
    ana = desk("ana@x.mx", "operator", ["obras_publicas"])
    page = ana.get(f"/dashboard/tickets/{folio}").text
    # Without JavaScript, Babel's short date and time in the operator's locale (English here: the tests' operators
    # read English), as local-time.js shows it with the page's language; the zone is data-zone's.
    assert 'data-zone="America/Monterrey">11/22/26, 11:30\u202fPM</time>' in page  # Sunday night, the city's
    assert 'data-zone="America/Monterrey">11/24/26, 11:30\u202fPM</time>' in page  # due: the city's Tuesday
    queue = ana.get("/dashboard/?status=all").text
    assert 'data-zone="America/Monterrey">11/22/26, 11:30\u202fPM</time>' in queue
    rows = ana.get("/dashboard/queue.json?status=all&since=0").get_json()["tickets"]
    assert rows[0]["received_text"] == "11/22/26, 11:30\u202fPM"
    spanish = desk("lupe@x.mx", "operator", ["obras_publicas"], language="es").get("/dashboard/?status=all").text
    assert 'data-zone="America/Monterrey">22/11/26, 11:30\u202fp.m.</time>' in spanish  # es-MX: day first
