"""Survey results: counts, averages and distributions per subject (a park), comments, responses over time, CSV.

Generic over a survey flow's steps: rating steps give an average and a distribution, choice steps
counts per option (the first choice step is the subject results are grouped by), yes/no steps the
share that said yes (overall and per subject), number steps their spread (bot.reports.answers), text
steps comments. The figures are sums of the survey's tallies (bot.reports.tallies: counts per city day,
month and year kept as responses are stored), so a period reads a few hundred rows, not its
responses; when the tallies cannot answer (another zone, changed steps, never built) each figure is
one GROUP BY over the responses' JSON fields instead. Only the CSV and a page of comments read
responses themselves.
"""

from __future__ import annotations

import csv
import io
import json
import logging
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo

from sqlalchemy import and_, func, or_
from sqlmodel import Session, select

from bot.db.tables import SurveyResponse, as_utc
from bot.flows import Flows
from bot.flows.model import Flow, Step
from bot.flows.steps import ANSWERLESS_KINDS
from bot.i18n import translator
from bot.reports.answers import NumberSummary, YesNoCount, as_number, as_yes_no
from bot.reports.periods import Period, as_day, city_day, day_start, timeline
from bot.reports.spreadsheets import defuse
from bot.reports.tallies import (
    SAID_STEP,
    Tallied,
    number_steps,
    read_tallies,
    said_per_day,
    text_of,
    yes_no_steps,
)

__all__ = [
    "RatingSummary",
    "SubjectRow",
    "SurveyResults",
    "Comment",
    "survey_flows",
    "response_counts",
    "survey_results",
    "scanned_results",
    "survey_comments",
    "survey_csv_lines",
    "csv_safe",
]

CSV_BATCH = 500
log = logging.getLogger(__name__)


@dataclass
class RatingSummary:
    """How one rating step was answered: the count of each score on its scale."""

    step_id: str
    scale: tuple[int, int]
    distribution: dict[int, int] = field(default_factory=dict)

    def add(self, score: int, count: int) -> None:
        """Count a score count times."""
        self.distribution[score] = self.distribution.get(score, 0) + count

    @property
    def count(self) -> int:
        return sum(self.distribution.values())

    @property
    def average(self) -> float | None:
        return sum(s * n for s, n in self.distribution.items()) / self.count if self.count else None

    def counts(self) -> list[int]:
        """The count of every score from low to high, zeros included."""
        return [self.distribution.get(score, 0) for score in range(self.scale[0], self.scale[1] + 1)]


@dataclass
class SubjectRow:
    """The responses about one subject (one park): their count and each rating step's summary."""

    value: str | None
    label: str
    count: int = 0
    ratings: dict[str, RatingSummary] = field(default_factory=dict)
    yes_no: dict[str, YesNoCount] = field(default_factory=dict)


@dataclass
class SurveyResults:
    """Everything the results page shows of one survey flow over a period (comments aside)."""

    flow: Flow
    total: int
    subject_step: Step | None
    rating_steps: list[Step]
    subjects: list[SubjectRow]
    overall: dict[str, RatingSummary]
    choices: dict[str, list[tuple[str, int]]]
    timeline_unit: str
    timeline: list[tuple[date, int]]
    comments: int | None = None  # responses with a comment, when the tallies counted them (else survey_comments does)
    yes_no_steps: list[Step] = field(default_factory=list)
    yes_no: dict[str, YesNoCount] = field(default_factory=dict)  # per yes/no step, every subject together
    number_steps: list[Step] = field(default_factory=list)
    numbers: dict[str, NumberSummary] = field(default_factory=dict)


@dataclass(frozen=True)
class Comment:
    """One response's free text, with its subject and date."""

    created_at: datetime
    subject: str
    texts: tuple[tuple[str, str], ...]  # (step id, text)


def survey_flows(flows: Flows, scope: list[str] | None) -> list[Flow]:
    """The survey flows of the departments in scope (None: all), in file order."""
    return [
        f
        for f in flows.flows.values()
        if f.outcome.kind == "survey" and (scope is None or f.outcome.department in scope)
    ]


