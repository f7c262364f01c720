"""What every request of one console shares: its store, the analytics copy, the login throttle and the templates."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import jinja2

from cdp_orchestration.console.analytics import AnalyticsCopy
from cdp_orchestration.console.i18n import LOCALES, Localizer, translations
from cdp_orchestration.console.queries.identity import FIELD_WORDS, PairExplainer
from cdp_orchestration.console.store import ConsoleStore
from cdp_orchestration.console.throttle import Throttle
from cdp_orchestration.console.words import word
from resolution import override_files

TEMPLATES = Path(__file__).with_name("templates")


def _environment(locale: str) -> jinja2.Environment:
    """One Jinja environment per locale: autoescaping everything, its catalog installed, its formats as filters."""
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.install_gettext_translations(translations(locale), newstyle=True)
    l10n = Localizer(locale)
    environment.filters.update(
        number=l10n.number,
        money=l10n.money,
        percent=l10n.percent,
        probability=l10n.probability,
        date=l10n.date,
        datetime=l10n.datetime,
        weekday=l10n.weekday,
        word=lambda value, group: word(l10n, group, value),
    )
    environment.globals.update(l10n=l10n, locales=LOCALES, field_words=FIELD_WORDS)
    return environment


@dataclass
class ConsoleState:
    home: Path
    store: ConsoleStore
    copy: AnalyticsCopy

    @cached_property
    def throttle(self) -> Throttle:
        return Throttle(self.store, self.store.session_key())

    @cached_property
    def environments(self) -> dict[str, jinja2.Environment]:
        return {locale: _environment(locale) for locale in LOCALES}

    def explainer(self) -> PairExplainer:
        """Read afresh per request: the model is rewritten by the night, the decisions by any analyst."""
        return PairExplainer.load(self.home / "identity" / "model.json", override_files())
