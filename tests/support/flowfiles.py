"""Small flows files for `ventanilla flows check` tests: a valid header, the flows a test writes, a line finder."""

from __future__ import annotations

import textwrap
from pathlib import Path

HEADER = """\
default_language: es
languages:
  es: [español]
  en: [english]
commands:
  menu: {es: [menu], en: [menu]}
words:
  "yes": {es: [si], en: ["yes"]}
  "no": {es: ["no"], en: ["no"]}
  skip: {es: [omitir], en: [skip]}
messages:
  invalid: {es: No te entendí., en: "Sorry?"}
  too_many_attempts: {es: De nuevo., en: Again.}
  cancelled: {es: Cancelado., en: Cancelled.}
  confirm_declined: {es: Nada enviado., en: Nothing sent.}
  did_you_mean: {es: "¿{option}?", en: "{option}?"}
  which_one: {es: "¿Cuál?", en: "Which one?"}
  help: {es: Ayuda., en: Help.}
  expired: {es: De nuevo., en: Again.}
  opted_out: {es: Baja., en: Stopped.}
  opted_in: {es: Alta., en: Started.}
  status_usage: {es: estado FOLIO, en: status FOLIO}
  status_unknown: {es: "No hay {folio}", en: "No {folio}"}
  status_reply: {es: "{folio}: {status}", en: "{folio}: {status}"}
  handover: {es: "Folio {folio}", en: "Folio {folio}"}
  handover_summary: {es: "Ayuda con {flow}", en: "Help with {flow}"}
  language_changed: {es: Español., en: English.}
departments: {}
"""


def flow(flow_id: str, title: str, keywords: str = "", steps: str = "") -> str:
    """One info flow under `flows:`; its steps (YAML at the step list's indentation) default to one message."""
    steps = steps or f"- id: hello\n  kind: message\n  prompt: {{es: Hola {flow_id}, en: Hi {flow_id}}}\n"
    return (
        f"  {flow_id}:\n"
        f"    title: {title}\n"
        + (f"    keywords: {keywords}\n" if keywords else "")
        + "    outcome: {kind: info}\n"
        + "    done: {es: Listo., en: Done.}\n"
        + "    steps:\n"
        + textwrap.indent(steps, "      ")
    )


def flows_file(folder: Path, menu: list[str], *flows: str, name: str = "flows.yaml") -> Path:
    """flows.yaml in folder: the header, the menu in this order, and the flows."""
    path = folder / name
    path.write_text(
        HEADER + f"menu:\n  prompt: {{es: Elige, en: Pick}}\n  flows: [{', '.join(menu)}]\nflows:\n" + "".join(flows),
        "utf-8",
    )
    return path


def line_of(path: Path, needle: str, after: int = 0) -> int:
    """The number of the first line holding needle (after line `after`)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(n for n, line in enumerate(lines, 1) if n > after and needle in line)