def response_counts(session: Session, flow_ids: Iterable[str]) -> dict[str, int]:
    """How many responses each flow has."""
    flow_ids = list(flow_ids)
    rows = session.exec(
        select(SurveyResponse.flow, func.count()).where(SurveyResponse.flow.in_(flow_ids)).group_by(SurveyResponse.flow)
    ).all()
    return dict.fromkeys(flow_ids, 0) | dict(rows)


def answer(step_id: str):
    """A step's answer as text in SQL (ratings too: '4'), whichever the database."""
    return SurveyResponse.answers[step_id].as_string()


def _responses(flow: Flow, period: Period, *columns):
    """A subquery of the flow's responses in the period with the given labelled columns."""
    statement = select(SurveyResponse.created_at, *columns).where(SurveyResponse.flow == flow.id)
    return period.narrow(statement, SurveyResponse.created_at).subquery()


def _grouped(session: Session, flow: Flow, period: Period, **columns) -> Sequence[tuple]:
    """Count the period's responses grouped by the labelled columns (a subquery, so both databases group by name)."""
    inner = _responses(flow, period, *(column.label(name) for name, column in columns.items()))
    keys = [inner.c[name] for name in columns]
    return session.exec(select(*keys, func.count()).group_by(*keys)).all()


def option_label(step: Step, value, stored_label: str | None, lang: str) -> str:
    """What the operator reads for a choice answer: the option's label now (in lang, else in the language it has,
    as a park named only in Spanish), else the label the resident saw."""
    option = step.option(value) if value is not None else None
    if option is not None:
        found = option.label.get(lang, lang) or next((text for text in option.label.by_lang.values() if text), "")
        if found:
            return found
    return stored_label or ("—" if value is None else str(value))


def survey_results(session: Session, flow: Flow, period: Period, lang: str) -> SurveyResults:
    """Count, average and distribution of each rating per subject, choice counts and responses over time.

    Summed from the survey's tallies (bot.reports.tallies) when they answer for the period's zone and the
    flow's steps; otherwise computed from the responses (scanned_results).
    """
    tallied = read_tallies(session, flow, period)
    if tallied is None:
        log.warning("survey %s: results read every response; `ventanilla surveys rebuild` makes them fast", flow.id)
        return scanned_results(session, flow, period, lang)
    return _tallied_results(flow, tallied, lang)


def _tallied_results(flow: Flow, tallied: Tallied, lang: str) -> SurveyResults:
    """The results from a period's tally sums, the same figures scanned_results computes from the responses."""
    choice_steps = [s for s in flow.steps if s.kind == "choice"]
    subject_step = choice_steps[0] if choice_steps else None
    rating_steps = [s for s in flow.steps if s.kind == "rating"]
    total = sum(tallied.per_day.values())
    subjects: dict = {}
    if subject_step is None:
        subjects = {None: SubjectRow(None, "", total)} if total else {}
    counts = sorted(tallied.counts.items())
    if subject_step is not None:
        shown: dict = {}
        for (step_id, _, value, label), count in counts:
            if step_id == subject_step.id:
                key = text_of(value)
                row = subjects.setdefault(key, SubjectRow(key, "", 0))
                row.count += count
                if label and (shown.get(key) is None or label > shown[key]):
                    shown[key] = label
        for key, row in subjects.items():
            row.label = option_label(subject_step, key, shown.get(key), lang)
    overall = {s.id: RatingSummary(s.id, s.scale) for s in rating_steps}
    for step in rating_steps:
        for (step_id, about, value, _), count in counts:
            if step_id != step.id:
                continue
            score, row = _as_score(text_of(value)), subjects.get(text_of(about) if subject_step else None)
            if score is None or row is None or not step.scale[0] <= score <= step.scale[1]:
                continue  # answers off the scale (an older flows.yaml) are left out
            row.ratings.setdefault(step.id, RatingSummary(step.id, step.scale)).add(score, count)
            overall[step.id].add(score, count)
    choices = {}
    for step in choice_steps[1:]:
        chosen: Counter[str] = Counter()
        for (step_id, _, value, label), count in counts:
            if step_id == step.id:
                chosen[option_label(step, text_of(value), label or None, lang)] += count
        choices[step.id] = chosen.most_common()
    said = {s.id: YesNoCount() for s in yes_no_steps(flow)}
    for (step_id, about, value, _), count in counts if said else ():
        if step_id in said:
            _add_yes_no(
                step_id,
                as_yes_no(text_of(value)),
                subjects.get(text_of(about) if subject_step else None),
                said[step_id],
                count,
            )
    numbers = {s.id: NumberSummary(s.id) for s in number_steps(flow)}
    for (step_id, _, value, _), count in counts if numbers else ():
        if step_id in numbers and (number := as_number(text_of(value))) is not None:
            numbers[step_id].add(number, count)
    unit, rows = timeline(tallied.per_day)
    return SurveyResults(
        flow=flow,
        total=total,
        subject_step=subject_step,
        rating_steps=rating_steps,
        subjects=sorted(subjects.values(), key=lambda row: (-row.count, row.label)),
        overall=overall,
        choices=choices,
        timeline_unit=unit,
        timeline=rows,
        comments=tallied.counts.get((SAID_STEP, "", "", ""), 0),
        yes_no_steps=yes_no_steps(flow),
        yes_no=said,
        number_steps=number_steps(flow),
        numbers=numbers,
    )


