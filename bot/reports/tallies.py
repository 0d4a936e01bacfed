"""Survey tallies: how many responses gave each answer per city day, month and year, kept as responses are written.

Survey results over all time would otherwise read every response and its JSON (100,000 of them take most of a
second). Each stored response adds one to a handful of SurveyTally rows in its own transaction: its count, its
subject (the flow's first choice step), each rating and each yes/no per subject, each other choice, each
number answered (per value, so medians stay exact); at four grains (the
city's day, month and year, and all time), so a period is summed from a few thousand rows at most: whole
years, whole months, then days at its edges (all time: the all-time rows alone). Free text is not tallied: comments are paged from the responses.

The rows are right only for the zone and the steps they were counted with, which SurveyTallyState records
per flow. When CITY_TIMEZONE or a survey's steps change, or the tallies were never built (responses from
before them), results are computed from the responses instead (correct, slower) until `ventanilla surveys
rebuild` counts them again. Erasing a resident's data scrubs their responses' answers, and the tallies move
with them (a kept rating stays counted; an answer erased is uncounted).

Concurrency: a writer reads the flow's state row FOR SHARE (PostgreSQL) and a rebuild locks the state table
first, so a response committed during a rebuild is counted exactly once; SQLite has one writer at a time.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, delete, func, or_, select, text, tuple_
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from bot.db.tables import SurveyResponse, SurveyTally, SurveyTallyState, as_utc, utcnow
from bot.flows.model import Flow, Step
from bot.reports.periods import Period

__all__ = [
    "Tallied",
    "shape_of",
    "record_response",
    "record_scrubbed",
    "rebuild",
    "read_tallies",
    "said_per_day",
    "text_of",
    "SAID_STEP",
    "yes_no_steps",
    "number_steps",
]

TABLE = SurveyTally.__table__
KEY = ("flow", "grain", "bucket", "step", "subject", "value", "label")
GRAINS = ("d", "m", "y", "a")
ALL_TIME = date(2000, 1, 1)  # the bucket of the "a" rows, which count every response (all-time results read only them)
COUNT_STEP = ""  # the step of the rows that count responses
SAID_STEP = "*said"  # the step of the rows that count responses with a comment (any text step answered)
REBUILD_BATCH = 2000


@dataclass
class Tallied:
    """A period's sums: count per (step, subject, value, label) and responses per city day."""

    counts: dict[tuple[str, str, str, str], int] = field(default_factory=dict)
    per_day: Counter[date] = field(default_factory=Counter)


# ---------------------------------------------------------------- what is tallied


def _tallied_steps(flow: Flow) -> tuple[Step | None, list[Step], list[Step]]:
    """The subject (first choice step), the rating steps and the other choice steps, as results show them."""
    choices = [s for s in flow.steps if s.kind == "choice"]
    return (choices[0] if choices else None), [s for s in flow.steps if s.kind == "rating"], choices[1:]


def _text_steps(flow: Flow) -> list[Step]:
    return [s for s in flow.steps if s.kind == "text"]


def yes_no_steps(flow: Flow) -> list[Step]:
    """The yes/no questions results chart (a `confirm` only says "send it", so it is not one)."""
    return [s for s in flow.steps if s.kind == "yes_no"]


def number_steps(flow: Flow) -> list[Step]:
    return [s for s in flow.steps if s.kind == "number"]


def shape_of(flow: Flow) -> str:
    """Which steps are tallied how: tallies counted for another shape cannot answer for this one."""
    subject, ratings, choices = _tallied_steps(flow)
    steps = (
        subject.id if subject else "",
        *(",".join(s.id for s in group) for group in (ratings, choices, _text_steps(flow))),
    )
    shape = "|".join(steps)
    said, numbers = yes_no_steps(flow), number_steps(flow)
    if said or numbers:  # added only when present: the tallies of a survey without them stay in use
        shape += f"|yn:{','.join(s.id for s in said)}|num:{','.join(s.id for s in numbers)}"
    return shape


