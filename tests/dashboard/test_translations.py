"""The dashboard's catalogue is whole: every string an operator reads is marked for translation, every marked
string has a Spanish translation, and the committed .mo is the compiled .po.

The catalogue is extracted here with Babel's own API over babel.cfg's sources (the templates and the Python of
bot/), as `pybabel extract` does; nothing is written.
"""

from __future__ import annotations

import ast
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).parent.parent.parent
TEMPLATES = ROOT / "bot" / "templates" / "dashboard"
PO = ROOT / "bot" / "translations" / "es" / "LC_MESSAGES" / "messages.po"
MO = PO.with_suffix(".mo")
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None, "N_": None}
# Attributes a person reads (or hears, from a screen reader); the value of a submit <input> too.
READ_ATTRIBUTES = ("title", "placeholder", "aria-label", "alt", "data-confirm")
# Words that are the same in every language: the product's name and keys on the keyboard.
SAME_EVERYWHERE = {"Ventanilla", "Enter"}
JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S)
WORDS = re.compile(r"[^\W\d_]{2,}")  # two letters or more: a word, not a key (j/k) or an arrow


def extracted() -> dict:
    """The msgids of the sources babel.cfg names, as `pybabel extract -F babel.cfg -k _l -k N_` finds them."""
    with open(ROOT / "babel.cfg", encoding="utf-8") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    found = {}
    for filename, _lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=KEYWORDS
    ):
        found.setdefault(message, filename)
    return found


def catalogue():
    with open(PO, "rb") as po:
        return read_po(po, locale="es")


def test_every_marked_string_has_a_spanish_translation():
    messages = extracted()
    assert len(messages) > 300, "the extraction found the dashboard's strings"
    po = catalogue()
    missing = [f"{where}: {msgid!r}" for msgid, where in messages.items() if msgid not in po]
    assert not missing, (
        "strings missing from messages.po (run pybabel extract and update, see the report):\n" + "\n".join(missing)
    )
    untranslated = [
        m.id for m in po if m.id and (m.fuzzy or not (m.string if isinstance(m.string, str) else all(m.string)))
    ]
    assert not untranslated, f"untranslated or fuzzy in messages.po: {untranslated}"


# What an error's or a TranslatableText's first argument may be: a template marked for the catalogue (N_ below the dashboard,
# _ or gettext in it), or a name passing one on (a TranslatableText a helper returned, a template a caller chose).
MARKERS = {"N_", "_", "gettext", "lazy_gettext", "_l"}


def translatable_classes(trees) -> set[str]:
    """TranslatableText and every class that is a TranslatableError, however many subclasses down (RequestClosedError)."""
    found, grew = {"TranslatableText", "TranslatableError"}, True
    while grew:
        grew = False
        for tree in trees:
            for node in ast.walk(tree):
                bases = {
                    b.id if isinstance(b, ast.Name) else getattr(b, "attr", "") for b in getattr(node, "bases", [])
                }
                if isinstance(node, ast.ClassDef) and node.name not in found and bases & found:
                    found.add(node.name)
                    grew = True
    return found


def unmarked_messages(tree, classes: set[str]) -> list[str]:
    """Calls of those classes whose text is not a marked template: an f-string or a plain string never reaches
    the catalogue, so an operator would read it in English whatever their language."""
    found = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and node.args):
            continue
        called = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
        first = node.args[0]
        marked = isinstance(first, ast.Call) and getattr(first.func, "id", None) in MARKERS
        if called in classes and not (marked or isinstance(first, ast.Name)):
            found.append(f"line {node.lineno}: {ast.unparse(node)[:100]}")
    return found


def test_every_error_an_operator_reads_has_a_marked_template():
    """TriageError, TransitionError, OperatorError, DecisionError, FilterError… are raised with N_("… %(param)s …")
    and params, so the template is in the catalogue (the test above) and the dashboard can translate it."""
    paths = sorted(p for p in (ROOT / "bot").rglob("*.py") if p.name != "translatable.py")  # it reads stored ones
    sources = {path: ast.parse(path.read_text(encoding="utf-8")) for path in paths}
    classes = translatable_classes(sources.values())
    assert {"TriageError", "TransitionError", "OperatorError", "RequestClosedError", "FilterError"} <= classes
    unmarked = [
        f"{path.relative_to(ROOT)} {hit}" for path, tree in sources.items() for hit in unmarked_messages(tree, classes)
    ]
    assert not unmarked, "errors raised with an unmarked message (use N_ and named params):\n" + "\n".join(unmarked)


def test_the_check_finds_an_unmarked_error():
    tree = ast.parse(
        "class OddError(TriageError): pass\n"
        "raise OddError(f'{folio} is odd')\n"
        "raise OddError('plainly odd')\n"
        "raise OddError(N_('%(folio)s is odd'), folio=folio)\n"
        "raise OddError(problem)\n"
    )
    classes = translatable_classes([tree, ast.parse("class TriageError(TranslatableError): pass")])
    assert "OddError" in classes
    assert [hit.split(":")[0] for hit in unmarked_messages(tree, classes)] == ["line 2", "line 3"]


