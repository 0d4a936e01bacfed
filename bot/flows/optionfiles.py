"""Options read from a CSV next to flows.yaml (a city's list of parks, say), with their synonyms."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from bot.flows.matching import normalize

__all__ = ["read_options", "OptionsFileError", "FileOption", "WORDS_COLUMN", "WORDS_SEPARATOR"]

WORDS_COLUMN = "words"  # read when the file has it, unless options_from names another with words_column
WORDS_SEPARATOR = ";"  # a comma would need the cell quoted; a spreadsheet writes "la 23; valle oriente" as it is


class OptionsFileError(ValueError):
    """The options file is missing, unreadable, or lacks a named column; the message says where (file:LINE)."""


@dataclass(frozen=True)
class FileOption:
    """One row of an options file: the id stored, the name residents read, and the other words that name it."""

    id: str
    label: str
    words: tuple[str, ...] = ()


def read_options(base_dir: Path, spec) -> list[FileOption]:
    """Return the options of {file: routes.csv, column: nombre, id_column: id, words_column: palabras}."""
    if not isinstance(spec, dict) or "file" not in spec or "column" not in spec:
        raise OptionsFileError("options_from needs 'file' and 'column'")
    name = str(spec["file"])
    path = base_dir / name
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            rows = [(reader.line_num, row) for row in reader]
            header = list(reader.fieldnames or ())
    except OSError as exc:
        raise OptionsFileError(f"cannot read options file {name}: {exc.strerror}") from None
    except (ValueError, csv.Error) as exc:  # a name with a NUL byte, or a file that is not UTF-8 CSV
        raise OptionsFileError(f"cannot read options file {name}: {exc}") from None
    column, id_column = str(spec["column"]), str(spec.get("id_column") or spec["column"])
    words_column = str(spec["words_column"]) if spec.get("words_column") else None
    for wanted in (column, id_column, words_column):
        if rows and wanted is not None and wanted not in header:
            raise OptionsFileError(f"{name}:1: no column '{wanted}' (the columns are: {', '.join(header)})")
    words_column = words_column or (WORDS_COLUMN if WORDS_COLUMN in header else None)
    # a short row has None for its missing columns
    options = [
        FileOption(
            (row.get(id_column) or "").strip(),
            (row.get(column) or "").strip(),
            _words(name, line, row.get(words_column) or "") if words_column else (),
        )
        for line, row in rows
    ]
    options = [option for option in options if option.label]
    if not options:
        raise OptionsFileError(f"options file {name} has no options")
    return options


def _words(name: str, line: int, cell: str) -> tuple[str, ...]:
    """ "la 23; valle oriente" -> ("la 23", "valle oriente"); an empty cell is no words, an empty word a mistake."""
    if not cell.strip():
        return ()
    words = tuple(word.strip() for word in cell.split(WORDS_SEPARATOR))
    for word in words:
        if not normalize(word):
            raise OptionsFileError(
                f"{name}:{line}: words: an empty word in '{cell.strip()}'"
                f" (separate words with '{WORDS_SEPARATOR}', one after another, none empty)"
            )
    return words