def scanned_results(session: Session, flow: Flow, period: Period, lang: str) -> SurveyResults:
    """survey_results computed from the responses themselves: GROUP BYs over their JSON answers."""
    choice_steps = [s for s in flow.steps if s.kind == "choice"]
    subject_step = choice_steps[0] if choice_steps else None
    rating_steps = [s for s in flow.steps if s.kind == "rating"]
    subjects = _subjects(session, flow, period, subject_step, lang)
    overall = {s.id: RatingSummary(s.id, s.scale) for s in rating_steps}
    for step in rating_steps:
        _add_ratings(session, flow, period, step, subject_step, subjects, overall[step.id])
    per_day: Counter[date] = Counter()  # the city's days (the period's zone)
    day_of = city_day(session, SurveyResponse.created_at, period.zone, period.since, period.until)
    for day, count in _grouped(session, flow, period, day=day_of):
        per_day[as_day(day)] += count
    unit, rows = timeline(per_day)
    return SurveyResults(
        flow=flow,
        total=sum(per_day.values()),
        subject_step=subject_step,
        rating_steps=rating_steps,
        subjects=sorted(subjects.values(), key=lambda row: (-row.count, row.label)),
        overall=overall,
        choices={s.id: _choice_counts(session, flow, period, s, lang) for s in choice_steps[1:]},
        timeline_unit=unit,
        timeline=rows,
        yes_no_steps=yes_no_steps(flow),
        yes_no={s.id: _yes_no_counts(session, flow, period, s, subject_step, subjects) for s in yes_no_steps(flow)},
        number_steps=number_steps(flow),
        numbers={s.id: _number_counts(session, flow, period, s) for s in number_steps(flow)},
    )


def _subjects(session: Session, flow: Flow, period: Period, step: Step | None, lang: str) -> dict:
    """One row per subject answered, with its response count (one row for all when the flow has no subject)."""
    if step is None:
        total = session.exec(select(func.count()).select_from(_responses(flow, period))).one()
        return {None: SubjectRow(None, "", total)} if total else {}
    inner = _responses(flow, period, answer(step.id).label("subject"), answer(f"{step.id}_label").label("shown"))
    rows = session.exec(select(inner.c.subject, func.max(inner.c.shown), func.count()).group_by(inner.c.subject)).all()
    return {value: SubjectRow(value, option_label(step, value, shown, lang), count) for value, shown, count in rows}


