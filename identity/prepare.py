"""Turn raw person records into the normalised columns the model compares.

Scalar cleaning runs once per distinct value (names, emails and postcodes repeat a lot), so a million
records cost seconds; everything per-row afterwards is SQL in DuckDB.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from identity import normalize as nz
from identity.compatibility import phonetic_key

ATTRIBUTES = (
    "first_name",
    "last_name",
    "email",
    "phone",
    "date_of_birth",
    "address",
    "city",
    "postcode",
    "country",
)


def _map_unique(series: pd.Series, fn: Callable[[object], object]) -> pd.Series:
    """Apply ``fn`` once per distinct value."""
    values = series.astype("object")
    uniques = pd.unique(values.dropna())
    mapping = {u: fn(u) for u in uniques}
    return values.map(mapping).astype("object").where(values.notna(), None)


def _sounds(name: str) -> str:
    """The name's tokens by sound, sorted: order-free like the token set, and blind to spelling."""
    return " ".join(sorted({phonetic_key(t) for t in name.split()}))


def normalise_records(records: pd.DataFrame) -> pd.DataFrame:
    """Normalised, per-field columns keyed by ``record_id``; absent columns come back all-null."""
    if "record_id" not in records.columns:
        raise ValueError("records must have a 'record_id' column")
    n = len(records)
    out = pd.DataFrame({"record_id": records["record_id"].astype(str).to_numpy()})
    if out["record_id"].duplicated().any():
        dups = out.loc[out["record_id"].duplicated(), "record_id"].head(3).tolist()
        raise ValueError(f"record_id must be unique; duplicated: {dups}")

    def col(name: str) -> pd.Series:
        if name in records.columns:
            c = records[name].reset_index(drop=True).astype("object")
            return c.where(c.notna(), None)  # pd.NA / NaN / NaT -> None
        return pd.Series([None] * n, dtype="object")

    out["source_system"] = col("source_system").astype("object")
    out["first_c"] = _map_unique(col("first_name"), nz.canonical_name)
    out["last_c"] = _map_unique(col("last_name"), nz.canonical_name)
    both = (out["first_c"].fillna("") + " " + out["last_c"].fillna("")).str.strip()
    out["name_ph"] = _map_unique(both.where(both != "", None), _sounds)
    out["dob"] = _map_unique(
        col("date_of_birth").astype("object").map(lambda v: v.isoformat()[:10] if hasattr(v, "isoformat") else v),
        nz.normalize_date,
    )
    out["email"] = _map_unique(col("email"), nz.normalize_email)
    out["address"] = _map_unique(col("address"), nz.normalize_address)
    out["city"] = _map_unique(col("city"), nz.normalize_city)
    out["postcode"] = _map_unique(col("postcode"), nz.normalize_postcode)
    out["country"] = _map_unique(col("country"), nz.normalize_country)

    # Phones: parse per distinct (phone, country); countries present in the data are the fallbacks.
    phone = col("phone").astype("object")
    present = tuple(out["country"].dropna().value_counts().index[:8])
    if phone.notna().any():
        keys = pd.DataFrame({"p": phone, "c": out["country"]})
        keys = keys[keys["p"].notna()]
        pairs = keys.drop_duplicates()
        mapping = {
            (p, c): nz.phone_key(p, c if isinstance(c, str) else None, present)
            for p, c in zip(pairs["p"], pairs["c"], strict=True)
        }
        out["phone"] = [
            mapping.get((p, c)) if p is not None else None for p, c in zip(phone, out["country"], strict=True)
        ]
    else:
        out["phone"] = None
    out["phone"] = out["phone"].astype("object")
    return out
