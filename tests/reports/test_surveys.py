"""Report figures computed in the database: survey results per subject, comments, CSV; the tickets overview."""

from __future__ import annotations

import csv
import io
from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import Session

from bot.db.database import transaction
from bot.db.tables import Contact, Operator, SurveyResponse, Ticket, TicketEvent
from bot.reports import (
    Period,
    csv_safe,
    day_bounds,
    department_rows,
    format_duration,
    overview,
    response_counts,
    survey_comments,
    survey_csv_lines,
    survey_flows,
    survey_results,
)
from bot.reports.periods import timeline
from tests.support.surveys import survey_of_choices

NOW = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)  # a Wednesday
PARKS = "park_evaluation"


def engine(app):
    return app.extensions["ventanilla"].engine


def flows(app):
    return app.extensions["ventanilla"].flows


def add_responses(app, *rows: tuple[dict, datetime], flow: str = PARKS, lang: str = "es") -> None:
    """Store survey responses as the event handler does: (answers, created_at) each."""
    with transaction(engine(app)) as db:
        contact = Contact(name="Lupita")
        db.add(contact)
        db.flush()
        for answers, created_at in rows:
            db.add(SurveyResponse(flow=flow, contact_id=contact.id, lang=lang, answers=answers, created_at=created_at))


def park(park_id: str, label: str, cleanliness, safety, lighting, comment=None) -> dict:
    return {
        "park": park_id,
        "park_label": label,
        "cleanliness": cleanliness,
        "safety": safety,
        "lighting": lighting,
        "comment": comment,
    }


def results(app, period: Period = Period()):
    with Session(engine(app)) as db:
        return survey_results(db, flows(app).flows[PARKS], period, "es")


def test_ratings_per_park_have_their_count_average_and_distribution(app):
    add_responses(
        app,
        (park("P002", "Parque Rufino Tamayo", 4, 5, 3), NOW),
        (park("P002", "Parque Rufino Tamayo", 2, 5, 1), NOW),
        (park("P002", "Parque Rufino Tamayo", 5, 4, 3), NOW - timedelta(days=1)),
        (park("P001", "Parque Clouthier", 1, 1, 1), NOW),
    )
    found = results(app)
    assert found.total == 4 and found.subject_step.id == "park"
    assert [(row.value, row.label, row.count) for row in found.subjects] == [
        ("P002", "Parque Rufino Tamayo", 3),
        ("P001", "Parque Clouthier", 1),
    ]
    rufino = found.subjects[0].ratings
    assert rufino["cleanliness"].counts() == [0, 1, 0, 1, 1]
    assert rufino["cleanliness"].average == pytest.approx(11 / 3)
    assert rufino["safety"].counts() == [0, 0, 0, 1, 2] and rufino["lighting"].average == pytest.approx(7 / 3)
    assert found.overall["cleanliness"].counts() == [1, 1, 0, 1, 1] and found.overall["cleanliness"].average == 3.0
    assert found.timeline_unit == "day" and found.timeline == [(date(2026, 11, 24), 1), (date(2026, 11, 25), 3)]


def test_a_park_is_named_by_its_option_and_answers_off_the_scale_are_left_out(app):
    add_responses(
        app,
        (park("P003", "el capi", 9, "excelente", 2.0), NOW),  # a flows.yaml of old: other scale, words
        (park("P999", "Parque Que Ya No Está", 3, 3, 3), NOW),
    )  # a park since removed from parks.csv
    found = {row.value: row for row in results(app).subjects}
    assert found["P003"].label == "Parque El Capitán"  # parks.csv's name, not what was stored
    assert found["P999"].label == "Parque Que Ya No Está"  # the label the resident saw
    assert "cleanliness" not in found["P003"].ratings and "safety" not in found["P003"].ratings
    assert found["P003"].ratings["lighting"].counts() == [0, 1, 0, 0, 0]


def test_the_period_includes_both_days_and_nothing_outside(app):
    add_responses(app, *[(park("P002", "x", 4, 4, 4), NOW - timedelta(days=n)) for n in range(5)])
    assert results(app, day_bounds(date(2026, 11, 22), date(2026, 11, 24))).total == 3
    assert results(app, day_bounds(date(2026, 11, 25), None)).total == 1
    assert results(app, day_bounds(None, date(2026, 11, 20))).total == 0


def test_a_long_span_is_counted_per_week_with_empty_weeks_shown():
    per_day = Counter({date(2026, 1, 5): 2, date(2026, 1, 7): 1, date(2026, 6, 30): 4})
    unit, rows = timeline(per_day)
    assert unit == "week" and rows[0] == (date(2026, 1, 5), 3) and rows[-1] == (date(2026, 6, 29), 4)
    assert len(rows) == 26 and sum(count for _, count in rows) == 7 and rows[1] == (date(2026, 1, 12), 0)


