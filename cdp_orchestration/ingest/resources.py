"""Where each source system and the email tool are reached: their configured URL and credential, or the simulator."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import dlt
import requests
from dagster import ConfigurableResource, InitResourceContext
from pydantic import PrivateAttr

from cdp_orchestration.settings import SOURCES, cdp_home, simulated_people, simulated_seed

# The simulator accepts any token; a recognisable one keeps logs honest about what was used.
SIMULATOR_TOKEN = "simulator-token"
# API destinations resolved like the sources; each is served by the simulator under its real path prefix.
DESTINATIONS = {"mailchimp": "/3.0"}


class SourceConfigurationError(RuntimeError):
    """A source is configured wrongly, unreachable or refuses its credential; the message says what to fix."""


@dataclass(frozen=True)
class Connection:
    source: str
    base_url: str
    access_token: str
    simulated: bool


def _configured(section: str, name: str, secret: str) -> Connection | None:
    """`<section>.<name>.base_url` and its secret, configured the dlt way; None when no base URL is set."""
    base_url = dlt.config.get(f"{section}.{name}.base_url")
    if not base_url:
        return None
    credential = dlt.secrets.get(f"{section}.{name}.{secret}")
    if not credential:
        raise SourceConfigurationError(
            f"{section}.{name}.base_url is set to {base_url} but {section}.{name}.{secret} is not. "
            f"Put it in .dlt/secrets.toml under [{section}.{name}] or in "
            f"{section.upper()}__{name.upper()}__{secret.upper()}, or unset the base URL to use the simulator."
        )
    return Connection(name, str(base_url).rstrip("/"), str(credential), simulated=False)


def configured_connection(source: str) -> Connection | None:
    """The source system configured in `sources.<source>` (base_url, access_token), or None."""
    return _configured("sources", source, "access_token")


def configured_destination(destination: str) -> Connection | None:
    """The API destination configured in `destinations.<name>` (base_url, api_key), or None."""
    return _configured("destinations", destination, "api_key")


def source_clock(connection: Connection, timeout_seconds: float = 15.0) -> datetime:
    """The source's own time, from the HTTP `Date` header of its answer (the wall clock if it sends none).

    Also the reachability check: an unreachable source stops the run here with a message that says so.
    """
    try:
        response = requests.get(connection.base_url, timeout=timeout_seconds)
    except requests.RequestException as error:
        raise SourceConfigurationError(
            f"The {connection.source} source at {connection.base_url} cannot be reached ({type(error).__name__}). "
            f"Check sources.{connection.source}.base_url and the network, or unset it to use the simulator."
        ) from error
    date = response.headers.get("Date")
    return parsedate_to_datetime(date).astimezone(UTC) if date else datetime.now(UTC)


class SourceSystems(ConfigurableResource):
    """The source systems and the email tool for one run; one bundled simulator serves whichever is not configured."""

    _connections: dict[str, Connection] = PrivateAttr(default_factory=dict)
    _destinations: dict[str, Connection] = PrivateAttr(default_factory=dict)

    @contextmanager
    def yield_for_execution(self, context: InitResourceContext) -> Iterator[SourceSystems]:
        with ExitStack() as stack:
            connections = {source: configured_connection(source) for source in SOURCES}
            destinations = {name: configured_destination(name) for name in DESTINATIONS}
            if not all(connections.values()) or not all(destinations.values()):
                from dlt_sources.simulator import running_simulator

                base_url = stack.enter_context(
                    running_simulator(home=cdp_home(), people=simulated_people(), seed=simulated_seed())
                )
                if context.log:
                    context.log.info(f"Simulator serving unconfigured sources at {base_url}")
                for source, connection in connections.items():
                    if connection is None:
                        connections[source] = Connection(source, base_url, SIMULATOR_TOKEN, simulated=True)
                for name, destination in destinations.items():
                    if destination is None:
                        destinations[name] = Connection(
                            name, base_url + DESTINATIONS[name], SIMULATOR_TOKEN, simulated=True
                        )
            self._connections = connections  # type: ignore[assignment]
            self._destinations = destinations  # type: ignore[assignment]
            yield self

    def connection(self, source: str) -> Connection:
        return self._connections[source]

    def destination(self, name: str) -> Connection:
        """The API destination `name` (e.g. mailchimp): its base URL (…/3.0) and API key."""
        return self._destinations[name]