def _add_ratings(
    session, flow, period, step: Step, subject_step: Step | None, subjects: dict, overall: RatingSummary
) -> None:
    """Fill one rating step's distribution per subject and overall."""
    columns = {"score": answer(step.id), **({"subject": answer(subject_step.id)} if subject_step else {})}
    for found in _grouped(session, flow, period, **columns):
        score, subject_value, count = _as_score(found[0]), found[1] if subject_step else None, found[-1]
        row = subjects.get(subject_value)
        if score is None or row is None or not step.scale[0] <= score <= step.scale[1]:
            continue  # answers off the scale (an older flows.yaml) are left out
        row.ratings.setdefault(step.id, RatingSummary(step.id, step.scale)).add(score, count)
        overall.add(score, count)


def _add_yes_no(step_id: str, said: bool | None, row: SubjectRow | None, overall: YesNoCount, count: int) -> None:
    """Count a yes/no answer for its subject and overall (unanswered, or of no subject row, left out)."""
    if said is None or row is None:
        return
    row.yes_no.setdefault(step_id, YesNoCount()).add(said, count)
    overall.add(said, count)


def _yes_no_counts(session, flow, period, step: Step, subject_step: Step | None, subjects: dict) -> YesNoCount:
    """One yes/no step's answers per subject (into the subjects' rows) and overall (returned)."""
    overall = YesNoCount()
    columns = {"said": answer(step.id), **({"subject": answer(subject_step.id)} if subject_step else {})}
    for found in _grouped(session, flow, period, **columns):
        subject_value = found[1] if subject_step else None
        _add_yes_no(step.id, as_yes_no(found[0]), subjects.get(subject_value), overall, found[-1])
    return overall


def _number_counts(session, flow, period, step: Step) -> NumberSummary:
    """How many answered each value of a number step."""
    summary = NumberSummary(step.id)
    for value, count in _grouped(session, flow, period, value=answer(step.id)):
        if (number := as_number(value)) is not None:
            summary.add(number, count)
    return summary


def _as_score(text) -> int | None:
    try:
        return int(float(text))
    except (TypeError, ValueError):
        return None


def _choice_counts(session: Session, flow: Flow, period: Period, step: Step, lang: str) -> list[tuple[str, int]]:
    """How many responses chose each option of a choice step, most chosen first."""
    rows = _grouped(session, flow, period, value=answer(step.id), shown=answer(f"{step.id}_label"))
    counts: Counter[str] = Counter()
    for value, shown, count in rows:
        counts[option_label(step, value, shown, lang)] += count
    return counts.most_common()


def survey_comments(
    session: Session,
    flow: Flow,
    period: Period,
    lang: str,
    page: int = 1,
    per_page: int = 20,
    total: int | None = None,
) -> tuple[list[Comment], int]:
    """One page of the responses with text answers, newest first, and how many there are in all.

    total is that count when the caller has it (SurveyResults.comments, from the tallies); else it is counted.
    """
    text_steps = [s for s in flow.steps if s.kind == "text"]
    if not text_steps:
        return [], 0
    statement = period.narrow(
        select(SurveyResponse).where(SurveyResponse.flow == flow.id, _said(flow)), SurveyResponse.created_at
    )
    if total is None:
        tallied = read_tallies(session, flow, period)
        if tallied is not None:
            total = tallied.counts.get((SAID_STEP, "", "", ""), 0)
        else:
            total = session.exec(select(func.count()).select_from(statement.subquery())).one()
    skip = (page - 1) * per_page
    if skip:
        found = _deep_page(session, flow, period, statement, skip)
        if found is None:
            return [], total  # past the last comment
        statement, skip = found
    page_rows = session.exec(
        statement.order_by(SurveyResponse.created_at.desc(), SurveyResponse.id.desc()).offset(skip).limit(per_page)
    ).all()
    subject_step = next((s for s in flow.steps if s.kind == "choice"), None)
    return [_comment(row, text_steps, subject_step, lang) for row in page_rows], total


