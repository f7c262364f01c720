"""File destinations: CSV cells that a spreadsheet would run are neutralised; ad platforms' hashing rules.

Who is in the ad audience files is tested in test_ad_audiences.py.
"""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path

import pandas as pd
import pytest

from activation import ad_audiences, klaviyo_csv
from activation.config import Destination
from activation.files import neutralise


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
