"""The body rows of a survey page's per-subject tables, written in Python rather than by template loops.

A survey about every park of a city has a thousand subjects: its page has a table of averages and, per rating
step, a table of answers per score, some 26,000 cells in all. Jinja spent most of the page's time on them, a
loop step and an escape per cell; here each row is one f-string with its label escaped once, the same markup
(tests/dashboard/test_results.py reads these tables, and tests/dashboard/test_survey_tables.py compares them
with what the template wrote before). The numbers are the page's own: format_count and format_fixed in the
request's locale.
"""

from __future__ import annotations

from babel.numbers import format_decimal
from flask_babel import gettext as _
from markupsafe import Markup, escape

from bot.dashboard.numbers import request_locale
from bot.numbers import format_count, format_fixed
from bot.reports.answers import Bucket, YesNoCount

__all__ = [
    "subject_rows",
    "distribution_rows",
    "average_text",
    "yes_no_rows",
    "share_text",
    "number_text",
    "bucket_label",
]

NO_RATING = "—"


def subject_rows(results) -> Markup:
    """The averages table's rows: the subject, its responses, and each rating step's average."""
    locale, every = request_locale(), escape(_("All"))
    steps = [step.id for step in results.rating_steps]
    lines = []
    for row in results.subjects:
        cells = "".join(
            f'<td class="num" data-step="{escape(step)}">{_average(row.ratings.get(step), locale)}</td>'
            for step in steps
        )
        lines.append(
            f'<tr data-subject="{_subject(row)}"><td>{escape(row.label) if row.label else every}</td>'
            f'<td class="num">{format_count(row.count, locale)}</td>{cells}</tr>'
        )
    return Markup("\n".join(lines))


def distribution_rows(results, step) -> Markup:
    """A rating step's table rows: per subject, how many answered each score, and the average."""
    locale, every = request_locale(), escape(_("All"))
    scores = range(step.scale[0], step.scale[1] + 1)
    lines = []
    for row in results.subjects:
        summary = row.ratings.get(step.id)
        counts = summary.distribution if summary else {}
        cells = "".join(f'<td class="num">{counts.get(score, 0)}</td>' for score in scores)
        lines.append(
            f'<tr data-subject="{_subject(row)}"><td>{escape(row.label) if row.label else every}</td>'
            f'{cells}<td class="num">{_average(summary, locale)}</td></tr>'
        )
    return Markup("\n".join(lines))


def _subject(row) -> Markup:
    return escape(row.value) if row.value is not None else Markup("")


def _average(summary, locale: str) -> str:
    """The average rating with two decimals, or a dash when nobody rated."""
    if summary is None or summary.average is None:
        return NO_RATING
    return format_fixed(summary.average, "0.00", locale)


def average_text(summary) -> str:
    """_average in the request's locale, for the template's few other averages (the totals row)."""
    return _average(summary, request_locale())


def yes_no_rows(results, step) -> Markup:
    """A yes/no step's table rows: per subject, how many said yes, how many no, and the share that said yes."""
    locale, every = request_locale(), escape(_("All"))
    lines = []
    for row in results.subjects:
        said = row.yes_no.get(step.id) or YesNoCount()
        lines.append(
            f'<tr data-subject="{_subject(row)}"><td>{escape(row.label) if row.label else every}</td>'
            f'<td class="num">{format_count(said.yes, locale)}</td><td class="num">{format_count(said.no, locale)}</td>'
            f'<td class="num">{_share(said, locale)}</td></tr>'
        )
    return Markup("\n".join(lines))


def _share(said: YesNoCount, locale: str) -> str:
    """The share that said yes as a percentage with one decimal ("62.5%"), or a dash when nobody answered."""
    share = said.share_yes
    return NO_RATING if share is None else format_fixed(share * 100, "0.0", locale) + "%"


def share_text(said: YesNoCount) -> str:
    """_share in the request's locale, for the template's overall figures."""
    return _share(said, request_locale())


def number_text(value) -> str:
    """A number answer or figure in the request's locale: whole numbers grouped (1,250), others to two decimals at
    most (17.25, 2.5); a dash for none."""
    if value is None:
        return NO_RATING
    locale = request_locale()
    if float(value).is_integer():
        return format_count(int(value), locale)
    return format_decimal(value, "#,##0.##", locale=locale)


def bucket_label(bucket: Bucket) -> str:
    """A histogram bar's range: "20–29" (whole answers, both ends included), "5" (one wide), "2.5–<5" (decimals:
    from the first, up to but not including the second)."""
    if bucket.whole:
        if bucket.high - bucket.low == 1:
            return number_text(bucket.low)
        return f"{number_text(bucket.low)}–{number_text(bucket.last)}"
    return f"{number_text(bucket.low)}–<{number_text(bucket.high)}"
