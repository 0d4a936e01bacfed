"""The figures /datos/ publishes, each computed by the report functions the operators' pages call (bot/reports/).

A figure is one function registered with @figure("key"), in page order: given the Sources (a read session, the
flows, the moment, the city's weeks, the anonymity settings) it returns the figure's data for the page (JSON,
stored in figuras.json) and its downloads. The page shows each with the template datos/figures/<key>.html.
Adding a figure is a function here, a template there, and its catalogue
entries; nothing else changes.

What is published: counts, medians, shares and survey averages; places only as colonias and grid cells with at
least OPEN_DATA_MIN_COUNT reports (bot/opendata/anonymity.py). Never a folio, a phone number, a name, a
summary, an address, a coordinate of one report, or a comment — unless a survey's text step is marked
`public: true`, and then only its text (phone numbers and e-mails in it masked), its subject and its day.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo

from sqlmodel import Session

from bot.flows import Flows
from bot.flows.model import Flow, Step
from bot.i18n import DEFAULT_LANGUAGE, LANGUAGES
from bot.opendata.anonymity import GridCells, fold_small
from bot.opendata.downloads import File, csv_file, geojson_file
from bot.privacy.logs import redact
from bot.reports import Period, overview, survey_comments, survey_flows, survey_results
from bot.reports.places import open_points, per_colonia_week
from bot.reports.satisfaction import satisfaction_by_department
from bot.reports.surveys import RatingSummary
from bot.reports.tickets import department_rows, median_resolve, resolved_within_sla

__all__ = ["Sources", "Figure", "FIGURES", "figure", "WEEKS", "PUBLIC_COMMENTS"]

WEEKS = 12  # as the operators' overview
PUBLIC_COMMENTS = 200  # the newest responses with a comment, per survey with a public text step


@dataclass(frozen=True)
class Sources:
    """What every figure is computed from."""

    session: Session
    flows: Flows
    now: datetime
    zone: tzinfo
    mondays: list[date]  # the city's weeks, oldest first (WEEKS of them, this one included)
    since: datetime  # the first Monday's midnight: the window of the weekly figures, medians and SLA shares
    min_count: int  # OPEN_DATA_MIN_COUNT
    cell_metres: float  # OPEN_DATA_CELL_METRES


@dataclass
class Figure:
    """A figure's data for the page (JSON) and its downloads."""

    key: str
    data: dict
    files: list[File] = field(default_factory=list)


Builder = Callable[[Sources], Figure]
FIGURES: dict[str, Builder] = {}  # in page order


def figure(key: str) -> Callable[[Builder], Builder]:
    """Register a figure under its key (its template: datos/figures/<key>.html); a key registered twice is an error."""

    def register(build: Builder) -> Builder:
        if key in FIGURES:
            raise ValueError(f"figure {key!r} is registered twice")
        FIGURES[key] = build
        return build

    return register


# ---------------------------------------------------------------- tickets


@figure("tickets_per_week")
def tickets_per_week(src: Sources) -> Figure:
    """Tickets received per category per city week (the overview's figure, every department)."""
    figures = overview(src.session, None, src.now, WEEKS, src.zone)
    rows = [[category, counts] for category, counts in figures.per_category_week.items()]
    lines = (
        (monday.isoformat(), category, counts[n]) for category, counts in rows for n, monday in enumerate(figures.weeks)
    )
    download = csv_file("tickets-por-semana.csv", ["semana", "categoria", "tickets"], lines)
    data = {"weeks": [monday.isoformat() for monday in figures.weeks], "rows": rows, "total": figures.total}
    return Figure("tickets_per_week", data, [download])


@figure("tickets_per_colonia")
def tickets_per_colonia(src: Sources) -> Figure:
    """Tickets received per colonia per city week; a colonia's week with fewer than min_count is folded."""
    counts = per_colonia_week(src.session, src.mondays, src.zone)
    unplaced = counts.pop(None, [0] * len(src.mondays))
    rows, folded = fold_small([(str(name), weekly) for name, weekly in counts.items()], len(src.mondays), src.min_count)
    lines = []
    for n, monday in enumerate(src.mondays):
        week = monday.isoformat()
        lines += [(week, "colonia", name, weekly[n]) for name, weekly in rows]
        lines += [(week, "otras", "", folded[n]), (week, "sin_colonia", "", unplaced[n])]
    download = csv_file("tickets-por-colonia.csv", ["semana", "grupo", "colonia", "tickets"], lines)
    data = {"rows": [[name, weekly] for name, weekly in rows], "folded": folded, "unplaced": unplaced}
    return Figure("tickets_per_colonia", data, [download])


