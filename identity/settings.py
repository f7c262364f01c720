"""The Splink model: comparisons for the columns present, and the blocking rules for prediction.

Names are compared as token sets (order-free, nicknames already canonical), with term-frequency
adjustment on exact agreement so ``Nguyen Van Anh`` or ``John Smith`` count for little. Emails and phones
agree at two levels: a value no other name uses, and a value shared within a household.
"""

from __future__ import annotations

from typing import Any

from splink import SettingsCreator, block_on
from splink.internals.comparison_library import CustomComparison


def _null(col: str) -> dict[str, Any]:
    return {
        "sql_condition": f"{col}_l IS NULL OR {col}_r IS NULL",
        "label_for_charts": f"{col} null",
        "is_null_level": True,
    }


def _tf(cond: str, label: str, col: str) -> dict[str, Any]:
    # Each level's own u is the base of its term-frequency adjustment; Splink would otherwise borrow the u
    # of whichever level is a plain equality on the column (the "shared value" level here).
    return {
        "sql_condition": cond,
        "label_for_charts": label,
        "tf_adjustment_column": col,
        "tf_adjustment_weight": 1.0,
        "disable_tf_exact_match_detection": True,
    }


def _lvl(cond: str, label: str) -> dict[str, Any]:
    return {"sql_condition": cond, "label_for_charts": label}


_ELSE = {"sql_condition": "ELSE", "label_for_charts": "all other"}

_SUBSET = "(list_has_all(name_toks_l, name_toks_r) OR list_has_all(name_toks_r, name_toks_l))"


# DuckDB-specific: the token-level typo test is a macro, created on the connection by ``create_macros``.
NAME_TYPO_MACRO = """
create or replace macro identity_name_typo(a, b) as (
    len(a) = len(b) and len(list_intersect(a, b)) = len(a) - 1
    and jaro_winkler_similarity(
        list_filter(a, lambda t: not list_contains(b, t))[1],
        list_filter(b, lambda t: not list_contains(a, t))[1]) >= 0.88
    and least(length(list_filter(a, lambda t: not list_contains(b, t))[1]),
              length(list_filter(b, lambda t: not list_contains(a, t))[1])) >= 4
)
"""


def create_macros(con: Any) -> None:
    """Register the SQL helpers the comparisons use on a DuckDB connection."""
    con.execute(NAME_TYPO_MACRO)