def _encoded(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


@lru_cache(maxsize=65536)
def text_of(encoded: str) -> str | None:
    """A tallied answer as the database hands a JSON field back as text (PostgreSQL's ->>): None, 'P001', '4', 'true'."""
    value = json.loads(encoded)
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value) if not isinstance(value, bool) else ("true" if value else "false")


def _label(answers: dict, step_id: str) -> str:
    shown = answers.get(f"{step_id}_label")
    return "" if shown is None else str(shown)


def _keys(flow: Flow, answers: dict) -> list[tuple[str, str, str, str]]:
    """The (step, subject, value, label) rows one response adds one to, at each grain."""
    subject, ratings, choices = _tallied_steps(flow)
    answers = answers or {}
    keys = [(COUNT_STEP, "", "", "")]
    about = ""
    if subject is not None:
        about = _encoded(answers.get(subject.id))
        keys.append((subject.id, "", about, _label(answers, subject.id)))
    keys += [(s.id, about, _encoded(answers.get(s.id)), "") for s in ratings]
    keys += [(s.id, "", _encoded(answers.get(s.id)), _label(answers, s.id)) for s in choices]
    keys += [(s.id, about, _encoded(answers.get(s.id)), "") for s in yes_no_steps(flow)]
    keys += [(s.id, "", _encoded(answers.get(s.id)), "") for s in number_steps(flow) if answers.get(s.id) is not None]
    if any(text_of(_encoded(answers.get(s.id))) not in (None, "") for s in _text_steps(flow)):
        keys.append((SAID_STEP, "", "", ""))  # what survey_comments counts
    return keys


def _buckets(day: date) -> list[tuple[str, date]]:
    return [("d", day), ("m", day.replace(day=1)), ("y", day.replace(month=1, day=1)), ("a", ALL_TIME)]


def _rows(flow: Flow, answers: dict, created_at: datetime, zone: tzinfo) -> Counter:
    day = as_utc(created_at).astimezone(zone).date()
    return Counter((flow.id, grain, bucket, *key) for grain, bucket in _buckets(day) for key in _keys(flow, answers))


# ---------------------------------------------------------------- writing


def _state(session: Session, flow_id: str) -> SurveyTallyState | None:
    """The flow's state row; on PostgreSQL held FOR SHARE until commit, so a rebuild waits for this writer."""
    statement = select(SurveyTallyState).where(SurveyTallyState.flow == flow_id)
    if session.get_bind().dialect.name == "postgresql":
        statement = statement.with_for_update(read=True)
    return session.scalars(statement.execution_options(populate_existing=True)).first()


def _usable_state(session: Session, flow: Flow, response_id: int | None, zone: tzinfo) -> SurveyTallyState | None:
    """The state to count a new response under; a flow's first response starts its tallies in the city's zone."""
    state = _state(session, flow.id)
    if state is None:
        others = select(SurveyResponse.id).where(SurveyResponse.flow == flow.id)
        if response_id is not None:
            others = others.where(SurveyResponse.id != response_id)
        if session.execute(others.limit(1)).first() is not None:
            return None  # responses from before the tallies: `ventanilla surveys rebuild` counts them
        _insert(
            session,
            SurveyTallyState.__table__,
            [{"flow": flow.id, "zone": _zone_name(zone), "shape": shape_of(flow), "built_at": utcnow()}],
            nothing=True,
        )
        state = _state(session, flow.id)
    if state is not None and state.shape != shape_of(flow):
        # The survey's steps changed: its tallies stop (results read responses) until a rebuild.
        session.execute(delete(SurveyTallyState.__table__).where(SurveyTallyState.flow == flow.id))
        return None
    return state


def record_response(session: Session, flow: Flow | None, response: SurveyResponse, zone: tzinfo) -> None:
    """Count a response just added to the session (same transaction), if the flow's tallies are in use."""
    if flow is None:
        return
    session.flush()
    state = _usable_state(session, flow, response.id, zone)
    if state is not None:
        _apply(session, _rows(flow, response.answers, response.created_at, ZoneInfo(state.zone)))


