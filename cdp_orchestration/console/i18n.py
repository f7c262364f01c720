"""The console's languages: interface text from gettext catalogs (Babel), numbers, money and dates by Babel's
CLDR data for the reader's locale.

Catalogs are the `.po` files under `locales/`, compiled in memory at start (Babel's own compiler), so a fresh clone
needs no build step. To add a string: mark it (`{{ _("…") }}` / `{% trans %}` in templates, `gettext("…")` or
`N_("…")` in Python), then, in this folder, `pybabel extract -F babel.cfg -o locales/messages.pot --no-location .`
and `pybabel update -i locales/messages.pot -d locales`, and translate (a test fails while a string is untranslated).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path

from babel import Locale, dates, numbers, support
from babel.core import negotiate_locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALES = {"en": "English", "id": "Bahasa Indonesia", "vi": "Tiếng Việt", "pl": "Polski"}
DEFAULT_LOCALE = "en"
CATALOGS = Path(__file__).with_name("locales")
DOMAIN = "messages"


def N_(message: str) -> str:  # noqa: N802 — gettext's name for "mark for translation, translate later"
    return message


@cache
def translations(locale: str) -> support.NullTranslations:
    """The compiled catalog of `locale` (English is the source text itself)."""
    if locale == DEFAULT_LOCALE:
        return support.NullTranslations()
    po = CATALOGS / locale / "LC_MESSAGES" / f"{DOMAIN}.po"
    with po.open("rb") as handle:
        catalog = read_po(handle, locale=locale, domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return support.Translations(compiled, domain=DOMAIN)


def negotiate(accept_language: str | None) -> str:
    """The best of the console's locales for a browser's Accept-Language header."""
    preferred = [part.split(";")[0].strip().replace("-", "_") for part in (accept_language or "").split(",")]
    return negotiate_locale([p for p in preferred if p], list(LOCALES), sep="_") or DEFAULT_LOCALE


@dataclass(frozen=True)
class Localizer:
    """Text and formats for one locale; the templates get its methods as `_`, `ngettext` and filters."""

    locale: str

    @property
    def _translations(self) -> support.NullTranslations:
        return translations(self.locale)

    def gettext(self, message: str) -> str:
        return self._translations.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self._translations.ngettext(singular, plural, n)

    def number(self, value: float | int | None, digits: int = 0) -> str:
        if value is None:
            return "—"
        pattern = "#,##0" + ("." + "0" * digits if digits else "")
        return numbers.format_decimal(value, format=pattern, locale=self.locale)

    def money(self, amount: float | None, currency: str | None) -> str:
        """An amount in its own currency (IDR, VND, PLN, USD, …) as this locale writes it."""
        if amount is None:
            return "—"
        if not currency:
            return self.number(amount, 2)
        return numbers.format_currency(amount, currency, locale=self.locale)

    def percent(self, share: float | None, digits: int = 1) -> str:
        if share is None:
            return "—"
        pattern = "#,##0" + ("." + "0" * digits if digits else "") + "%"
        return numbers.format_percent(share, format=pattern, locale=self.locale)

    def date(self, value: date | datetime | None) -> str:
        if value is None:
            return "—"
        if isinstance(value, datetime):
            value = value.astimezone(UTC).date() if value.tzinfo else value.date()
        return dates.format_date(value, format="medium", locale=self.locale)

    def datetime(self, value: datetime | None) -> str:
        """Times are stored in UTC and shown in UTC, labelled so."""
        if value is None:
            return "—"
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return dates.format_datetime(value, format="medium", tzinfo=UTC, locale=self.locale) + " UTC"

    def probability(self, value: float | None) -> str:
        """A probability in percent; one that rounds to 100 % but is not certain reads "> 99.9 %"."""
        if value is None:
            return "—"
        if 0.999 < value < 1:
            return "> " + self.percent(0.999)
        return self.percent(value)

    def country(self, code: str | None) -> str | None:
        """An ISO 3166 country code by its name in this locale (the code itself when unknown)."""
        if not code:
            return None
        return Locale.parse(self.locale).territories.get(code.upper(), code)

    def weekday(self, iso_day: int | None) -> str:
        """ISO day of week (1 Monday … 7 Sunday) by name."""
        if iso_day is None:
            return "—"
        return dates.get_day_names("wide", locale=self.locale)[(iso_day - 1) % 7]

    def plotly_separators(self) -> str:
        """Plotly's `separators`: this locale's decimal mark, then its thousands separator."""
        locale = Locale.parse(self.locale)
        return numbers.get_decimal_symbol(locale) + numbers.get_group_symbol(locale)

    def plotly_locale(self) -> dict[str, object]:
        """A plotly.js locale (month and day names on date axes) from Babel's CLDR data: the plotly wheel ships
        plotly.js without its locale files."""

        def names(kind: str, width: str, keys: list[int]) -> list[str]:
            found = (dates.get_month_names if kind == "months" else dates.get_day_names)(width, locale=self.locale)
            return [found[key] for key in keys]

        sunday_first = [6, 0, 1, 2, 3, 4, 5]  # plotly's weeks start on Sunday; Babel's keys start on Monday (0)
        return {
            "format": {
                "months": names("months", "wide", list(range(1, 13))),
                "shortMonths": names("months", "abbreviated", list(range(1, 13))),
                "days": names("days", "wide", sunday_first),
                "shortDays": names("days", "abbreviated", sunday_first),
                "decimal": numbers.get_decimal_symbol(self.locale),
                "thousands": numbers.get_group_symbol(self.locale),
            }
        }
