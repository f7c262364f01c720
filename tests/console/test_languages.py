"""Every string of the console's interface is translated in every catalog, and formats follow the locale."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from cdp_orchestration.console.i18n import CATALOGS, DEFAULT_LOCALE, LOCALES, Localizer

CONSOLE = CATALOGS.parent
METHODS = [("**.py", "python"), ("templates/**.html", "jinja2")]
OPTIONS = {"templates/**.html": {"extensions": "jinja2.ext.i18n", "trim_blocks": "True", "lstrip_blocks": "True"}}


@pytest.fixture(scope="module")
def interface_strings() -> set[str]:
    """What the code and templates mark for translation, found by Babel's extractor (as `pybabel extract` does)."""
    found = set()
    for _, _, message, _, _ in extract_from_dir(str(CONSOLE), METHODS, options_map=OPTIONS):
        found.add(message if isinstance(message, str) else message[0])
    return found


@pytest.mark.parametrize("locale", sorted(set(LOCALES) - {DEFAULT_LOCALE}))
def test_every_interface_string_is_translated(interface_strings: set[str], locale: str) -> None:
    with (CATALOGS / locale / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle, locale=locale)
    translated = {m.id for m in catalog if m.id and m.string and not m.fuzzy}
    assert len(interface_strings) > 200
    assert not interface_strings - translated, sorted(interface_strings - translated)[:10]


def test_money_numbers_and_dates_follow_the_locale() -> None:
    assert Localizer("id").money(480000, "IDR") == "Rp480.000,00"
    assert Localizer("vi").money(1250000, "VND") == "1.250.000\xa0₫"
    assert Localizer("pl").money(1234.5, "PLN") == "1\xa0234,50\xa0zł"
    assert Localizer("en").money(1234.5, "USD") == "$1,234.50"
    assert Localizer("pl").number(1234567) == "1\xa0234\xa0567"
    when = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)
    assert Localizer("id").date(when) == "1 Jun 2026"
    assert Localizer("vi").date(when) == "1 thg 6, 2026"
    assert Localizer("pl").weekday(1) == "poniedziałek"
    assert Localizer("pl").country("ID") == "Indonezja"