def record_scrubbed(session: Session, flow: Flow | None, response: SurveyResponse, before: dict) -> None:
    """Move the tallies from a response's answers before erasure to what is kept of them."""
    if flow is None:
        return
    state = _state(session, flow.id)
    if state is None or state.shape != shape_of(flow):
        return
    zone = ZoneInfo(state.zone)
    change = _rows(flow, response.answers, response.created_at, zone)
    change.subtract(_rows(flow, before, response.created_at, zone))
    _apply(session, Counter({key: n for key, n in change.items() if n}))


def _apply(session: Session, change: Counter) -> None:
    """Add each row's change (an upsert per row), then drop rows left at zero."""
    if not change:
        return
    rows = [dict(zip(KEY, key, strict=True), count=n) for key, n in sorted(change.items(), key=lambda kv: kv[0])]
    _insert(session, TABLE, rows, add="count")
    emptied = [key for key, n in change.items() if n < 0]
    if emptied:
        columns = tuple_(*(TABLE.c[name] for name in KEY))
        session.execute(delete(TABLE).where(columns.in_(emptied), TABLE.c.count <= 0))


def _insert(session: Session, table, rows: list[dict], add: str = "count", nothing: bool = False) -> None:
    """INSERT ... ON CONFLICT on the primary key: add to a column, or do nothing (both databases)."""
    dialect = session.get_bind().dialect.name
    make = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = make(table).values(rows)
    keys = [c.name for c in table.primary_key.columns]
    if nothing:
        statement = statement.on_conflict_do_nothing(index_elements=keys)
    else:
        statement = statement.on_conflict_do_update(
            index_elements=keys, set_={add: table.c[add] + statement.excluded[add]}
        )
    session.execute(statement)


# ---------------------------------------------------------------- rebuilding


def rebuild(session: Session, flow: Flow, zone: tzinfo) -> int:
    """Count the flow's responses again, in the zone, replacing its tallies; return how many were counted."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("LOCK TABLE surveytallystate IN EXCLUSIVE MODE"))  # writers wait, then count
    session.execute(delete(SurveyTallyState.__table__).where(SurveyTallyState.flow == flow.id))
    session.execute(delete(TABLE).where(TABLE.c.flow == flow.id))
    counts: Counter = Counter()
    responses = 0
    statement = select(SurveyResponse.answers, SurveyResponse.created_at).where(SurveyResponse.flow == flow.id)
    for answers, created_at in session.execute(statement.execution_options(yield_per=REBUILD_BATCH)):
        counts.update(_rows(flow, answers, created_at, zone))
        responses += 1
    rows = [dict(zip(KEY, key, strict=True), count=n) for key, n in counts.items()]
    for start in range(0, len(rows), REBUILD_BATCH):
        session.execute(TABLE.insert(), rows[start : start + REBUILD_BATCH])
    session.add(SurveyTallyState(flow=flow.id, zone=_zone_name(zone), shape=shape_of(flow)))
    session.flush()
    return responses


def _zone_name(zone: tzinfo) -> str:
    name = getattr(zone, "key", None) or ("UTC" if str(zone) == "UTC" else None)
    if not name:
        raise ValueError(f"a named (IANA) time zone is needed, not {zone!r}")
    return name


# ---------------------------------------------------------------- reading


def read_tallies(session: Session, flow: Flow, period: Period) -> Tallied | None:
    """The period's sums from the tallies; None when they cannot answer (another zone or steps, not built)."""
    window = _tallied_days(session, flow, period)
    if window is None:
        return None
    tallied = Tallied()
    if window is NO_DAYS:
        return tallied
    (first, end), (start, stop) = (period_days(period), window)
    if first is None and end is None:
        spans = and_(TABLE.c.grain == "a", TABLE.c.bucket == ALL_TIME)  # every response: one row per answer
    else:
        spans = or_(
            *(
                and_(TABLE.c.grain == grain, TABLE.c.bucket >= low_day, TABLE.c.bucket < high_day)
                for grain, low_day, high_day in _spans(start, stop)
            )
        )
    group = (TABLE.c.step, TABLE.c.subject, TABLE.c.value, TABLE.c.label)
    found = session.execute(
        select(*group, func.sum(TABLE.c.count))
        .where(TABLE.c.flow == flow.id, TABLE.c.step != COUNT_STEP, spans)
        .group_by(*group)
        .having(func.sum(TABLE.c.count) > 0)
    ).all()
    tallied.counts = {(step, subject, value, label): int(n) for step, subject, value, label, n in found}
    tallied.per_day = Counter(dict(_per_day(session, flow, COUNT_STEP, start, stop)))
    return tallied


