"""Identity resolution: which source person records belong to one person.

``resolve(records)`` is the whole matching contract (CONTRACT §5); ``resolve_incremental`` gives the same result
doing only the work a previous run's changes call for; ``assign_customer_ids`` keeps customer IDs
stable across runs, ``pairwise_metrics`` measures a clustering against truth, and the cleaning functions are
exported (and registered for DuckDB by ``register_udfs``) so staging reuses the rules that live only here.
"""

from identity.evaluate import pairwise_metrics
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
)
from identity.persistent_ids import assign_customer_ids
from identity.pipeline import PreviousRun, Resolution, resolve, resolve_incremental
from identity.udfs import register as register_udfs

__all__ = [
    "resolve",
    "resolve_incremental",
    "PreviousRun",
    "Resolution",
    "assign_customer_ids",
    "pairwise_metrics",
    "register_udfs",
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
]
