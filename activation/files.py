"""Writing a file destination's snapshot: one CSV per segment, swapped in whole so a reader never sees half a file."""

from __future__ import annotations

import csv
import os
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

from warehouse import cdp_home

# Spreadsheets run a cell starting with one of these as a formula (CSV injection, OWASP).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# A plain number (a phone in E.164, a negative amount) cannot run anything and must stay importable as it is.
_PLAIN_NUMBER = re.compile(r"^[+-]?\d+(\.\d+)?$")


def neutralise(value: object) -> str:
    """The cell as text, prefixed with a quote when a spreadsheet would read it as a formula."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_PREFIXES) and not _PLAIN_NUMBER.match(text):
        return "'" + text
    return text


def destination_folder(destination: str) -> Path:
    folder = cdp_home() / "exports" / destination
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[object]]) -> int:
    """Writes every cell neutralised to a temporary file beside `path`, then renames it over `path`."""
    partial = path.with_suffix(".csv.partial")
    count = 0
    with partial.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow([neutralise(name) for name in header])
        for row in rows:
            writer.writerow([neutralise(cell) for cell in row])
            count += 1
    os.chmod(partial, 0o600)  # personal data: owner only, like the rest of CDP_HOME
    os.replace(partial, path)
    return count