@figure("departments")
def departments(src: Sources) -> Figure:
    """Per department: open and overdue now; over the weeks, tickets resolved, the median time to resolve and
    the share resolved by the due date (the SLA)."""
    medians = median_resolve(src.session, None, src.since, by="department")
    in_time = resolved_within_sla(src.session, None, src.since)
    rows = []
    for row in department_rows(src.session, src.flows, src.now):
        median, resolved = medians.get(row.id, (None, 0))
        within, with_sla = in_time.get(row.id, (0, 0))
        rows.append(
            {
                "id": row.id,
                "name": row.name,
                "open": row.open,
                "overdue": row.overdue,
                "resolved": resolved,
                "median_hours": round(median.total_seconds() / 3600, 1) if median is not None else None,
                "with_sla": with_sla,
                "within_sla": within,
                "share_within_sla": round(within / with_sla, 4) if with_sla else None,
            }
        )
    header = [
        "dependencia_id",
        "dependencia",
        "abiertos",
        "vencidos",
        "resueltos",
        "mediana_horas_para_resolver",
        "resueltos_con_plazo",
        "resueltos_en_plazo",
        "proporcion_en_plazo",
    ]
    keys = ("id", "name", "open", "overdue", "resolved", "median_hours", "with_sla", "within_sla", "share_within_sla")
    download = csv_file("dependencias.csv", header, ([row[key] for key in keys] for row in rows))
    return Figure("departments", {"rows": rows}, [download])


@figure("satisfaction")
def satisfaction(src: Sources) -> Figure:
    """Per department, over the weeks: how residents asked back after a resolution answered (bot/tickets/
    followup.py) — how many said it was fixed, how many not (each reopened its ticket), and their mean rating of
    the fix, 1-5 (the overview's figure). A department nobody answered about is listed with zeros."""
    answered = {row.department: row for row in satisfaction_by_department(src.session, src.since)}
    rows = []
    for department in src.flows.departments.values():
        row = answered.get(department.id)
        answers, not_fixed = (row.answers, row.not_fixed) if row else (0, 0)
        rows.append(
            {
                "id": department.id,
                "name": department.name,
                "answers": answers,
                "fixed": answers - not_fixed,
                "not_fixed": not_fixed,
                "share_fixed": round(row.fixed_share, 4) if row else None,
                "rated": row.rated if row else 0,
                "average_rating": round(row.average, 2) if row and row.average is not None else None,
            }
        )
    header = [
        "dependencia_id",
        "dependencia",
        "respuestas",
        "resuelto_segun_residente",
        "no_resuelto_segun_residente",
        "proporcion_resuelto",
        "calificaciones",
        "calificacion_promedio",
    ]
    keys = ("id", "name", "answers", "fixed", "not_fixed", "share_fixed", "rated", "average_rating")
    download = csv_file("satisfaccion.csv", header, ([row[key] for key in keys] for row in rows))
    return Figure("satisfaction", {"rows": rows}, [download])


@figure("open_reports")
def open_reports(src: Sources) -> Figure:
    """Open reports per grid cell (cells with fewer than min_count folded), as a table, a map and GeoJSON."""
    grid = GridCells(src.cell_metres, src.min_count)
    for point in open_points(src.session):
        grid.add(point.latitude, point.longitude, point.category, point.colonia)
    cells, folded = grid.published()
    rows: list[dict] = []
    for cell in cells:
        latitude, longitude = cell.centre()
        rows.append(
            {
                "id": cell.key.id,
                "latitude": latitude,
                "longitude": longitude,
                "bounds": list(cell.bounds()),
                "count": cell.count,
                "categories": dict(sorted(cell.categories.items(), key=lambda item: (-item[1], item[0]))),
                "colonia": cell.colonia(),
            }
        )
    features = [_cell_feature(row, src.cell_metres) for row in rows]
    members = {"metros_por_lado": src.cell_metres, "reportes_en_celdas_omitidas": folded}
    geojson = geojson_file("reportes-abiertos.geojson", features, **members)
    header = ["celda", "latitud_centro", "longitud_centro", "metros_por_lado", "colonia", "reportes", "categorias"]
    lines = (
        [
            row["id"],
            row["latitude"],
            row["longitude"],
            src.cell_metres,
            row["colonia"],
            row["count"],
            "; ".join(f"{name}: {n}" for name, n in row["categories"].items()),
        ]
        for row in rows
    )
    table = csv_file("reportes-abiertos.csv", header, lines)
    data = {"cells": rows, "folded": folded, "metres": src.cell_metres}
    return Figure("open_reports", data, [geojson, table])


def _cell_feature(row: dict, metres: float) -> dict:
    west, south, east, north = row["bounds"]
    ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]  # counterclockwise
    return {
        "type": "Feature",
        "id": row["id"],
        "geometry": {"type": "Polygon", "coordinates": [ring]},
        "properties": {
            "celda": row["id"],
            "reportes": row["count"],
            "categorias": row["categories"],
            "colonia": row["colonia"],
            "latitud_centro": row["latitude"],
            "longitud_centro": row["longitude"],
            "metros_por_lado": metres,
        },
    }


