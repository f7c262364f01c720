"""What the analysts' copy shows of each column: the treatment its classification gives (classification.py), or
everything as it is when `CDP_ANALYTICS_PII=full` (an installation whose analysts are entitled to the values).

Analysts count, join and segment; they do not need to read an email. The same keyed hash replaces the same value
everywhere, so joins on a hashed email still work.
"""

from __future__ import annotations

import os

from privacy.classification import AGE_BAND, DROP, HASH, KEEP, REDACT, Classification
from warehouse import quote
from warehouse.keys import HASH_FUNCTION

PII_SETTING = "CDP_ANALYTICS_PII"
AGE_BAND_YEARS = 10
OLDEST_BAND = 80  # 80+: few people are older, and a narrow band would single them out
# Free text keeps what it says and loses what it quotes: an email address, a quoted value, a phone-like number.
_REDACTIONS = (
    (r"[^\s@'\"<>(),;:]+@[^\s@'\"<>(),;:]+", "[email]"),
    (r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"", "[value]"),
    (r"\+?\d[\d ().-]{5,}\d", "[number]"),
)


def full_pii() -> bool:
    return os.environ.get(PII_SETTING, "").strip().lower() == "full"


def is_published(classification: Classification, schema: str, table: str) -> bool:
    """Raw schemas (and dlt's staging copies) stay in the warehouse, and so does a table the dbt project does not
    document or leaves out (classification.py); with full PII everything is published."""
    return full_pii() or (not schema.startswith("raw_") and classification.publishes(schema, table))


def select_list(classification: Classification, schema: str, table: str, columns: list[tuple[str, str]]) -> str:
    """The published columns of one table, each as its classification treats it."""
    items = [
        item
        for name, data_type in columns
        if (item := _published(KEEP if full_pii() else classification.treatment(schema, table, name), name, data_type))
    ]
    return ", ".join(items) or "1 as no_columns"


def _published(treatment: str, name: str, data_type: str) -> str | None:
    column = quote(name)
    text = column if data_type == "VARCHAR" else f"cast({column} as varchar)"
    if treatment == KEEP:
        return column
    if treatment == DROP:
        return None
    if treatment == HASH:
        return f"{HASH_FUNCTION}({text}) as {column}"
    if treatment == AGE_BAND:
        low = f"least({column} // {AGE_BAND_YEARS} * {AGE_BAND_YEARS}, {OLDEST_BAND})"
        return (
            f"case when {column} is null then null when {low} >= {OLDEST_BAND} then '{OLDEST_BAND}+' "
            f"else {low} || '-' || ({low} + {AGE_BAND_YEARS - 1}) end as {column}"
        )
    if treatment == REDACT:
        for pattern, marker in _REDACTIONS:
            text = f"regexp_replace({text}, '{_sql(pattern)}', '{marker}', 'g')"
        return f"{text} as {column}"
    raise ValueError(f"unknown treatment {treatment!r} for column {name}")


def _sql(text: str) -> str:
    return text.replace("'", "''")
