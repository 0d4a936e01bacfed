"""Survey results summed from the tallies equal the results computed from the responses themselves.

Many random responses (answers off the scale, missing, unknown parks, empty comments, three years of dates)
are stored as the event handler stores them; every period's figures from the tallies are compared with
scanned_results, which groups the responses in SQL. Erasure, a changed zone and a rebuild keep them equal.
"""

from __future__ import annotations

import dataclasses
import random
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from sqlmodel import Session

from bot.db.database import transaction
from bot.db.tables import Contact, SurveyResponse, SurveyTally
from bot.privacy.erase import erase_contact
from bot.reports import Period, day_bounds, survey_comments, survey_results
from bot.reports.surveys import scanned_results
from bot.reports.tallies import read_tallies, rebuild, record_response, said_per_day
from tests.support.surveys import route_survey, survey_of_choices

PARKS = "park_evaluation"
MONTERREY = ZoneInfo("America/Monterrey")
CHICAGO = ZoneInfo("America/Chicago")  # daylight saving time: days of 23 and 25 hours
NOW = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)
PARK_IDS = ("P001", "P002", "P003", "P004", "P999", None)  # P999 is no park of parks.csv; None: not answered


def engine(app):
    return app.extensions["ventanilla"].engine


def flows(app):
    return app.extensions["ventanilla"].flows


def park_answers(rng: random.Random) -> dict:
    answers: dict = {}
    park = rng.choice(PARK_IDS)
    if park is not None:
        answers["park"] = park
        if rng.random() < 0.7:
            answers["park_label"] = rng.choice(("Parque Clouthier", "parque clouthier", "El de la esquina"))
    for step in ("cleanliness", "safety", "lighting"):
        score = rng.choice((1, 2, 3, 4, 5, 5, 4, "3", 7, 0, None))
        if score is not None:
            answers[step] = score
    if rng.random() < 0.6:
        answers["comment"] = rng.choice(("", "Muy bonito", "Faltan bancas", "Hay basura", "0"))
    return answers


def bus_answers(rng: random.Random) -> dict:
    answers: dict = {"route": rng.choice(("r1", "r2", "r9")), "note": rng.choice((*range(11), 12, None))}
    if rng.random() < 0.9:
        answers["how"] = rng.choice(("walk", "car", "bike"))
        answers["how_label"] = rng.choice(("A pie", "Caminando", "")) if answers["how"] == "walk" else ""
    return answers


