"""Every mart column that carries personal data is classified in the dbt docs (`meta: {pii: ...}`), in the words
the analytics copy reads (privacy/classification.py)."""

from __future__ import annotations

import re

import pytest

from cdp_orchestration.transform import project
from privacy.classification import classification_of

PII_KINDS = {"email", "phone", "name", "address", "online_id", "birth_date", "record", "free_text"}
# `meta: {pii: none}` records the decision that a column named like personal data is not (a store's address).
CLASSIFICATIONS = PII_KINDS | {"none"}
# Names that say what a column holds, whatever its values look like today.
PII_NAME = re.compile(
    r"^(first_name|last_name|full_name|email|phone|address|street|postcode|zip|date_of_birth|"
    r"birthday)$|_(email|phone|address)$"
)
EMAIL_VALUE = r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$"
# International (+…) or national (0…) numbers; bare digit strings are too often IDs to say.
PHONE_VALUE = r"^(\+|0)[0-9][0-9 ()-]{7,}$"


@pytest.fixture(scope="module")
def manifest() -> dict:
    return project.manifest()  # the YAML as it is now


@pytest.fixture(scope="module")
def mart_columns(manifest: dict) -> dict[str, dict[str, dict]]:
    """table → column → its documentation, for every model in the marts schema."""
    return {
        node["name"]: node["columns"]
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["config"].get("schema") == "marts"
    }


def test_every_classification_is_one_the_analytics_copy_knows(manifest):
    """A misspelt `pii` kind or `analytics` treatment would publish a column as it is: it is refused instead."""
    classification = classification_of(manifest)
    assert classification.treatment("marts", "customer_360", "email") == "hash"
    assert classification.treatment("marts", "customer_360", "age") == "age_band"
    assert classification.treatment("marts", "export_log", "error") == "redact"


@pytest.mark.parametrize(
    ("meta", "refused"), [({"pii": "emial"}, "emial"), ({"pii": "email", "analytics": "keeep"}, "keeep")]
)
def test_a_misspelt_classification_is_refused(meta: dict, refused: str):
    manifest = {"nodes": {"model.cdp.planted": {
        "resource_type": "model", "schema": "marts", "alias": "planted", "name": "planted",
        "unique_id": "model.cdp.planted", "columns": {"contact": {"meta": meta}},
    }}}  # fmt: skip
    with pytest.raises(ValueError, match=refused):
        classification_of(manifest)


def test_a_misspelt_published_is_refused():
    """`meta: {published: "no"}` would publish the model (any text is true): it is refused instead."""
    manifest = {"nodes": {"model.cdp.planted": {
        "resource_type": "model", "schema": "intermediate", "alias": "planted", "name": "planted",
        "unique_id": "model.cdp.planted", "meta": {"published": "no"}, "columns": {},
    }}}  # fmt: skip
    with pytest.raises(ValueError, match="published 'no'"):
        classification_of(manifest)


def classified(columns: dict[str, dict], column: str) -> bool:
    return columns.get(column, {}).get("meta", {}).get("pii") in CLASSIFICATIONS


def test_columns_named_for_personal_data_are_classified(mart_columns):
    missing = [
        f"{table}.{column}"
        for table, columns in mart_columns.items()
        for column in columns
        if PII_NAME.search(column) and not classified(columns, column)
    ]
    assert not missing, f"classify these in the marts YAML with meta: {{pii: ...}}: {missing}"


def test_columns_holding_emails_or_phones_are_classified(built_warehouse, mart_columns):
    """Values decide too: a column named innocently that holds emails or phones must be classified."""
    unclassified = []
    for table, column in built_warehouse.sql("""
            select table_name, column_name from information_schema.columns
            where table_schema = 'marts' and data_type = 'VARCHAR'""").fetchall():
        if table not in mart_columns or classified(mart_columns[table], column):
            continue
        looks_personal = built_warehouse.sql(f"""
            select count(*) filter (where regexp_matches(lower("{column}"), '{EMAIL_VALUE}')
                                       or regexp_matches("{column}", '{PHONE_VALUE}'))
            from (select "{column}" from marts."{table}" where "{column}" is not null limit 200)""").fetchall()[0][0]
        if looks_personal:
            unclassified.append(f"{table}.{column}")
    assert not unclassified, f"these mart columns hold emails or phones but are not classified: {unclassified}"


def test_state_files_are_not_readable_by_others(nightly_run, cdp_home):
    readable = [
        str(p.relative_to(cdp_home))
        for p in cdp_home.rglob("*")
        if p.stat().st_mode & 0o007 and not p.is_symlink() and "simulator" not in p.parts
    ]
    assert not readable, f"world-accessible under CDP_HOME: {readable[:10]}"


@pytest.mark.parametrize("url", ["http://email-tool.example.com/3.0", "http://10.0.0.5/3.0"])
def test_exports_refuse_plain_http_beyond_loopback(url):
    from dlt_sources.common.http import refuse_plain_http

    with pytest.raises(ValueError, match="plain http"):
        refuse_plain_http(url)
    refuse_plain_http("http://127.0.0.1:8080/3.0")
    refuse_plain_http("https://us1.api.mailchimp.com/3.0")