def _deep_page(session: Session, flow: Flow, period: Period, statement, skip: int):
    """Where a deep page of comments begins, from the tallies' comments per day: (the comments up to the end of
    the day that holds the page's first one, how many of them are newer still), so OFFSET steps over a day's
    comments at most instead of every newer one; None when the page is past the last comment. The tallies
    unusable: every newer comment is stepped over, as before."""
    days = said_per_day(session, flow, period)
    if days is None:
        return statement, skip
    newer = 0
    for day, count in days:
        if newer + count > skip:
            day_end = day_start(day + timedelta(days=1), period.zone)
            return statement.where(SurveyResponse.created_at < day_end), skip - newer
        newer += count
    return None


def _said(flow: Flow):
    """Responses that answered at least one text step (what the tallies count as SAID_STEP)."""
    return or_(*(and_(answer(s.id).is_not(None), answer(s.id) != "") for s in flow.steps if s.kind == "text"))


def _comment(row: SurveyResponse, text_steps: list[Step], subject_step: Step | None, lang: str) -> Comment:
    subject = ""
    if subject_step is not None:
        subject = option_label(
            subject_step, row.answers.get(subject_step.id), row.answers.get(f"{subject_step.id}_label"), lang
        )
    texts = tuple((s.id, str(row.answers[s.id])) for s in text_steps if row.answers.get(s.id))
    return Comment(as_utc(row.created_at), subject, texts)


def answer_steps(flow: Flow) -> list[Step]:
    """The steps that hold an answer (every step but messages)."""
    return [s for s in flow.steps if s.kind not in ANSWERLESS_KINDS]


def csv_header(flow: Flow, zone: tzinfo = UTC, language: str = "en") -> list[str]:
    """The time (named by its zone), language, then each step's answer (and, for choices, the label shown); the
    fixed headings in the dashboard's `language` (es: fecha, idioma, park_etiqueta), the steps by their ids."""
    gettext = translator(language).gettext
    date, label = gettext("date"), gettext("label")
    header = [f"{date} ({_zone_label(zone)})", gettext("language")]
    for step in answer_steps(flow):
        header += [step.id, f"{step.id}_{label}"] if step.kind == "choice" else [step.id]
    return header


def csv_row(flow: Flow, created_at: datetime, lang: str, answers: dict, label_lang: str, zone: tzinfo = UTC) -> list:
    """One response as CSV cells (no contact, no phone number); its time in the zone, ISO 8601 with the offset."""
    row = [iso_in(created_at, zone), lang]
    for step in answer_steps(flow):
        value = answers.get(step.id)
        row.append(_cell(value))
        if step.kind == "choice":
            row.append("" if value is None else option_label(step, value, answers.get(f"{step.id}_label"), label_lang))
    return row


def iso_in(moment: datetime, zone: tzinfo) -> str:
    """A stored (UTC) moment in the zone, ISO 8601 to the second with its UTC offset: 2026-11-29T23:30:00-06:00."""
    return as_utc(moment).astimezone(zone).isoformat(timespec="seconds")


def _zone_label(zone: tzinfo) -> str:
    return getattr(zone, "key", None) or str(zone)


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def csv_safe(cell) -> str:
    """A cell a spreadsheet shows as text: a leading ' defuses formulas (= + - @, tab, CR)."""
    return defuse(str(cell))


def survey_csv_lines(
    session: Session, flow: Flow, period: Period, label_lang: str, headings: str = "en"
) -> Iterator[str]:
    """The period's responses as CSV lines, oldest first, read from the database in batches.

    Times are in the period's zone (the city's), ISO 8601 with their offset, and the header names the zone.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def line(cells: list) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([csv_safe(c) for c in cells])
        return buffer.getvalue()

    yield line(csv_header(flow, period.zone, headings))
    statement = select(SurveyResponse.created_at, SurveyResponse.lang, SurveyResponse.answers).where(
        SurveyResponse.flow == flow.id
    )
    statement = period.narrow(statement, SurveyResponse.created_at).order_by(
        SurveyResponse.created_at, SurveyResponse.id
    )
    for created_at, lang, answers in session.execute(statement.execution_options(yield_per=CSV_BATCH)):
        yield line(csv_row(flow, created_at, lang, answers or {}, label_lang, period.zone))