def store(app, count: int, seed: int, zone=MONTERREY) -> list[int]:
    """Store random responses of both surveys as store_survey_response does; return their contacts."""
    rng = random.Random(seed)
    parks, bus = flows(app).flows[PARKS], survey_of_choices()
    contacts = []
    with transaction(engine(app)) as db:
        for _ in range(max(1, count // 20)):
            contact = Contact(name="Vecina")
            db.add(contact)
            db.flush()
            contacts.append(contact.id)
        for n in range(count):
            flow, answers = (parks, park_answers(rng)) if n % 3 else (bus, bus_answers(rng))
            # three years back, with a few at the very edges of days and years (city midnight, 05:59/06:00 UTC)
            moment = NOW - timedelta(days=rng.randrange(3 * 365), minutes=rng.randrange(24 * 60))
            if rng.random() < 0.1:
                moment = moment.replace(hour=rng.choice((5, 6)), minute=rng.choice((0, 59)), second=0)
            response = SurveyResponse(flow=flow.id, contact_id=rng.choice(contacts), answers=answers, created_at=moment)
            db.add(response)
            record_response(db, flow, response, zone)
    return contacts


def figures(found) -> tuple:
    """Every figure the results page shows, in an order that does not depend on how ties were sorted."""
    subjects = sorted(
        (
            (str(row.value), row.label, row.count, {k: v.distribution for k, v in row.ratings.items()})
            for row in found.subjects
        ),
        key=repr,
    )
    overall = {k: v.distribution for k, v in found.overall.items()}
    choices = {k: sorted(v) for k, v in found.choices.items()}
    said = sorted(
        (str(row.value), step, (count.yes, count.no)) for row in found.subjects for step, count in row.yes_no.items()
    )
    said += sorted(("*", step, (count.yes, count.no)) for step, count in found.yes_no.items())
    numbers = {k: v.values for k, v in found.numbers.items()}
    return found.total, subjects, overall, choices, found.timeline_unit, found.timeline, said, numbers


def periods(zone) -> list[Period]:
    today = NOW.astimezone(zone).date()
    return [
        Period(zone=zone),  # all time
        day_bounds(today - timedelta(days=29), today, zone),  # the last 30 days
        day_bounds(date(2025, 1, 1), date(2025, 12, 31), zone),  # a whole year
        day_bounds(date(2024, 12, 15), date(2026, 2, 3), zone),  # days, months, a year, months, days
        day_bounds(date(2025, 3, 9), date(2025, 3, 9), zone),  # one day (Chicago's spring forward)
        day_bounds(date(2025, 11, 2), date(2025, 11, 2), zone),  # one day (Chicago's fall back)
        day_bounds(None, date(2024, 6, 30), zone),
        day_bounds(date(2026, 6, 1), None, zone),
        day_bounds(date(2030, 1, 1), None, zone),  # nothing
    ]


def assert_tallies_equal_the_scan(app, zone) -> None:
    with Session(engine(app)) as db:
        for flow in (flows(app).flows[PARKS], survey_of_choices()):
            for period in periods(zone):
                assert read_tallies(db, flow, period) is not None  # the tallies answered, not the fallback
                assert figures(survey_results(db, flow, period, "es")) == figures(
                    scanned_results(db, flow, period, "es")
                ), (flow.id, period)


def comments_in(app, period: Period) -> int:
    """The responses of the park survey in the period with a comment, counted here in Python."""
    with Session(engine(app)) as db:
        rows = db.scalars(select(SurveyResponse).where(SurveyResponse.flow == PARKS)).all()
    inside = [
        r
        for r in rows
        if (period.since is None or r.created_at.replace(tzinfo=UTC) >= period.since)
        and (period.until is None or r.created_at.replace(tzinfo=UTC) < period.until)
    ]
    return sum(1 for r in inside if r.answers.get("comment") not in (None, ""))


def test_tallied_results_equal_the_results_computed_from_the_responses(app):
    store(app, 900, seed=1)
    assert_tallies_equal_the_scan(app, MONTERREY)
    parks = flows(app).flows[PARKS]
    with Session(engine(app)) as db:
        for period in periods(MONTERREY):
            assert read_tallies(db, parks, period) is not None
            assert survey_comments(db, parks, period, "es")[1] == comments_in(app, period)
        assert survey_results(db, parks, Period(zone=MONTERREY), "es").total == 600


def every_comment(db, flow, period: Period) -> list:
    """The period's comments newest first, read in one go (the reference for pages)."""
    comments, total = survey_comments(db, flow, period, "es", page=1, per_page=100_000)
    assert len(comments) == total
    return comments


@pytest.mark.parametrize("zone", [MONTERREY, CHICAGO], ids=["tallies answer", "responses read (another zone)"])
def test_a_deep_page_of_comments_found_by_the_days_tallies_is_the_page_counted_from_the_newest(app, zone):
    store(app, 900, seed=4)  # days with several comments, days with none, some at the city's midnight
    parks = flows(app).flows[PARKS]
    per_page = 7
    with Session(engine(app)) as db:
        for period in periods(MONTERREY)[:4] + [Period(zone=zone)]:
            period = dataclasses.replace(period, zone=zone) if period.zone != zone else period
            if zone is MONTERREY:
                assert said_per_day(db, parks, period) is not None
            else:
                assert said_per_day(db, parks, period) is None  # the tallies count Monterrey's days
            expected = every_comment(db, parks, period)
            pages = -(-len(expected) // per_page)
            for page in range(1, pages + 2):  # and one past the last
                got, total = survey_comments(db, parks, period, "es", page=page, per_page=per_page)
                assert total == len(expected)
                assert got == expected[(page - 1) * per_page : page * per_page], (period, page)


def test_erasing_residents_moves_their_answers_out_of_the_tallies(app):
    contacts = store(app, 600, seed=2)
    bus = dataclasses.replace(
        survey_of_choices(),
        steps=tuple(dataclasses.replace(s, personal=True) if s.id == "how" else s for s in survey_of_choices().steps),
    )
    with_bus = dataclasses.replace(flows(app), flows={**flows(app).flows, "bus": bus})
    config = app.extensions["ventanilla"].config
    with transaction(engine(app)) as db:
        rebuild(db, bus, MONTERREY)  # the bus survey asks "how" as personal from now on
    with transaction(engine(app)) as db:
        for contact_id in contacts[::3]:
            erase_contact(db, config, with_bus, contact_id, actor="test", reason="arco_cancellation")
    with Session(engine(app)) as db:
        for period in periods(MONTERREY):
            assert read_tallies(db, bus, period) is not None
            assert figures(survey_results(db, bus, period, "es")) == figures(scanned_results(db, bus, period, "es"))
        erased = dict(survey_results(db, bus, Period(zone=MONTERREY), "es").choices["how"])
        assert erased["—"] > 20  # the personal answers erased are counted as not given
        zero = db.scalars(select(func.count()).select_from(SurveyTally).where(SurveyTally.count <= 0)).one()
        assert zero == 0  # rows counted down to nothing are removed
    assert_tallies_equal_the_scan(app, MONTERREY)
    for period in periods(MONTERREY):
        with Session(engine(app)) as db:
            assert survey_comments(db, flows(app).flows[PARKS], period, "es")[1] == comments_in(app, period)


def test_another_zone_reads_the_responses_until_a_rebuild_counts_them_in_it(app):
    store(app, 600, seed=3)
    parks = flows(app).flows[PARKS]
    with Session(engine(app)) as db:
        assert read_tallies(db, parks, Period(zone=CHICAGO)) is None  # CITY_TIMEZONE changed
        assert figures(survey_results(db, parks, Period(zone=CHICAGO), "es")) == figures(
            scanned_results(db, parks, Period(zone=CHICAGO), "es")
        )
    with transaction(engine(app)) as db:
        assert rebuild(db, parks, CHICAGO) == 400
        assert rebuild(db, survey_of_choices(), CHICAGO) == 200
    store(app, 300, seed=4, zone=MONTERREY)  # later responses are counted in the tallies' own zone
    assert_tallies_equal_the_scan(app, CHICAGO)
    with Session(engine(app)) as db:
        assert read_tallies(db, parks, Period(zone=MONTERREY)) is None


def test_a_flow_whose_steps_changed_reads_the_responses_until_a_rebuild(app):
    store(app, 90, seed=5)
    parks = flows(app).flows[PARKS]
    fewer = dataclasses.replace(parks, steps=tuple(s for s in parks.steps if s.id != "lighting"))
    with transaction(engine(app)) as db:
        response = SurveyResponse(
            flow=PARKS, contact_id=db.scalars(select(Contact.id)).first(), answers={"park": "P001"}
        )
        db.add(response)
        record_response(db, fewer, response, MONTERREY)  # stored with the new steps: the tallies stop
    with Session(engine(app)) as db:
        assert read_tallies(db, fewer, Period(zone=MONTERREY)) is None
        assert survey_results(db, fewer, Period(zone=MONTERREY), "es").total == 61
    with transaction(engine(app)) as db:
        rebuild(db, fewer, MONTERREY)
    with Session(engine(app)) as db:
        assert read_tallies(db, fewer, Period(zone=MONTERREY)) is not None
        assert figures(survey_results(db, fewer, Period(zone=MONTERREY), "es")) == figures(
            scanned_results(db, fewer, Period(zone=MONTERREY), "es")
        )


def route_answers(rng: random.Random) -> dict:
    """A route survey's answers: yes, no or none; whole minutes, decimals, off values and none; no route at all."""
    answers: dict = {}
    route = rng.choice(("r23", "r1", "r99", None))
    if route is not None:
        answers["route"] = route
    said = rng.choice((True, True, False, None))
    if said is not None:
        answers["waited"] = said
    minutes = rng.choice((5, 10, 15, 20, 25, 30, 45, 60, 2.5, 20.0, 0, None, None))
    if minutes is not None:
        answers["minutes"] = minutes
    answers["comfort"] = rng.choice((1, 2, 3, 4, 5, None))
    return answers


def test_yes_no_and_number_answers_summed_from_the_tallies_equal_the_responses_counted(app):
    route = route_survey()
    rng = random.Random(7)
    with transaction(engine(app)) as db:
        contact = Contact(name="Vecina")
        db.add(contact)
        db.flush()
        for _ in range(500):
            moment = NOW - timedelta(days=rng.randrange(3 * 365), minutes=rng.randrange(24 * 60))
            response = SurveyResponse(
                flow="route", contact_id=contact.id, answers=route_answers(rng), created_at=moment
            )
            db.add(response)
            record_response(db, route, response, MONTERREY)
    with Session(engine(app)) as db:
        for period in periods(MONTERREY):
            assert read_tallies(db, route, period) is not None
            assert figures(survey_results(db, route, period, "es")) == figures(
                scanned_results(db, route, period, "es")
            ), period
        found = survey_results(db, route, Period(zone=MONTERREY), "es")
    with Session(engine(app)) as db:
        stored = [r.answers for r in db.scalars(select(SurveyResponse).where(SurveyResponse.flow == "route"))]
    yes = sum(1 for a in stored if a.get("waited") is True)
    no = sum(1 for a in stored if a.get("waited") is False)
    assert (found.yes_no["waited"].yes, found.yes_no["waited"].no) == (yes, no) and yes > no > 0
    on_r23 = [a for a in stored if a.get("route") == "r23" and a.get("waited") is not None]
    r23 = next(row for row in found.subjects if row.value == "r23").yes_no["waited"]
    assert r23.answered == len(on_r23) and r23.yes == sum(1 for a in on_r23 if a["waited"])
    minutes = sorted(a["minutes"] for a in stored if a.get("minutes") is not None)
    summary = found.numbers["minutes"]
    assert summary.count == len(minutes)
    assert summary.mean == pytest.approx(sum(minutes) / len(minutes))
    middle = len(minutes) // 2
    median = minutes[middle] if len(minutes) % 2 else (minutes[middle - 1] + minutes[middle]) / 2
    assert summary.median == median
    assert sum(b.count for b in summary.buckets()) == len(minutes)


def test_a_survey_without_yes_no_or_number_steps_keeps_the_tallies_it_had(app):
    """The shape a survey's tallies were counted with names yes/no and number steps only when it has some, so the
    parks survey's tallies from before this release still answer."""
    from bot.reports.tallies import shape_of

    assert shape_of(flows(app).flows[PARKS]) == "park|cleanliness,safety,lighting||comment"
    assert shape_of(route_survey()).endswith("|yn:waited|num:minutes")
