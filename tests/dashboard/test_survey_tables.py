"""A survey page's per-subject rows, written in Python for speed, are the markup the template's loops wrote."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
from flask import render_template_string
from flask_babel import format_decimal, format_number

from bot.dashboard.survey_tables import distribution_rows, subject_rows
from bot.reports.surveys import RatingSummary, SubjectRow

# The template's loops as they were (survey.html before the rows moved to bot/dashboard/survey_tables.py), with
# Babel's own formatting: the reference the Python rows must equal.
AVERAGE = "{% if summary and summary.average is not none %}{{ decimal(summary.average, '0.00') }}{% else %}—{% endif %}"
SUBJECTS = (
    "{% for row in results.subjects %}"
    "<tr data-subject=\"{{ row.value if row.value is not none else '' }}\">"
    "<td>{{ row.label or _('All') }}</td><td class=\"num\">{{ number(row.count) }}</td>"
    "{% for step in results.rating_steps %}{% set summary = row.ratings.get(step.id) %}"
    '<td class="num" data-step="{{ step.id }}">' + AVERAGE + "</td>{% endfor %}</tr>{% endfor %}"
)
DISTRIBUTION = (
    "{% for row in results.subjects %}{% set summary = row.ratings.get(step.id) %}"
    "<tr data-subject=\"{{ row.value if row.value is not none else '' }}\"><td>{{ row.label or _('All') }}</td>"
    "{% for score in range(step.scale[0], step.scale[1] + 1) %}"
    '<td class="num">{{ summary.distribution.get(score, 0) if summary else 0 }}</td>{% endfor %}'
    '<td class="num">' + AVERAGE + "</td></tr>{% endfor %}"
)
STEPS = [SimpleNamespace(id="cleanliness", scale=(1, 5)), SimpleNamespace(id="noise", scale=(0, 3))]


def rated(step: str, scale: tuple[int, int], **scores: int) -> RatingSummary:
    summary = RatingSummary(step, scale)
    for score, count in scores.items():
        summary.add(int(score[1:]), count)
    return summary


def results(with_subjects: bool = True) -> SimpleNamespace:
    rows = [
        SubjectRow("P001", 'Parque <Clouthier> & "Fundadores"', 1234, {"cleanliness": rated("c", (1, 5), s5=2)}),
        SubjectRow("P'2", "Parque Rufino Tamayo", 7, {"noise": rated("n", (0, 3), s0=1, s3=2)}),
        SubjectRow("P003", "Sin calificar", 2),  # no step rated: dashes and zeros
        SubjectRow("P004", "", 3, {"cleanliness": rated("c", (1, 5), s1=1, s2=1, s4=1)}),  # no label: "All"
    ]
    if not with_subjects:
        rows = [SubjectRow(None, "", 10, {"cleanliness": rated("c", (1, 5), s3=10)})]
    return SimpleNamespace(subjects=rows, rating_steps=STEPS)


def tight(html: str) -> str:
    return re.sub(r">\s+<", "><", str(html)).strip()


@pytest.mark.parametrize("language", ["es", "en"])
@pytest.mark.parametrize("with_subjects", [True, False], ids=["per park", "one row"])
def test_the_rows_are_the_templates(app, language, with_subjects):
    figures = results(with_subjects)
    with app.test_request_context(headers={"Accept-Language": language}):
        helpers = {"results": figures, "number": format_number, "decimal": format_decimal}
        assert tight(subject_rows(figures)) == tight(render_template_string(SUBJECTS, **helpers))
        for step in STEPS:
            expected = render_template_string(DISTRIBUTION, step=step, **helpers)
            assert tight(distribution_rows(figures, step)) == tight(expected)


def test_a_label_is_escaped_and_the_numbers_are_the_locales(app):
    with app.test_request_context(headers={"Accept-Language": "es"}):
        html = str(subject_rows(results()))
    assert "Parque &lt;Clouthier&gt; &amp; &#34;Fundadores&#34;" in html and 'data-subject="P&#39;2"' in html
    assert '<td class="num">1,234</td><td class="num" data-step="cleanliness">5.00</td>' in html
    assert "<td>Todos</td>" in html  # the label-less row, in Spanish