def said_per_day(session: Session, flow: Flow, period: Period) -> list[tuple[date, int]] | None:
    """How many responses with a comment each city day of the period holds, newest day first (days without
    one left out); None when the tallies cannot answer. survey_comments finds a deep page's day with it."""
    window = _tallied_days(session, flow, period)
    if window is None or window is NO_DAYS:
        return None if window is None else []
    return sorted(_per_day(session, flow, SAID_STEP, *window), reverse=True)


NO_DAYS = (date.min, date.min)  # _tallied_days: the tallies answer, and no response falls in the period


def period_days(period: Period) -> tuple[date | bool | None, date | bool | None]:
    """The city days a period begins and ends at (None: open; False: not at a midnight)."""
    return _city_day(period.since, period.zone), _city_day(period.until, period.zone)


def _tallied_days(session: Session, flow: Flow, period: Period) -> tuple[date, date] | None:
    """The days [start, stop) of the period that hold responses, NO_DAYS when none does; None when the tallies
    cannot answer for the period (not built, another zone or steps, a window not cut at the city's midnights)."""
    state = session.get(SurveyTallyState, flow.id)
    zone_name = getattr(period.zone, "key", None) or ("UTC" if str(period.zone) == "UTC" else None)
    if state is None or state.zone != zone_name or state.shape != shape_of(flow):
        return None
    first, end = period_days(period)
    if first is False or end is False:
        return None  # a window not cut at the city's midnights
    low, high = session.execute(
        select(func.min(TABLE.c.bucket), func.max(TABLE.c.bucket)).where(
            TABLE.c.flow == flow.id, TABLE.c.grain == "d", TABLE.c.step == COUNT_STEP
        )
    ).one()
    if low is None:
        return NO_DAYS
    start = max(first, _day(low)) if isinstance(first, date) else _day(low)
    stop = _day(high) + timedelta(days=1)
    stop = min(end, stop) if isinstance(end, date) else stop
    return (start, stop) if start < stop else NO_DAYS


def _per_day(session: Session, flow: Flow, step: str, start: date, stop: date) -> list[tuple[date, int]]:
    """A counting step's day rows in [start, stop): (day, count), zeros left out."""
    rows = session.execute(
        select(TABLE.c.bucket, TABLE.c.count).where(
            TABLE.c.flow == flow.id,
            TABLE.c.grain == "d",
            TABLE.c.step == step,
            TABLE.c.bucket >= start,
            TABLE.c.bucket < stop,
        )
    ).all()
    return [(_day(day), n) for day, n in rows if n > 0]


def _city_day(moment: datetime | None, zone: tzinfo) -> date | bool | None:
    """The city day a bound begins; None for an open side; False when the bound is not a midnight there."""
    if moment is None:
        return None
    local = as_utc(moment).astimezone(zone)
    return local.date() if local.time() == time() else False


def _day(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _next_month(day: date) -> date:
    return date(day.year + 1, 1, 1) if day.month == 12 else date(day.year, day.month + 1, 1)


def _spans(start: date, stop: date) -> Iterable[tuple[str, date, date]]:
    """[start, stop) as runs of whole years, whole months and single days: (grain, first bucket, end)."""
    runs: list[list] = []
    day = start
    while day < stop:
        if day.month == 1 and day.day == 1 and date(day.year + 1, 1, 1) <= stop:
            grain, following = "y", date(day.year + 1, 1, 1)
        elif day.day == 1 and _next_month(day) <= stop:
            grain, following = "m", _next_month(day)
        else:
            grain, following = "d", day + timedelta(days=1)
        if runs and runs[-1][0] == grain and runs[-1][2] == day:
            runs[-1][2] = following
        else:
            runs.append([grain, day, following])
        day = following
    return [(grain, low, high) for grain, low, high in runs]
