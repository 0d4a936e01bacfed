"""English text that a page can still say in its reader's language: a template with named %(…)s params.

Lower layers (tickets, operators, privacy) raise errors an operator reads on the dashboard, but they must not
import Flask or Babel. So they raise a TranslatableError with an English template marked by N_ (a no-op that
`pybabel extract -k N_` and tests/dashboard/test_translations.py find) and its params: str(error) is the
English text the CLI and the logs print; the dashboard looks the template up in its catalogue and fills in the
same params (bot/dashboard/i18n.py: translated). A text kept in the database (an operator change) is stored
with `stored()` and read back with `from_stored()`: JSON holding the English text, the template and its params.
"""

from __future__ import annotations

import json
from typing import Any

__all__ = ["N_", "Code", "TranslatableText", "TranslatableError", "stored", "from_stored"]


def N_(template: str) -> str:
    """Mark an English template for the catalogue without translating it here (that is the reader's side's job)."""
    return template


class TranslatableText(str):
    """The English text of a template filled with its params, which keeps both so it can be said again in Spanish."""

    template: str
    params: dict[str, Any]

    def __new__(cls, template: str, **params: Any) -> TranslatableText:
        text = super().__new__(cls, template % params if params else template)
        text.template = template
        text.params = params
        return text


class Code(str):
    """A stored code as a param (a ticket's status): English prints the code, the dashboard its label of `kind`."""

    kind: str

    def __new__(cls, kind: str, code: str) -> Code:
        value = super().__new__(cls, code)
        value.kind = kind
        return value


class TranslatableError(ValueError):
    """An error an operator may read: str() is English; `.text` keeps the template and params to translate."""

    def __init__(self, template: str, **params: Any) -> None:
        self.text = (
            template if isinstance(template, TranslatableText) and not params else TranslatableText(template, **params)
        )
        super().__init__(str(self.text))


def stored(text: TranslatableText) -> str:
    """A text as a string column keeps it: JSON with the English text first (what a reader of the table sees),
    then the template and its params, so it can be said in another language later."""
    return json.dumps({"text": str(text), **_dumped(text)}, ensure_ascii=False)


def from_stored(value: str) -> str:
    """What stored() wrote, as a TranslatableText again; anything else (rows written before) as it is."""
    if not value.startswith('{"text": '):
        return value
    try:
        found = json.loads(value)
        return _loaded(found)
    except (ValueError, TypeError, KeyError, AttributeError):
        return value


def _dumped(text: TranslatableText) -> dict:
    return {"template": text.template, "params": {name: _dumped_param(v) for name, v in text.params.items()}}


def _dumped_param(value: Any) -> Any:
    if isinstance(value, Code):
        return {"kind": value.kind, "code": str(value)}
    if isinstance(value, TranslatableText):
        return _dumped(value)
    return value


def _loaded(found: dict) -> TranslatableText:
    params = {name: _loaded_param(v) for name, v in found["params"].items()}
    return TranslatableText(str(found["template"]), **params)


def _loaded_param(value: Any) -> Any:
    if isinstance(value, dict) and "kind" in value:
        return Code(str(value["kind"]), str(value["code"]))
    if isinstance(value, dict):
        return _loaded(value)
    return value
