"""A listing's pages read by arrow a batch at a time: every planted record comes out once, in order, and a page arrow
refuses is read on its own, record by record, as before."""

from __future__ import annotations

import orjson
import pyarrow as pa
import pytest
import requests

from dlt_sources.common.cursor import SourceClock
from dlt_sources.common.http import JsonAsUtf8Response
from dlt_sources.common.pages import (
    ARROW_OUTLINE_BYTES,
    Body,
    Entity,
    PageLoader,
    listing_page,
    read_bodies,
    record_type,
)
from dlt_sources.common.tables import INT, column
from tests.ingest.helpers import quarantine_rows

COLUMNS = (column("id"), column("points", kind=INT), column("note"))
SHAPE = record_type(COLUMNS)


def _body(records: list[dict], **others: object) -> Body:
    content = orjson.dumps({"events": records, **others})
    return Body(content, len(records))


def _ids(page: pa.Table | list[dict]) -> list[str]:
    return page.column("id").to_pylist() if isinstance(page, pa.Table) else [record["id"] for record in page]


def test_pages_of_documented_types_are_read_as_one_table():
    bodies = [_body([{"id": f"e{page}-{n}", "points": n} for n in range(30)], cursor=f"c{page}") for page in range(7)]
    bodies.append(_body([]))  # the last page of a listing may list nothing
    read = list(read_bodies(bodies, "events", SHAPE, size=1_000))
    assert len(read) == 1 and isinstance(read[0][0], pa.Table) and read[0][1] is False
    assert _ids(read[0][0]) == [f"e{page}-{n}" for page in range(7) for n in range(30)]
    assert read[0][0].column("points").type == pa.int64()


def test_a_page_arrow_refuses_is_read_alone_and_the_others_still_by_arrow():
    good = _body([{"id": "a1", "points": 1}, {"id": "a2", "points": 2}], cursor="x")
    other_type = _body([{"id": "b1", "points": "ten"}], cursor="y")  # points are documented as a number
    not_utf8 = Body(b'{"events": [{"id": "c1", "points": 3, "note": "Renn\xe9"}], "cursor": "z"}', 1)
    pretty = Body(b'{\n  "events": [\n    {"id": "d1", "points": 4}\n  ]\n}\n', 1)
    last = _body([{"id": "e1", "points": 5, "unknown": {"deep": True}}])
    read = list(read_bodies([good, other_type, not_utf8, pretty, last], "events", SHAPE, size=1_000))

    assert [record for page, _ in read for record in _ids(page)] == ["a1", "a2", "b1", "c1", "d1", "e1"]
    kinds = [(_ids(page), isinstance(page, pa.Table), lossy) for page, lossy in read]
    assert kinds == [
        (["a1", "a2"], True, False),
        (["b1"], False, False),  # record by record: its value of another type reaches the screening as sent
        (["c1"], False, True),  # record by record, marked lossy: the screening repairs and quarantines its text
        (["d1"], True, False),  # printed over several lines
        (["e1"], True, False),
    ]
    assert read[1][0] == [{"id": "b1", "points": "ten"}]
    assert read[2][0][0]["note"] == "Renn\udce9"
    assert read[4][0].column("unknown").to_pylist() == [{"deep": True}]  # a new field is kept, to be absorbed


def test_pages_are_read_in_batches_of_about_the_size_asked():
    bodies = [_body([{"id": f"p{page}-{n}", "points": n} for n in range(10)]) for page in range(10)]
    read = list(read_bodies(bodies, "events", SHAPE, size=25))
    assert [len(page) for page, _ in read] == [30, 30, 30, 10]


def _answer(content: bytes, status: int = 200) -> requests.Response:
    response = JsonAsUtf8Response()  # as every source's session answers (`http.retrying_session`)
    response._content, response.status_code = content, status
    response.headers["Content-Type"] = "application/json"
    return response


@pytest.mark.parametrize("records", [3, 20_000])  # a small page, and one large enough for arrow to outline it
def test_a_listing_answer_gives_its_records_count_and_cursor(records):
    content = orjson.dumps({"events": [{"id": f"e{n}", "points": n} for n in range(records)], "cursor": "next-7"})
    page, paging = listing_page(_answer(content), "events", {"cursor": pa.string()})
    assert (records > 1_000) == (len(content) >= ARROW_OUTLINE_BYTES)
    assert (page.content, page.records, paging["cursor"]) == (content, records, "next-7")
    last, paging = listing_page(_answer(b'{"events": []}'), "events", {"cursor": pa.string()})
    assert last.records == 0 and not paging.get("cursor")


def test_a_listing_answer_with_an_error_status_raises_it():
    with pytest.raises(requests.HTTPError):
        listing_page(_answer(b'{"errors": [{"code": "RATE_LIMITED"}]}', 429), "events", {"cursor": pa.string()})


def test_a_large_page_whose_cursor_is_not_utf8_is_decoded_leniently():
    records = orjson.dumps([{"id": f"e{n}", "points": n} for n in range(20_000)])
    content = b'{"events": ' + records + b', "cursor": "c\xe9"}'
    page, paging = listing_page(_answer(content), "events", {"cursor": pa.string()})
    assert (page.records, paging["cursor"]) == (20_000, "c\udce9")


def test_a_quarantined_record_read_by_arrow_holds_no_field_that_only_other_records_of_its_batch_had():
    # Read together, arrow gives every record the fields the others had, as null: the quarantine keeps each as sent.
    long_note = "n" * 300_000  # longer than any text a CDP reads: loaded, and flagged in quarantine
    sent = [
        {"id": "a1", "points": 1, "note": "", "legacy": {"blob": "x", "inner": {"kept": True}}, "tags": ["vip"]},
        {"id": "a2", "points": 2, "note": long_note, "legacy": {"inner": {}}},
        {"id": "a3", "points": None, "note": long_note},
    ]
    [(table, lossy)] = read_bodies([_body(sent[:2]), _body(sent[2:])], "events", SHAPE, size=1_000)
    assert isinstance(table, pa.Table) and "legacy" in table.column_names, "read by arrow, as one table"
    rows = quarantine_rows(PageLoader(Entity("events", COLUMNS), SourceClock()).page(table))
    assert {row["source_record_id"]: orjson.loads(row["payload"]) for row in rows} == {"a2": sent[1], "a3": sent[2]}


def test_every_record_without_an_id_is_quarantined():
    loader = PageLoader(Entity("events", COLUMNS), SourceClock())
    pages = [
        [{"points": 1}, {"id": "", "points": 2}, {"id": "a", "points": 3}],
        [{"id": None, "points": 4}, {"id": "  ", "points": 5}, {"points": 6}],
    ]
    rows = quarantine_rows(item for page in pages for item in loader.page(page))
    assert sorted(orjson.loads(row["payload"])["points"] for row in rows) == [1, 2, 4, 5, 6]
