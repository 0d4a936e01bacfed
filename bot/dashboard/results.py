"""Survey results: the survey flows an operator may see, one flow's figures and charts, and its responses as CSV."""

from __future__ import annotations

import re

from flask import Response, abort, render_template, request
from flask_babel import gettext as _

from bot.dashboard.access import department_scope
from bot.dashboard.blueprint import bp
from bot.dashboard.i18n import current_language
from bot.dashboard.survey_tables import (
    average_text,
    bucket_label,
    distribution_rows,
    number_text,
    share_text,
    subject_rows,
    yes_no_rows,
)
from bot.dashboard.ticket_query import FilterError, parse_day
from bot.db.database import transaction
from bot.db.tables import utcnow
from bot.flows.model import Flow
from bot.reports import (
    Period,
    day_bounds,
    response_counts,
    step_heading,
    survey_comments,
    survey_csv_lines,
    survey_flows,
    survey_results,
)
from bot.services import services
from bot.translatable import N_

COMMENTS_PER_PAGE = 20
CHART_SUBJECTS = 15  # the most answered subjects in the charts; the tables list them all


def visible_survey(flow_id: str) -> Flow:
    """The survey flow if the operator's departments include its department; 404 otherwise."""
    flows = survey_flows(services().flows, department_scope())
    flow = next((f for f in flows if f.id == flow_id), None)
    if flow is None:
        abort(404)
    return flow


def period_from_args() -> Period:
    """The since/until days of the query string (YYYY-MM-DD, both included): the city's days."""
    first, last = parse_day(request.args, "since"), parse_day(request.args, "until")
    if first and last and first > last:
        raise FilterError(N_("since: the start date is after the end date"))
    return day_bounds(first, last, services().config.city_zone())


def page_from_args() -> int:
    """The comments page asked for (1 when absent)."""
    text = request.args.get("page", "1").strip() or "1"
    if not re.fullmatch(r"[0-9]{1,6}", text) or not 1 <= int(text) <= 100_000:  # not isdigit(): "²" is a digit
        raise FilterError(N_("page: a positive whole number"))
    return int(text)


@bp.get("/surveys")
def surveys():
    """The survey flows of the operator's departments, with how many responses each has."""
    svc = services()
    flows = survey_flows(svc.flows, department_scope())
    with transaction(svc.engine) as db:
        counts = response_counts(db, [f.id for f in flows])
    lang = current_language()  # the flows' own texts in the operator's language
    rows = [
        (
            f,
            f.title.get(lang, svc.flows.default_language),
            svc.flows.departments[f.outcome.department].name if f.outcome.department else "",
            counts[f.id],
        )
        for f in flows
    ]
    return render_template("dashboard/surveys.html", rows=rows, title=_("Surveys"))