def comparisons(present: set[str]) -> list[CustomComparison]:
    """One comparison per attribute group that has data."""
    out: list[CustomComparison] = []
    if "name_key" in present:
        out.append(
            CustomComparison(
                output_column_name="name",
                comparison_levels=[
                    _null("name_key"),
                    _tf("name_key_l = name_key_r", "same name tokens", "name_key"),
                    _lvl(f"len(name_toks_l) >= 2 AND len(name_toks_r) >= 2 AND {_SUBSET}", "one name within the other"),
                    _lvl("identity_name_typo(name_toks_l, name_toks_r)", "one name token mistyped"),
                    _lvl(_SUBSET, "single name token within the other"),
                    _lvl("jaro_winkler_similarity(name_key_l, name_key_r) >= 0.92", "similar names"),
                    _lvl("len(list_intersect(name_toks_l, name_toks_r)) >= 1", "one shared token"),
                    _ELSE,
                ],
            )
        )
    if "dob" in present:
        out.append(
            CustomComparison(
                output_column_name="dob",
                comparison_levels=[
                    _null("dob"),
                    _tf("dob_l = dob_r", "same birth date", "dob"),
                    _lvl(
                        "damerau_levenshtein(dob_l, dob_r) <= 1 OR (substr(dob_l, 1, 4) = substr(dob_r, 1, 4) "
                        "AND substr(dob_l, 6, 2) = substr(dob_r, 9, 2) AND substr(dob_l, 9, 2) = substr(dob_r, 6, 2))",
                        "birth date typo or day/month swapped",
                    ),
                    _ELSE,
                ],
            )
        )
    if "email" in present:
        out.append(
            CustomComparison(
                output_column_name="email",
                comparison_levels=[
                    _null("email"),
                    _tf("email_l = email_r AND NOT email_shared_l", "same email, one name", "email"),
                    _tf("email_l = email_r", "same email, shared by several names", "email"),
                    # Only a typo within one domain: equal local parts at two providers are often two people
                    # whose addresses were both made from a common name.
                    # ... and not when only digits differ: robert_jackson70@ and robert_jackson90@ are two men.
                    _lvl(
                        "split_part(email_l, '@', 2) = split_part(email_r, '@', 2) "
                        "AND damerau_levenshtein(email_l, email_r) <= 1 "
                        "AND regexp_replace(email_l, '[0-9]', '', 'g') <> regexp_replace(email_r, '[0-9]', '', 'g')",
                        "email typo",
                    ),
                    _ELSE,
                ],
            )
        )
    if "phone" in present:
        out.append(
            CustomComparison(
                output_column_name="phone",
                comparison_levels=[
                    _null("phone"),
                    _tf("phone_l = phone_r AND NOT phone_shared_l", "same phone, one name", "phone"),
                    _tf("phone_l = phone_r", "same phone, shared by several names", "phone"),
                    _lvl("damerau_levenshtein(phone_l, phone_r) <= 1", "phone typo"),
                    _ELSE,
                ],
            )
        )
    place_cols = [c for c in ("address", "postcode", "city") if c in present]
    if place_cols:
        # One comparison for the whole place: street, postcode and city agree together, and counting
        # them as independent would make a shared household address overwhelming evidence.
        null = " AND ".join(f"({c}_l IS NULL OR {c}_r IS NULL)" for c in place_cols)
        levels: list[dict[str, Any]] = [
            {"sql_condition": null, "label_for_charts": "place null", "is_null_level": True}
        ]
        if "address" in present:
            levels.append(_tf("address_l = address_r", "same street line", "address"))
            near = "jaro_winkler_similarity(address_l, address_r) >= 0.9"
            if "postcode" in present:
                near += " AND (postcode_l = postcode_r OR postcode_l IS NULL OR postcode_r IS NULL)"
            levels.append(_lvl(near, "similar street line"))
        if "postcode" in present:
            levels.append(_tf("postcode_l = postcode_r", "same postcode", "postcode"))
        if "city" in present:
            levels.append(_tf("city_l = city_r", "same city", "city"))
        levels.append(_ELSE)
        out.append(CustomComparison(output_column_name="place", comparison_levels=levels))
    return out


def settings(present: set[str], block_keys: list[str]) -> SettingsCreator:
    """Splink settings for a dedupe of the ``features`` table."""
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="record_id",
        comparisons=comparisons(present),
        blocking_rules_to_generate_predictions=[block_on(k) for k in block_keys],
        retain_matching_columns=True,
        retain_intermediate_calculation_columns=False,
        additional_columns_to_retain=[],
        probability_two_random_records_match=1e-5,
    )


def deterministic_rules(present: set[str]) -> list[str]:
    """Rules that admit almost no false pairs, for estimating the prior."""
    rules = []
    if {"name_key", "dob"} <= present:
        rules.append("l.name_key = r.name_key AND l.dob = r.dob")
    if {"name_key", "email"} <= present:
        rules.append("l.name_key = r.name_key AND l.email = r.email")
    if {"name_key", "phone"} <= present:
        rules.append("l.name_key = r.name_key AND l.phone = r.phone")
    if {"name_key", "address"} <= present:
        rules.append("l.name_key = r.name_key AND l.address = r.address")
    return rules


def comparison_groups(present: set[str]) -> set[str]:
    """Names of the comparisons built for these columns."""
    groups = {c for c in ("dob", "email", "phone") if c in present}
    if "name_key" in present:
        groups.add("name")
    if present & {"address", "postcode", "city"}:
        groups.add("place")
    return groups


def em_rules(present: set[str]) -> list[Any]:
    """Blocking rules for EM: each leaves other comparisons free to be estimated (none if only one)."""
    groups = comparison_groups(present)
    if len(groups) < 2:
        return []
    rules: list[Any] = []
    if "dob" in present:
        rules.append(block_on("dob"))
    if "name_key" in present:
        rules.append(block_on("name_key"))
    if "dob" not in present or "name_key" not in present:
        for c in ("phone", "email", "postcode", "address"):
            if c in present:
                rules.append(block_on(c))
                break
    return rules