def test_an_n_marked_template_without_spanish_is_caught(tmp_path):
    """A new raise site's template is extracted like any _() string, so the catalogue check above misses none."""
    (tmp_path / "bot").mkdir()
    (tmp_path / "bot" / "odd.py").write_text("raise TriageError(N_('%(folio)s is odd'), folio=folio)\n")
    method_map, options_map = parse_mapping_cfg(open(ROOT / "babel.cfg", encoding="utf-8"))
    found = [m for _f, _l, m, _c, _x in extract_from_dir(str(tmp_path), method_map, options_map, keywords=KEYWORDS)]
    assert found == ["%(folio)s is odd"] and "%(folio)s is odd" not in catalogue()


def test_the_catalogue_holds_no_string_the_sources_lost():
    messages = {m if isinstance(m, str) else m[0] for m in extracted()}
    stale = [m.id for m in catalogue() if m.id and (m.id if isinstance(m.id, str) else m.id[0]) not in messages]
    assert not stale, f"messages.po translates strings no source has any more (pybabel update drops them): {stale}"


def test_the_committed_mo_is_the_compiled_po():
    """The .mo is committed (a fresh clone, `make run` and the Docker build need no compile step): it must be
    the .po's. After changing the .po: pybabel compile -d bot/translations."""
    with open(MO, "rb") as mo:
        compiled = {_key(m.id): _key(m.string) for m in read_mo(mo) if m.id}
    written = {_key(m.id): _key(m.string) for m in catalogue() if m.id}
    assert compiled == written, "bot/translations/es/LC_MESSAGES/messages.mo is stale: run pybabel compile"


def _key(value):
    """A msgid or msgstr, plural ones (lists or tuples) as tuples."""
    return value if isinstance(value, str) else tuple(value)


class ReadText(HTMLParser):
    """The text a person reads in a template once its Jinja is taken out: text nodes and read attributes."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.read: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("script", "style", "kbd"):
            self.skipping += 1
        self.read += [attrs[name] or "" for name in READ_ATTRIBUTES if name in attrs]
        if tag == "input" and attrs.get("type") in ("submit", "button", "reset"):
            self.read.append(attrs.get("value") or "")

    def handle_endtag(self, tag):
        if tag in ("script", "style", "kbd"):
            self.skipping -= 1

    def handle_data(self, data):
        if not self.skipping:
            self.read.append(data)


def untranslated_text(source: str) -> list[str]:
    """Words a template shows outside a gettext call (Jinja blocks blanked, so {{ _('…') }} leaves nothing)."""
    parser = ReadText()
    parser.feed(JINJA.sub(" ", source))
    return [text.strip() for text in parser.read if set(WORDS.findall(text)) - SAME_EVERYWHERE]


# A string literal an expression prints as it is: `'yes' if x else 'no'`, `or 'nobody'`, default('…').
PRINTED_LITERALS = (
    re.compile(r"""(?:\belse|\bor|default\()\s*(['"])([^'"]*[^\W\d_]{2,}[^'"]*)\1"""),  # … else 'no'
    re.compile(r"""(?:^|[(\s])(['"])([^'"]*[^\W\d_]{2,}[^'"]*)\1(?=\s+if\b)"""),  # 'yes' if …
)


def untranslated_literals(source: str) -> list[str]:
    """Words printed from string literals inside {{ … }} rather than through _()."""
    found = []
    for expression in re.findall(r"\{\{(.*?)\}\}", source, re.S):
        hits = [(m.start(), m[2]) for pattern in PRINTED_LITERALS for m in pattern.finditer(expression)]
        found += [literal for _at, literal in sorted(hits)]
    return found


@pytest.mark.parametrize("template", sorted(p.name for p in TEMPLATES.glob("*.html")))
def test_every_word_a_template_shows_is_translated(template):
    source = (TEMPLATES / template).read_text(encoding="utf-8")
    assert not untranslated_text(source), f"{template} shows words outside _(): {untranslated_text(source)}"
    assert not untranslated_literals(source), f"{template} prints literals outside _(): {untranslated_literals(source)}"


def test_the_check_finds_an_unmarked_string():
    """The checks above can fail: plain words, a plain placeholder and a printed literal are all caught."""
    assert untranslated_text("<h1>Queue</h1>") == ["Queue"]
    assert untranslated_text('<input placeholder="never sent">') == ["never sent"]
    assert untranslated_text('<input type="submit" value="Save">') == ["Save"]
    assert untranslated_text("<h1>{{ _('Queue') }}</h1> <kbd>j</kbd> Ventanilla · →") == []
    assert untranslated_literals("{{ 'yes' if op.active else 'no' }}") == ["yes", "no"]
    assert untranslated_literals("{{ x or 'nobody' }}") == ["nobody"]
    assert untranslated_literals("{{ _('yes') if op.active else _('no') }}") == []
