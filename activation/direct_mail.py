"""Direct mail for a print house: one CSV per segment with one row per household, its recipient's name and address.

Which member of a household receives the letter is decided upstream (planning.py): of those who may be sent to,
the most recently active.
"""

from __future__ import annotations

import json

import pandas as pd

from activation.config import Destination
from activation.files import destination_folder, write_csv


def write_snapshot(destination: Destination, desired: pd.DataFrame) -> dict[str, int]:
    """A full snapshot: every segment of the destination gets its file, an empty segment a header-only one."""
    folder = destination_folder(destination.name)
    written = {}
    for segment in destination.segments:
        rows = desired[desired["segment"] == segment]
        records = ([json.loads(fields).get(name) for name in destination.fields] for fields in rows["fields"])
        written[segment] = write_csv(folder / f"{segment}.csv", list(destination.fields), records)
    return written
