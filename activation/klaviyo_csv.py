"""Klaviyo list import files: one CSV per segment with Klaviyo's column names (Email, First Name, Phone Number, …)."""

from __future__ import annotations

import json

import pandas as pd

from activation.config import Destination
from activation.files import destination_folder, write_csv

EMAIL_COLUMN = "Email"


def write_snapshot(destination: Destination, desired: pd.DataFrame) -> dict[str, int]:
    """A full snapshot: every segment of the destination gets its file, an empty segment a header-only one."""
    folder = destination_folder(destination.name)
    header = [EMAIL_COLUMN, *destination.fields]
    written = {}
    for segment in destination.segments:
        rows = desired[desired["segment"] == segment]
        records = (
            [email, *(json.loads(fields).get(name) for name in destination.fields)]
            for email, fields in zip(rows["email"], rows["fields"], strict=True)
        )
        written[segment] = write_csv(folder / f"{segment}.csv", header, records)
    return written
