"""Identity resolution: which source person records belong to one person.

``resolve(records)`` is the whole public contract (CONTRACT §5); the cleaning functions are exported so
the staging layer can register them as DuckDB functions and cleaning logic lives only here.
"""

from identity.normalize import (
    canonical_name,
    fold_accents,
    is_placeholder,
    normalize_address,
    normalize_city,
    normalize_country,
    normalize_date,
    normalize_email,
    normalize_name,
    normalize_phone,
    normalize_postcode,
    phone_key,
    register_udfs,
)
from identity.pipeline import resolve

__all__ = [
    "resolve",
    "canonical_name",
    "fold_accents",
    "is_placeholder",
    "normalize_address",
    "normalize_city",
    "normalize_country",
    "normalize_date",
    "normalize_email",
    "normalize_name",
    "normalize_phone",
    "normalize_postcode",
    "phone_key",
    "register_udfs",
]
