"""Options read from a CSV next to flows.yaml (a city's list of parks, say)."""

from __future__ import annotations

import csv
from pathlib import Path

__all__ = ["read_options", "OptionsFileError"]


class OptionsFileError(ValueError):
    """The options file is missing, unreadable, or lacks the named column."""


def read_options(base_dir: Path, spec) -> list[tuple[str, str]]:
    """Return (id, label) rows from {file: parks.csv, column: name, id_column: id}."""
    if not isinstance(spec, dict) or "file" not in spec or "column" not in spec:
        raise OptionsFileError("options_from needs 'file' and 'column'")
    path = base_dir / str(spec["file"])
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            rows = list(csv.DictReader(handle))
    except OSError as exc:
        raise OptionsFileError(f"cannot read options file {spec['file']}: {exc.strerror}") from None
    except (ValueError, csv.Error) as exc:  # a name with a NUL byte, or a file that is not UTF-8 CSV
        raise OptionsFileError(f"cannot read options file {spec['file']}: {exc}") from None
    column, id_column = str(spec["column"]), str(spec.get("id_column") or spec["column"])
    if rows and (column not in rows[0] or id_column not in rows[0]):
        raise OptionsFileError(
            f"options file {spec['file']} has no column '{column if column not in rows[0] else id_column}'"
        )
    # a short row has None for its missing columns
    options = [((row.get(id_column) or "").strip(), (row.get(column) or "").strip()) for row in rows]
    options = [(key, label) for key, label in options if label]
    if not options:
        raise OptionsFileError(f"options file {spec['file']} has no options")
    return options
