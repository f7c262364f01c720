"""The Splink model: comparisons for the informative columns, and the blocking rules for prediction.

Built only from Splink's public classes (``comparison_library.CustomComparison`` with
``comparison_level_library`` levels). Names are compared as token sets (order-free, nicknames already
canonical) with term-frequency adjustment, so ``Nguyen Van Anh`` or ``John Smith`` count for little; which
token agrees matters, since a shared given name says "who" and a shared family name only "which family".
Emails and phones agree at two levels: a value no other name uses, and a value shared within a household.
"""

from __future__ import annotations

import json
from typing import Any

import splink.comparison_level_library as cll
from splink import SettingsCreator, block_on
from splink.comparison_library import CustomComparison


def _tf(cond: str, label: str, col: str) -> cll.CustomLevel:
    # Each level's own u is the base of its term-frequency adjustment; Splink would otherwise borrow the u
    # of whichever level is a plain equality on the column.
    return cll.CustomLevel(cond, label).configure(
        tf_adjustment_column=col, tf_adjustment_weight=1.0, disable_tf_exact_match_detection=True
    )


def _null(*cols: str) -> cll.CustomLevel:
    cond = " AND ".join(f"({c}_l IS NULL OR {c}_r IS NULL)" for c in cols)
    return cll.CustomLevel(cond, f"{'/'.join(cols)} null").configure(is_null_level=True)


_SUBSET = "(list_has_all(name_toks_l, name_toks_r) OR list_has_all(name_toks_r, name_toks_l))"
# One record's given name, token by token, within the other's whole name (either way round).
_GIVEN = (
    "((first_toks_l IS NOT NULL AND list_has_all(name_toks_r, first_toks_l)) "
    "OR (first_toks_r IS NOT NULL AND list_has_all(name_toks_l, first_toks_r)))"
)

# The token-level typo test is a function created on the connection by ``create_macros``: its body written once in
# DuckDB SQL, a macro there and a SQL function (Spark 4) with the body translated by ``dialect.to_spark`` on Spark.
NAME_TYPO_BODY = """
    len(a) = len(b) and len(list_intersect(a, b)) = len(a) - 1
    and jaro_winkler_similarity(
        list_filter(a, lambda t: not list_contains(b, t))[1],
        list_filter(b, lambda t: not list_contains(a, t))[1]) >= 0.88
    and least(length(list_filter(a, lambda t: not list_contains(b, t))[1]),
              length(list_filter(b, lambda t: not list_contains(a, t))[1])) >= 4
"""
NAME_TYPO_MACRO = f"""
create or replace macro identity_name_typo(a, b) as ({NAME_TYPO_BODY})
"""


def create_macros(con: Any) -> None:
    """Register the SQL helpers the comparisons use on a DuckDB connection or a ``spark_engine.SparkConnection``."""
    if getattr(con, "dialect", "duckdb") == "spark":
        from identity.dialect import to_spark

        con.spark.sql(
            "create or replace temporary function identity_name_typo(a array<string>, b array<string>) "
            f"returns boolean return {to_spark(NAME_TYPO_BODY)}"
        )
        return
    con.execute(NAME_TYPO_MACRO)


def for_engine(spec: SettingsCreator | dict[str, Any], dialect: str) -> SettingsCreator | dict[str, Any]:
    """``spec`` for a linker of ``dialect``: as it is for DuckDB; for Spark a settings dict whose comparison levels
    and blocking rules are translated by ``dialect.to_spark`` (Splink's ``CustomLevel`` passes SQL through as
    written, and sqlglot alone does not translate the list functions exactly)."""
    if dialect == "duckdb":
        return spec
    from identity.dialect import to_spark

    out = spec.create_settings_dict("duckdb") if isinstance(spec, SettingsCreator) else json.loads(json.dumps(spec))
    if out.get("sql_dialect", "duckdb") == dialect:
        return out
    for comparison in out["comparisons"]:
        for level in comparison["comparison_levels"]:
            if level.get("sql_condition") and level["sql_condition"].strip().upper() != "ELSE":
                level["sql_condition"] = to_spark(level["sql_condition"])
    for rule in out.get("blocking_rules_to_generate_predictions", []):
        if isinstance(rule, dict):
            rule["blocking_rule"] = to_spark(rule["blocking_rule"])
            rule["sql_dialect"] = dialect
    out["sql_dialect"] = dialect
    return out


def _name() -> CustomComparison:
    return CustomComparison(
        output_column_name="name",
        comparison_levels=[
            _null("name_key"),
            _tf("name_key_l = name_key_r", "same name tokens", "name_key"),
            cll.CustomLevel(
                f"len(name_toks_l) >= 2 AND len(name_toks_r) >= 2 AND {_SUBSET}", "one name within the other"
            ),
            cll.CustomLevel("identity_name_typo(name_toks_l, name_toks_r)", "one name token mistyped"),
            _tf(_GIVEN, "given name agrees, family name differs", "first_c"),
            cll.CustomLevel(_SUBSET, "single name token within the other"),
            cll.CustomLevel("jaro_winkler_similarity(name_key_l, name_key_r) >= 0.92", "similar names"),
            cll.CustomLevel("name_ph_l = name_ph_r", "names sound alike"),
            cll.CustomLevel("len(list_intersect(name_toks_l, name_toks_r)) >= 1", "family name only shared"),
            cll.ElseLevel(),
        ],
    )