@bp.get("/surveys/<flow_id>")
def survey(flow_id: str):
    """One survey's figures per subject, with charts, comments and responses over time."""
    svc = services()
    flow = visible_survey(flow_id)
    period, page, lang = period_from_args(), page_from_args(), current_language()
    filters = {name: request.args.get(name, "").strip() for name in ("since", "until")}
    with transaction(svc.engine) as db:
        results = survey_results(db, flow, period, lang)
        comments, comment_count = survey_comments(
            db, flow, period, lang, page, COMMENTS_PER_PAGE, total=results.comments
        )
    return render_template(
        "dashboard/survey.html",
        title=flow.title.get(lang, svc.flows.default_language),
        flow=flow,
        results=results,
        comments=comments,
        comment_count=comment_count,
        page=page,
        pages=max(1, -(-comment_count // COMMENTS_PER_PAGE)),
        charts=survey_charts(results),
        filters=filters,
        query={k: v for k, v in filters.items() if v},
        step_title=step_title,
        subject_rows=subject_rows,
        distribution_rows=distribution_rows,
        average=average_text,
        yes_no_rows=yes_no_rows,
        share=share_text,
        number=number_text,
        bucket_label=bucket_label,
    )


@bp.get("/surveys/<flow_id>.csv")
def survey_csv(flow_id: str):
    """The survey's responses in the period as CSV: one row a response, no phone numbers, formulas defused."""
    svc = services()
    flow = visible_survey(flow_id)
    period, engine, lang = period_from_args(), svc.engine, current_language()

    def stream():
        yield "\ufeff"  # a byte order mark, so Excel reads UTF-8
        with transaction(engine) as db:
            yield from survey_csv_lines(db, flow, period, lang, headings=lang)

    filename = f"{flow.id}-{utcnow().astimezone(svc.config.city_zone()):%Y%m%d}.csv"
    return Response(
        stream(), mimetype="text/csv", headers={"Content-Disposition": f'attachment; filename="{filename}"'}
    )


def survey_charts(results) -> dict:
    """The charts' data (rendered as JSON blocks that charts.js draws): responses over time, averages, distributions."""
    top = results.subjects[:CHART_SUBJECTS]
    labels = [row.label for row in top]
    charts = {
        "timeline": {
            "type": "bar",
            "title": _("Responses per day") if results.timeline_unit == "day" else _("Responses per week"),
            "labels": [day.isoformat() for day, _n in results.timeline],
            "datasets": [{"label": _("Responses"), "data": [count for _day, count in results.timeline]}],
        }
    }
    if results.rating_steps and results.subject_step:
        charts["averages"] = {
            "type": "bar",
            "title": _("Average rating"),
            "labels": labels,
            "max": results.rating_steps[0].scale[1],
            "datasets": [
                {"label": step_title(s.id), "data": [_average(row, s.id) for row in top]} for s in results.rating_steps
            ],
        }
    for step in results.rating_steps:
        charts[f"rating-{step.id}"] = _distribution_chart(step, top if results.subject_step else results.subjects)
    for step in results.yes_no_steps:
        charts[f"yes-no-{step.id}"] = _yes_no_chart(step, top if results.subject_step else results.subjects)
    for step in results.number_steps:
        buckets = results.numbers[step.id].buckets()
        charts[f"number-{step.id}"] = {
            "type": "bar",
            "whole": True,
            "title": _("%(step)s: answers per range", step=step_title(step.id)),
            "labels": [bucket_label(b) for b in buckets],
            "datasets": [{"label": _("Responses"), "data": [b.count for b in buckets]}],
        }
    for step_id, counts in results.choices.items():
        charts[f"choice-{step_id}"] = {
            "type": "doughnut",
            "title": step_title(step_id),
            "labels": [label for label, _ in counts],
            "datasets": [{"label": step_title(step_id), "data": [n for _, n in counts]}],
        }
    return charts


def _distribution_chart(step, rows) -> dict:
    """A rating step's answers per score, one bar per subject, one colour per score."""
    low, high = step.scale
    summaries = [row.ratings.get(step.id) for row in rows]
    return {
        "type": "bar",
        "stacked": True,
        "horizontal": True,
        "title": _("%(step)s: answers per score", step=step_title(step.id)),
        "labels": [row.label or _("All") for row in rows],
        "datasets": [
            {"label": str(score), "scale": True, "data": [s.distribution.get(score, 0) if s else 0 for s in summaries]}
            for score in range(low, high + 1)
        ],
    }


def _yes_no_chart(step, rows) -> dict:
    """A yes/no step's share of yes per subject (or of all answers), in percent, as bars lying down."""
    shares = [row.yes_no.get(step.id) for row in rows]
    return {
        "type": "bar",
        "horizontal": True,
        "max": 100,
        "title": _("%(step)s: share that said yes", step=step_title(step.id)),
        "labels": [row.label or _("All") for row in rows],
        "datasets": [
            {
                "label": _("Share yes"),
                "data": [round(s.share_yes * 100, 1) if s and s.share_yes is not None else None for s in shares],
            }
        ],
    }


def _average(row, step_id: str) -> float | None:
    summary = row.ratings.get(step_id)
    return round(summary.average, 2) if summary and summary.average is not None else None


def step_title(step_id: str) -> str:
    """A step's heading in the operator's language: its flows.yaml `label` (Limpieza / Cleanliness), else its
    question shortened (bot.reports.headings). The step is the requested survey's (the URL's flow_id)."""
    flows = services().flows
    flow = flows.flows.get((request.view_args or {}).get("flow_id", ""))
    step = next((s for s in flow.steps if s.id == step_id), None) if flow else None
    if step is None:
        return step_id.replace("_", " ").capitalize()
    return step_heading(step, current_language(), flows.default_language)
