"""Figures for the dashboard's results pages: survey results and the tickets overview (no Flask here).

Aggregation happens in SQL (GROUP BY over JSON fields through SQLAlchemy's portable JSON
operators, which become JSON_EXTRACT on SQLite and ->> on PostgreSQL); Python only sums the
grouped rows and takes medians over the window's resolved tickets.
"""

from bot.reports.answers import NumberSummary, YesNoCount
from bot.reports.headings import step_heading
from bot.reports.periods import Period, day_bounds, week_start
from bot.reports.satisfaction import Satisfaction, satisfaction_by_department
from bot.reports.surveys import (
    Comment,
    RatingSummary,
    SubjectRow,
    SurveyResults,
    csv_safe,
    response_counts,
    survey_comments,
    survey_csv_lines,
    survey_flows,
    survey_results,
)
from bot.reports.tickets import DepartmentRow, Overview, department_rows, format_duration, overview

__all__ = [
    "Period",
    "day_bounds",
    "week_start",
    "RatingSummary",
    "YesNoCount",
    "NumberSummary",
    "step_heading",
    "SubjectRow",
    "SurveyResults",
    "Comment",
    "survey_flows",
    "response_counts",
    "survey_results",
    "survey_comments",
    "survey_csv_lines",
    "csv_safe",
    "Overview",
    "DepartmentRow",
    "overview",
    "department_rows",
    "format_duration",
    "Satisfaction",
    "satisfaction_by_department",
]