def _dob() -> CustomComparison:
    return CustomComparison(
        output_column_name="dob",
        comparison_levels=[
            _null("dob"),
            _tf("dob_l = dob_r", "same birth date", "dob"),
            cll.CustomLevel(
                "damerau_levenshtein(dob_l, dob_r) <= 1 OR dob_unordered_l = dob_unordered_r",
                "birth date typo or day/month swapped",
            ),
            cll.CustomLevel(
                "(substr(dob_l, 1, 4) = substr(dob_r, 1, 4))::int + (substr(dob_l, 6, 2) = substr(dob_r, 6, 2))::int"
                " + (substr(dob_l, 9, 2) = substr(dob_r, 9, 2))::int = 2",
                "one of year, month, day differs",
            ),
            cll.ElseLevel(),
        ],
    )


def _contact(col: str) -> CustomComparison:
    levels = [
        _null(col),
        _tf(f"{col}_l = {col}_r AND NOT {col}_shared_l", f"same {col}, one name", col),
        _tf(f"{col}_l = {col}_r", f"same {col}, shared by several names", col),
    ]
    if col == "email":
        # Only a typo within one domain, and not when only digits differ: robert_jackson70@ and
        # robert_jackson90@ are two men, and equal local parts at two providers often two people.
        levels.append(
            cll.CustomLevel(
                "split_part(email_l, '@', 2) = split_part(email_r, '@', 2) "
                "AND damerau_levenshtein(email_l, email_r) <= 1 "
                "AND regexp_replace(email_l, '[0-9]', '', 'g') <> regexp_replace(email_r, '[0-9]', '', 'g')",
                "email typo",
            )
        )
    else:
        levels.append(cll.CustomLevel("damerau_levenshtein(phone_l, phone_r) <= 1", "phone typo"))
    return CustomComparison(output_column_name=col, comparison_levels=[*levels, cll.ElseLevel()])


def _place(present: set[str]) -> CustomComparison:
    # One comparison for the whole place: street, postcode and city agree together, and counting them as
    # independent would make a shared household address overwhelming evidence.
    cols = [c for c in ("address", "postcode", "city") if c in present]
    levels: list[Any] = [_null(*cols)]
    if "address" in present:
        levels.append(_tf("address_l = address_r", "same street line", "address"))
        near = "jaro_winkler_similarity(address_l, address_r) >= 0.9"
        if "postcode" in present:
            near += " AND (postcode_l = postcode_r OR postcode_l IS NULL OR postcode_r IS NULL)"
        levels.append(cll.CustomLevel(near, "similar street line"))
    if {"postcode", "city"} <= present:
        levels.append(_tf("postcode_l = postcode_r AND city_l = city_r", "same postcode and city", "postcode"))
    if "postcode" in present:
        levels.append(_tf("postcode_l = postcode_r", "same postcode", "postcode"))
    if "city" in present:
        levels.append(_tf("city_l = city_r", "same city", "city"))
    levels.append(cll.ElseLevel())
    return CustomComparison(output_column_name="place", comparison_levels=levels)


def comparisons(present: set[str]) -> list[CustomComparison]:
    """One comparison per attribute group that has informative data."""
    out = []
    if "name_key" in present:
        out.append(_name())
    if "dob" in present:
        out.append(_dob())
    out.extend(_contact(c) for c in ("email", "phone") if c in present)
    if present & {"address", "postcode", "city"}:
        out.append(_place(present))
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
    return [
        f"l.name_key = r.name_key AND l.{c} = r.{c}"
        for c in ("dob", "email", "phone", "address")
        if {"name_key", c} <= present
    ]


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
    if len(comparison_groups(present)) < 2:
        return []
    rules: list[Any] = [block_on(c) for c in ("dob", "name_key") if c in present]
    # A third round on an identifier one person holds (an email or phone no other name uses) estimates name and
    # birth date together, on pairs neither chose. Not a place: pairs sharing a postcode or street are mostly
    # households, and EM there learns "same family" (family name shared, birth date differs) as the match.
    third = next((c for c in ("email", "phone") if c in present), None)
    if third:
        rules.append(f"l.{third} = r.{third} AND NOT l.{third}_shared AND NOT r.{third}_shared")
    elif "dob" not in present:
        # Nothing else estimates the name: a place it has to be.
        place = next((c for c in ("postcode", "address", "city") if c in present), None)
        if place:
            rules.append(block_on(place))
    return rules