def test_comments_are_newest_first_skip_empty_answers_and_page(app):
    add_responses(
        app,
        *[(park("P002", "x", 4, 4, 4, f"comentario {n}"), NOW - timedelta(hours=n)) for n in range(5)],
        (park("P002", "x", 4, 4, 4, None), NOW),
        (park("P002", "x", 4, 4, 4, ""), NOW),
    )
    flow = flows(app).flows[PARKS]
    with Session(engine(app)) as db:
        first, total = survey_comments(db, flow, Period(), "es", page=1, per_page=2)
        last, _ = survey_comments(db, flow, Period(), "es", page=3, per_page=2)
    assert total == 5
    assert [c.texts for c in first] == [(("comment", "comentario 0"),), (("comment", "comentario 1"),)]
    assert [c.texts for c in last] == [(("comment", "comentario 4"),)]
    assert first[0].subject == "Parque Rufino Tamayo" and first[0].created_at == NOW


def test_any_survey_groups_by_its_first_choice_and_counts_the_others(app):
    flow = survey_of_choices()
    add_responses(
        app,
        ({"route": "r1", "how": "walk", "note": 10}, NOW),
        ({"route": "r1", "how": "car", "note": 0}, NOW),
        ({"route": "r2", "how": "walk", "note": 7}, NOW),
        flow="bus",
    )
    with Session(engine(app)) as db:
        found = survey_results(db, flow, Period(), "es")
        lines = list(survey_csv_lines(db, flow, Period(), "es"))
    assert [(row.label, row.count, row.ratings["note"].average) for row in found.subjects] == [
        ("Ruta 1", 2, 5.0),
        ("Ruta 2", 1, 7.0),
    ]
    assert found.subjects[0].ratings["note"].counts() == [1] + [0] * 9 + [1]
    assert found.choices == {"how": [("A pie", 2), ("En coche", 1)]}
    assert lines[0] == "date (UTC),language,route,route_label,how,how_label,note\r\n"  # no column for the message step


def test_the_csv_has_one_row_a_response_with_labels_and_formulas_defused(app):
    add_responses(
        app,
        (park("P002", "Parque Rufino Tamayo", 4, 5, 3, '=HYPERLINK("http://x")'), NOW),
        (park("P001", "Parque Clouthier", 1, 2, 3, 'bien, "limpio"\ny con juegos'), NOW + timedelta(minutes=1)),
    )
    with Session(engine(app)) as db:
        text = "".join(survey_csv_lines(db, flows(app).flows[PARKS], Period(), "es"))
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["date (UTC)", "language", "park", "park_label", "cleanliness", "safety", "lighting", "comment"]
    assert rows[1] == [
        "2026-11-25T15:00:00+00:00",
        "es",
        "P002",
        "Parque Rufino Tamayo",
        "4",
        "5",
        "3",
        '\'=HYPERLINK("http://x")',
    ]
    assert rows[2][2:] == ["P001", "Parque Clouthier", "1", "2", "3", 'bien, "limpio"\ny con juegos']