# ---------------------------------------------------------------- surveys


@figure("surveys")
def surveys(src: Sources) -> Figure:
    """Each survey's results per subject (a park): responses, each rating's average and answers per score, other
    choices; all time. The figures of the operators' results page (bot.reports.survey_results), in es and en."""
    entries, files = [], []
    for flow in survey_flows(src.flows, None):
        entry, flow_files = _survey(src, flow)
        entries.append(entry)
        files += flow_files
    return Figure("surveys", {"surveys": entries}, files)


def _survey(src: Sources, flow: Flow) -> tuple[dict, list[File]]:
    period = Period(zone=src.zone)  # all time
    results = {lang: survey_results(src.session, flow, period, lang) for lang in LANGUAGES}
    first = results[DEFAULT_LANGUAGE]
    labels = {lang: {row.value: row.label for row in found.subjects} for lang, found in results.items()}
    department = src.flows.departments.get(flow.outcome.department or "")
    entry: dict = {
        "flow": flow.id,
        "title": _texts(src.flows, flow.title),
        "department": department.name if department else "",
        "total": first.total,
        "subject": _step(src.flows, first.subject_step) if first.subject_step else None,
        "ratings": [{**_step(src.flows, step), "scale": list(step.scale)} for step in first.rating_steps],
        "subjects": [
            {
                "value": row.value,
                "label": {lang: labels[lang].get(row.value, row.label) for lang in LANGUAGES},
                "count": row.count,
                "ratings": {step_id: _summary(summary) for step_id, summary in row.ratings.items()},
            }
            for row in first.subjects
        ],
        "overall": {step_id: _summary(summary) for step_id, summary in first.overall.items()},
        "choices": [
            {
                **_step(src.flows, next(s for s in flow.steps if s.id == step_id)),
                "counts": {lang: [list(pair) for pair in results[lang].choices[step_id]] for lang in LANGUAGES},
            }
            for step_id in first.choices
        ],
    }
    files = [_survey_csv(flow, entry)]
    public = [s.id for s in flow.steps if s.kind == "text" and s.public]
    if public:
        files.append(_comments_csv(src, flow, public, first.subject_step))
    entry["files"] = [f.name for f in files]
    entry["comments"] = files[1].name if public else None
    return entry, files


def _texts(flows: Flows, text) -> dict[str, str]:
    return {lang: text.get(lang, flows.default_language) for lang in LANGUAGES}


def _step(flows: Flows, step: Step) -> dict:
    """A step's id and its label in each language (its id as words when it has none)."""
    if step.label is not None:
        return {"id": step.id, "label": _texts(flows, step.label)}
    return {"id": step.id, "label": dict.fromkeys(LANGUAGES, step.id.replace("_", " ").capitalize())}


def _summary(summary: RatingSummary) -> dict:
    average = summary.average
    return {
        "average": round(average, 2) if average is not None else None,
        "count": summary.count,
        "counts": summary.counts(),
    }


def _survey_csv(flow: Flow, entry: dict) -> File:
    """One row per subject: responses, then per rating its average, its answers and how many gave each score."""
    subject = entry["subject"]["id"] if entry["subject"] else "sujeto"
    header = [subject, f"{subject}_etiqueta", "respuestas"]
    for rating in entry["ratings"]:
        low, high = rating["scale"]
        header += [f"{rating['id']}_promedio", f"{rating['id']}_respuestas"]
        header += [f"{rating['id']}_{score}" for score in range(low, high + 1)]
    lines = []
    for row in entry["subjects"]:
        line = [row["value"], row["label"][DEFAULT_LANGUAGE], row["count"]]
        for rating in entry["ratings"]:
            summary = row["ratings"].get(rating["id"])
            low, high = rating["scale"]
            if summary is None:
                line += [None, 0] + [0] * (high - low + 1)
            else:
                line += [summary["average"], summary["count"], *summary["counts"]]
        lines.append(line)
    return csv_file(f"encuestas/{flow.id}.csv", header, lines)


def _comments_csv(src: Sources, flow: Flow, public: list[str], subject_step: Step | None) -> File:
    """The newest PUBLIC_COMMENTS responses' answers to the public text steps: day, subject, step, text."""
    comments, _ = survey_comments(src.session, flow, Period(zone=src.zone), DEFAULT_LANGUAGE, 1, PUBLIC_COMMENTS)
    subject = subject_step.id if subject_step else "sujeto"
    lines = [
        (comment.created_at.astimezone(src.zone).date().isoformat(), comment.subject, step_id, redact(text))
        for comment in comments
        for step_id, text in comment.texts
        if step_id in public
    ]
    header = ["fecha", f"{subject}_etiqueta", "pregunta", "comentario"]
    return csv_file(f"encuestas/{flow.id}-comentarios.csv", header, lines, quotes_residents=True)
