"""Scalar cleaning functions: the rules staging reuses as DuckDB functions."""

from __future__ import annotations

import duckdb
import pytest

from identity import (
    is_placeholder,
    normalize_address,
    normalize_date,
    normalize_email,
    normalize_name,
    normalize_phone,
    phone_key,
)
from identity.compatibility import dates_compatible, given_names_compatible, names_compatible
from identity.normalize import canonical_name


@pytest.mark.parametrize(
    ("raw", "country", "expected"),
    [
        ("0812 3456 7890", "ID", "+6281234567890"),
        ("+62 812-3456-7890", None, "+6281234567890"),
        ("62 81234567890", "ID", "+6281234567890"),
        ("6281234567890", None, "+6281234567890"),
        ("(415) 555-0134", "US", "+14155550134"),
        ("601 234 567", "PL", "+48601234567"),
        ("0912 345 678", "VN", "+84912345678"),
        ("+6281234567890", "ID", "+6281234567890"),  # already clean: unchanged
        ("0000000000", "ID", None),
        ("1234567890", "US", None),
        ("-", None, None),
        ("n/a", "PL", None),
        (None, "PL", None),
    ],
)
def test_normalize_phone(raw: str | None, country: str | None, expected: str | None) -> None:
    assert normalize_phone(raw, country) == expected


def test_phone_key_joins_local_and_international_forms() -> None:
    assert phone_key("0812 3456 7890", "ID") == phone_key("+62 812 3456 7890") == "81234567890"
    # the till left the country empty: the countries present in the data are tried
    assert phone_key("0812 3456 7890", None, ("VN", "ID")) == "81234567890"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  John.Smith@Gmail.com ", "johnsmith@gmail.com"),
        ("john.smith+shop@googlemail.com", "johnsmith@gmail.com"),
        ("anna.nowak@wp.pl", "anna.nowak@wp.pl"),
        ("noemail@store.com", None),
        ("none@none.com", None),
        ("test@test.com", None),
        ("n/a", None),
        ("-", None),
        ("not an email", None),
    ],
)
def test_normalize_email(raw: str, expected: str | None) -> None:
    assert normalize_email(raw) == expected


def test_names_fold_accents_and_nicknames() -> None:
    assert normalize_name("  Nguyễn  Văn-Anh ") == "nguyen van anh"
    assert normalize_name("Małgorzata") == "malgorzata"
    assert canonical_name("Kasia") == "katarzyna"
    assert canonical_name("Muh.") == "muhammad"
    assert canonical_name("Bill") == "william"
    assert normalize_name("n/a") is None and normalize_name("-") is None and normalize_name("Customer") is None


def test_names_compatible() -> None:
    assert names_compatible(("anh", "nguyen", "van"), ("anh", "nguyen"))
    assert names_compatible(("katarzyna", "nowak"), ("katarzyna",))
    assert names_compatible(("stephen", "white"), ("stehpen", "white"))
    assert not names_compatible(("anna", "nowak"), ("nowak", "piotr"))
    assert not names_compatible(("anh", "nguyen", "van"), ("binh", "nguyen", "van"))


def test_given_names_compatible() -> None:
    def compatible(a: tuple[str, str], b: tuple[str, str]) -> bool:
        """Records as (first name, last name), canonical."""
        tokens = [(tuple(x[0].split()), tuple(sorted({*x[0].split(), *x[1].split()}))) for x in (a, b)]
        return given_names_compatible(tokens[0][0], tokens[0][1], tokens[1][0], tokens[1][1])

    assert compatible(("anna", "nowak"), ("anna", "kowalska"))  # a new family name
    assert compatible(("nowak", "anna"), ("anna", "nowak"))  # fields swapped
    assert compatible(("jan", "nowak"), ("jan maria", "nowak"))  # a middle name on one record
    assert not compatible(("piotr", "nowak"), ("anna", "nowak"))  # two people of one family
    assert not compatible(("thi hong", "nguyen"), ("thi xuan", "nguyen"))  # a shared middle name is not enough
    # The family name typed in the first-name field is not a given name that agrees.
    assert not compatible(("vo", "huu tu"), ("thanh chi", "vo"))


def test_dates() -> None:
    assert normalize_date("1985-03-07") == "1985-03-07"
    assert normalize_date("07/03/1985") == "1985-03-07"
    assert normalize_date("1900-01-01") is None
    assert dates_compatible("1985-03-07", "1985-07-03")  # day and month swapped
    assert dates_compatible("1985-03-07", "1985-03-08")  # one typo
    assert not dates_compatible("1985-03-07", "1990-11-21")


def test_placeholders_and_addresses() -> None:
    assert is_placeholder("0000000000", "phone")
    assert is_placeholder("noemail@store.com", "email")
    assert is_placeholder("n/a")
    assert not is_placeholder("+48601234567", "phone")
    assert normalize_address("ul. Długa 5/3") == normalize_address("Ulica Dluga 5/3") == "ul dluga 5 3"


def test_functions_register_as_duckdb_udfs() -> None:
    from identity import register_udfs

    con = duckdb.connect()
    assert "cdp_email_key" in register_udfs(con)
    rows = con.execute(
        "select cdp_email_key(' A.B@Gmail.com '), cdp_normalize_email(' A.B@Gmail.com '), "
        "cdp_normalize_phone('0812 3456 7890', 'ID'), cdp_normalize_phone(null, 'ID'), "
        "cdp_is_placeholder('0000000000', 'phone'), cdp_normalize_name(' Nguyễn  Văn-Anh ')"
    ).fetchall()
    assert rows == [("ab@gmail.com", "a.b@gmail.com", "+6281234567890", None, True, "nguyen van anh")]


def test_impossible_calendar_dates_are_dropped():
    from identity.normalize import normalize_date

    assert normalize_date("1962-02-30") is None
    assert normalize_date("31/04/1990") is None
    assert normalize_date("2000-02-29") == "2000-02-29"