@pytest.mark.parametrize(
    "cell, shown",
    [
        ("=1+1", "'=1+1"),
        ("+52 81", "'+52 81"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("Parque = bonito", "Parque = bonito"),
        ("", ""),
        (4, "4"),
    ],
)
def test_a_cell_that_a_spreadsheet_would_run_is_made_text(cell, shown):
    assert csv_safe(cell) == shown


def test_surveys_are_listed_per_department_with_their_response_counts(app):
    add_responses(app, (park("P002", "x", 4, 4, 4), NOW), (park("P001", "x", 4, 4, 4), NOW))
    add_responses(app, ({"x": 1}, NOW), flow="other")
    assert [f.id for f in survey_flows(flows(app), None)] == [PARKS]
    assert [f.id for f in survey_flows(flows(app), ["parques"])] == [PARKS]
    assert survey_flows(flows(app), ["obras_publicas"]) == []
    with Session(engine(app)) as db:
        assert response_counts(db, [PARKS, "nothing"]) == {PARKS: 2, "nothing": 0}


def add_ticket(
    db,
    department: str,
    category: str,
    channel: str,
    created_at: datetime,
    status: str = "received",
    resolved_after: timedelta | None = None,
    due_in: timedelta = timedelta(days=2),
) -> Ticket:
    """A ticket, with its status changes as the lifecycle records them when resolved_after is given."""
    contact = Contact()
    db.add(contact)
    db.flush()
    ticket = Ticket(
        folio=f"T{contact.id:06d}",
        contact_id=contact.id,
        channel=channel,
        flow="x",
        department=department,
        category=category,
        status=status,
        created_at=created_at,
        due_at=created_at + due_in,
    )
    db.add(ticket)
    db.flush()
    if resolved_after is not None:
        moved = created_at + resolved_after
        db.add(
            TicketEvent(
                ticket_id=ticket.id,
                kind="status_changed",
                detail={"from": "received", "to": "in_progress"},
                created_at=created_at + resolved_after / 2,
            )
        )
        db.add(
            TicketEvent(
                ticket_id=ticket.id,
                kind="status_changed",
                detail={"from": "in_progress", "to": "resolved"},
                created_at=moved,
            )
        )
        db.add(
            TicketEvent(
                ticket_id=ticket.id,
                kind="status_changed",
                detail={"from": "resolved", "to": "in_progress"},
                created_at=moved + timedelta(days=1),
            )
        )  # reopened: the first resolve still counts
        db.add(
            TicketEvent(
                ticket_id=ticket.id,
                kind="status_changed",
                detail={"from": "in_progress", "to": "resolved"},
                created_at=moved + timedelta(days=2),
            )
        )
    return ticket


def test_the_overview_counts_per_category_week_resolves_channels_and_overdue(app):
    monday = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    with transaction(engine(app)) as db:
        add_ticket(db, "obras_publicas", "bache", "whatsapp", monday, "resolved", resolved_after=timedelta(hours=10))
        add_ticket(
            db,
            "obras_publicas",
            "bache",
            "sms",
            monday + timedelta(days=1),
            "resolved",
            resolved_after=timedelta(hours=20),
        )
        add_ticket(
            db,
            "obras_publicas",
            "bache",
            "whatsapp",
            monday - timedelta(days=1),
            "resolved",
            resolved_after=timedelta(hours=60),
        )
        add_ticket(
            db,
            "obras_publicas",
            "bache",
            "webchat",
            monday - timedelta(weeks=2),
            "in_progress",
            due_in=timedelta(days=1),
        )
        add_ticket(
            db, "obras_publicas", "bache", "whatsapp", monday - timedelta(weeks=20), due_in=timedelta(days=1)
        )  # before the window
        add_ticket(
            db, "servicios_publicos", "basura", "whatsapp", monday, "closed", due_in=timedelta(hours=1)
        )  # closed: not overdue
        add_ticket(db, "servicios_publicos", "alumbrado", "sms", monday, due_in=timedelta(hours=1))
        add_ticket(
            db, "obras_publicas", "bache", "sms", monday - timedelta(weeks=13), "resolved", timedelta(days=13)
        )  # first resolved the day before the window, resolved again inside it: not one of the window's
    with Session(engine(app)) as db:
        everything = overview(db, None, NOW, weeks=12)
        works = overview(db, ["obras_publicas"], NOW, weeks=12)
    assert (
        everything.weeks[-1] == date(2026, 11, 23)
        and len(everything.weeks) == 12
        and everything.since.date() == date(2026, 9, 7)
    )
    assert works.per_category_week == {"bache": [0] * 9 + [1, 1, 2]}
    assert everything.per_category_week["basura"][-1] == 1 and everything.total == 6
    assert works.median_resolve == {"bache": (timedelta(hours=20), 3)}
    assert works.channels == [("whatsapp", 2), ("sms", 1), ("webchat", 1)]
    assert works.overdue == 2 and everything.overdue == 3  # the one before the window is overdue too


def test_departments_show_their_slas_open_overdue_tickets_and_operators(app):
    with transaction(engine(app)) as db:
        add_ticket(db, "obras_publicas", "bache", "sms", NOW - timedelta(days=3))  # overdue
        add_ticket(db, "obras_publicas", "bache", "sms", NOW, due_in=timedelta(days=5))
        add_ticket(db, "obras_publicas", "bache", "sms", NOW, "resolved")
        for email, departments, active in (
            ("a@x.mx", ["obras_publicas", "parques"], True),
            ("b@x.mx", ["obras_publicas"], False),
        ):
            db.add(Operator(email=email, password_hash="x", departments=departments, active=active))
    with Session(engine(app)) as db:
        rows = {row.id: row for row in department_rows(db, flows(app), NOW)}
    works = rows["obras_publicas"]
    assert (works.name, works.delivery, works.sla, works.open, works.overdue, works.operators) == (
        "Obras Públicas",
        "webhook",
        timedelta(days=5),
        2,
        1,
        1,
    )
    assert works.flow_slas == [("pothole", timedelta(hours=48))]
    assert (rows["parques"].delivery, rows["parques"].open, rows["parques"].operators) == ("dashboard", 0, 1)


@pytest.mark.parametrize(
    "span, said",
    [
        (timedelta(0), "0m"),
        (timedelta(minutes=12), "12m"),
        (timedelta(hours=5, minutes=20), "5h 20m"),
        (timedelta(days=3, hours=4, minutes=5), "3d 4h"),
        (timedelta(days=7), "7d"),
    ],
)
def test_durations_read_as_people_say_them(span, said):
    assert format_duration(span) == said
