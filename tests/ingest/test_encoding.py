"""Bytes that are not UTF-8: loaded as U+FFFD, the record flagged, its original bytes kept in quarantine."""

from __future__ import annotations

import json
from pathlib import Path

import orjson
import pytest
import requests
from urllib3 import HTTPResponse

from dlt_sources.common.cursor import SourceClock
from dlt_sources.common.http import JsonAsUtf8Response, retrying_session
from dlt_sources.common.pages import Entity, PageLoader, record_type
from dlt_sources.common.quarantine import LOADED_WITH_ISSUES
from dlt_sources.common.tables import LOOSE, column, parse_pages
from simulator import SimState, generate
from simulator.ids import customer_record_id
from simulator.malformed import legacy_bytes
from tests.conftest import SESSION_MALFORMED_OPT_IN


def _json_response(body: bytes, kind: type[requests.Response] = requests.Response) -> requests.Response:
    response = kind()
    response._content = body
    response.status_code = 200
    response.headers["Content-Type"] = "application/json"
    return response


def _raw(body: bytes) -> HTTPResponse:
    return HTTPResponse(body=body, status=200, headers={"Content-Type": "application/json"}, preload_content=False)


def test_a_page_with_stray_bytes_keeps_every_other_character():
    # A Windows-1252 "é" (0xE9) on a page that also holds correct UTF-8 text.
    body = '[{"name": "Zoë 東京", "city": "Renn'.encode() + b"\xe9" + b'"}]'
    assert _json_response(body, JsonAsUtf8Response).json() == [{"name": "Zoë 東京", "city": "Renn\udce9"}]
    # Left alone, requests guesses an encoding for the whole page and garbles the valid text.
    assert _json_response(body).json()[0]["name"] != "Zoë 東京"


def test_every_source_session_reads_json_as_utf8():
    session = retrying_session()
    for url in ("http://127.0.0.1:1/", "https://example.com/"):
        response = session.get_adapter(url).build_response(requests.Request("GET", url).prepare(), _raw(b"{}"))
        assert isinstance(response, JsonAsUtf8Response)


def test_a_body_that_is_not_json_raises_the_error_requests_raises():
    with pytest.raises(requests.exceptions.JSONDecodeError):
        _json_response(b"<html>", JsonAsUtf8Response).json()


_CUSTOMERS = Entity(
    "customers",
    (column("id"), column("family", "names.family"), column("given", "names.given"), column("tags", kind=LOOSE)),
)


def _load(record: dict, lossy: bool) -> tuple[list[dict], list[dict]]:
    """(rows loaded, quarantine rows) of a page holding `record`, read leniently or not."""
    items = list(PageLoader(_CUSTOMERS, SourceClock()).page([record], lossy))
    tables = [item.data if hasattr(item, "data") else item for item in items]
    quarantined = [row for table in tables if "reason" in table.column_names for row in table.to_pylist()]
    loaded = [row for table in tables if "reason" not in table.column_names for row in table.to_pylist()]
    return loaded, quarantined


def test_screening_replaces_undecodable_text_and_keeps_the_bytes_as_sent():
    record = {"id": "c1", "names": {"family": "Renn\udce9", "given": "Zoë"}, "tags": ["ok", "half \ud83d pair"]}
    loaded, (flagged,) = _load(record, lossy=True)
    assert [(row["family"], row["given"], row["tags"]) for row in loaded] == [
        ("Renn\ufffd", "Zoë", '["ok","half \ufffd pair"]')
    ]
    assert flagged["disposition"] == LOADED_WITH_ISSUES
    assert "names.family" in flagged["reason"] and "tags[]" in flagged["reason"]
    assert b'"Renn\xe9"' in flagged["payload_bytes"]
    assert b'"half \\ud83d pair"' in flagged["payload_bytes"]
    assert orjson.loads(flagged["payload"]) == {
        "id": "c1",
        "names": {"family": "Renn\ufffd", "given": "Zoë"},
        "tags": ["ok", "half \ufffd pair"],
    }


def test_valid_text_is_not_flagged():
    record = {"id": "c2", "names": {"family": "Nguyễn Thị 🙂", "given": "\u202eRTL"}, "tags": []}
    for lossy in (False, True):
        loaded, quarantined = _load(dict(record), lossy)
        assert quarantined == [] and [row["family"] for row in loaded] == ["Nguyễn Thị 🙂"]


def test_legacy_bytes_in_a_source_reach_the_warehouse_flagged(built_warehouse, cdp_home: Path):
    state = SimState(**json.loads((cdp_home / "simulator" / "state.json").read_text()))
    planted = [
        (system, customer)
        for system, customers in generate(state, opt_in=frozenset({SESSION_MALFORMED_OPT_IN})).customers.items()
        for customer in customers
        if customer.defect == "invalid_utf8"
    ]
    assert planted, "the session's population should hold a record with bytes that are not UTF-8"
    for system, customer in planted:
        record_id = customer_record_id(system, customer.seq)
        sent = legacy_bytes(customer.last).encode("utf-8", errors="surrogateescape")
        disposition, reason, payload_bytes = built_warehouse.execute(
            f"select disposition, reason, payload_bytes from raw_{system}.quarantine where source_record_id = ?",
            [record_id],
        ).fetchall()[0]
        assert disposition == LOADED_WITH_ISSUES and "not valid UTF-8" in reason
        # The family name's bytes as the source sent them, a JSON string in the record as received.
        assert b'"' + sent + b'"' in bytes(payload_bytes)
        # Loaded, with U+FFFD where the stray bytes were, and resolved into a customer like any other record.
        (mapped,) = built_warehouse.execute(
            "select count(*) from marts.customer_id_map where record_id = ?", [f"{system}:{record_id}"]
        ).fetchall()[0]
        assert mapped == 1
        loaded = built_warehouse.execute(
            "select last_name from intermediate.int_person_records where record_id = ?", [f"{system}:{record_id}"]
        ).fetchall()
        assert loaded and "\ufffd" in (loaded[0][0] or ""), loaded


def test_a_page_of_bytes_that_are_not_utf8_is_read_record_by_record():
    # Arrow's JSON reader keeps such bytes as they came: the page must go the way that repairs and keeps them.
    body = b'{"customers": [{"id": "c1", "names": {"family": "Renn\xe9"}}]}'
    assert parse_pages([body], "customers", record_type(_CUSTOMERS.columns)) is None
    assert parse_pages([body.replace(b"\xe9", b"e")], "customers", record_type(_CUSTOMERS.columns)) is not None
