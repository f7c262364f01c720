"""Alerts through Apprise to a loopback receiver: one per kind of problem, told once per episode."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from operations import Finding, notify
from tests.operations.receiver import Receiver, receiver

SINCE = datetime(2026, 7, 1, 2, 0, tzinfo=UTC)
ALL_KINDS = {"night", "freshness", "quarantine", "exports", "identity", "disk"}


def finding(kind: str, subject: str) -> Finding:
    return Finding(kind, subject, f"{subject} went wrong", SINCE, ".venv/bin/cdp status")


@pytest.fixture
def target(in_home: Callable[[Path], None], tmp_path: Path) -> Iterator[Receiver]:
    in_home(tmp_path / "home")
    with receiver() as running:
        yield running


def test_one_alert_per_kind_with_what_since_when_and_where_to_look(target: Receiver) -> None:
    found = [finding("freshness", "shopify"), finding("freshness", "square"), finding("night", "failed")]
    sent = notify(found, ALL_KINDS, urls=[target.url("ops")])
    assert [alert.kind for alert in sent] == ["night", "freshness"]
    delivered = target.take("ops")
    assert len(delivered) == 2
    freshness = next(d for d in delivered if "sent nothing new" in d["title"])
    assert "shopify went wrong" in freshness["message"] and "square went wrong" in freshness["message"]
    assert "Since: 2026-07-01 02:00 UTC" in freshness["message"]
    assert "Look further: .venv/bin/cdp status" in freshness["message"]


def test_an_open_problem_is_not_told_again(target: Receiver) -> None:
    url = [target.url("ops")]
    notify([finding("disk", "/srv")], ALL_KINDS, urls=url)
    for _ in range(3):
        assert notify([finding("disk", "/srv")], ALL_KINDS, urls=url) == []
    assert len(target.take("ops")) == 1


def test_a_problem_that_ends_and_comes_back_is_news_again(target: Receiver) -> None:
    url = [target.url("ops")]
    notify([finding("exports", "mailchimp")], ALL_KINDS, urls=url)
    notify([], ALL_KINDS, urls=url)  # the next check finds it gone: the episode closes, silently
    notify([finding("exports", "mailchimp")], ALL_KINDS, urls=url)
    assert len(target.take("ops")) == 2


def test_a_kind_the_check_could_not_look_at_stays_open(target: Receiver) -> None:
    url = [target.url("ops")]
    notify([finding("quarantine", "hubspot")], ALL_KINDS, urls=url)
    notify([], {"night", "disk"}, urls=url)  # the analytics copy could not be read: quarantine unknown
    notify([finding("quarantine", "hubspot")], ALL_KINDS, urls=url)
    assert len(target.take("ops")) == 1


def test_an_alert_no_target_took_is_tried_again(target: Receiver) -> None:
    with receiver() as gone:
        dead = gone.url("ops")
    assert notify([finding("night", "failed")], ALL_KINDS, urls=[dead]) == []
    assert len(notify([finding("night", "failed")], ALL_KINDS, urls=[target.url("ops")])) == 1


def test_targets_come_from_the_dlt_configuration(target: Receiver, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALERTS__URLS", f'["{target.url("a")}", "{target.url("b")}"]')
    notify([finding("night", "failed")], ALL_KINDS)
    assert len(target.take("a")) == len(target.take("b")) == 1


def test_without_targets_nothing_is_sent_or_remembered(target: Receiver, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ALERTS__URLS", raising=False)
    assert notify([finding("night", "failed")], ALL_KINDS) == []
    assert len(notify([finding("night", "failed")], ALL_KINDS, urls=[target.url("ops")])) == 1
