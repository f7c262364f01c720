"""File destinations: CSV cells that a spreadsheet would run are neutralised; ad platforms' hashing rules."""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from cdp_orchestration.exports import ad_audiences, klaviyo_csv
from cdp_orchestration.exports.config import Destination, load_destinations
from cdp_orchestration.exports.files import neutralise


def sha(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ('=HYPERLINK("http://x","y")', '\'=HYPERLINK("http://x","y")'),
        ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("+6281234567", "+6281234567"),
        ("Ana", "Ana"),
        (None, ""),
    ],
)
def test_formula_prefixes_are_neutralised(value: str | None, written: str) -> None:
    assert neutralise(value) == written


def test_klaviyo_file_is_neutralised(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("CDP_HOME", str(tmp_path))
    destination = Destination("klaviyo_test", "klaviyo_csv", ("vip",), "email_consent", {"First Name": "c.first_name"})
    desired = pd.DataFrame(
        {"segment": ["vip"], "email": ["a@example.com"], "phone": [None], "fields": ['{"First Name": "=1+1"}']}
    )
    klaviyo_csv.write_snapshot(destination, desired)
    rows = list(csv.reader((tmp_path / "exports" / "klaviyo_test" / "vip.csv").open()))
    assert rows == [["Email", "First Name"], ["a@example.com", "'=1+1"]]


def test_google_normalisation() -> None:
    assert ad_audiences.google_email("  Jo.Hn.Doe@GoogleMail.com ") == "johndoe@googlemail.com"
    assert ad_audiences.google_email("Jo.Hn@Example.com") == "jo.hn@example.com"
    assert ad_audiences.google_phone("+62 812-3456-789") == "+628123456789"
    assert ad_audiences.sha256(ad_audiences.google_email("A.B@gmail.com")) == sha("ab@gmail.com")


def test_meta_normalisation() -> None:
    assert ad_audiences.meta_email("  A.B@Gmail.com ") == "a.b@gmail.com"
    assert ad_audiences.meta_phone("+1 (646) 261-2508") == "16462612508"
    assert ad_audiences.sha256(ad_audiences.meta_phone("+16462612508")) == sha("16462612508")
    assert ad_audiences.sha256(None) == ""


@pytest.mark.parametrize("name", ["google_ads_customer_match", "meta_custom_audiences"])
def test_audience_files_hash_consenting_segment_members(
    name: str, home: Path, warehouse: duckdb.DuckDBPyConnection
) -> None:
    destination = next(d for d in load_destinations() if d.name == name)
    _, email_rule, phone_rule = ad_audiences.PLATFORMS[destination.kind]
    for segment in destination.segments:
        expected = {
            (ad_audiences.sha256(email_rule(email)), ad_audiences.sha256(phone_rule(phone)))
            for email, phone in warehouse.execute(
                """select c.email, c.phone from marts.segment_membership m join marts.customer_360 c using (customer_id)
                   where m.segment = ? and c.email_consent and (c.email is not null or c.phone is not null)
                     and not exists (
                         select 1 from exports.suppressed s
                         where (s.kind = 'email' and s.value = c.email)
                            or (s.kind = 'phone' and s.value = regexp_replace(c.phone, '[^0-9]', '', 'g')))""",
                [segment],
            ).fetchall()
        }
        with (home / "exports" / name / f"{segment}.csv").open() as handle:
            written = {(row[0], row[1]) for row in list(csv.reader(handle))[1:]}
        assert written == expected
        assert expected, f"segment {segment} is empty: the test proves nothing"
