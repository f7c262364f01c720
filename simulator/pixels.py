"""The web shop's events as a collector lands them: one gzipped NDJSON file per UTC day of Shopify Web Pixels
standard events (``page_viewed``, ``product_viewed``, ``collection_viewed``, ``search_submitted``,
``product_added_to_cart``, ``checkout_started``, ``checkout_completed``).

Each line is the event as Web Pixels delivers it (``id``, ``name``, ``type``, ``clientId``, ``timestamp``, ``seq``,
``context``, ``data``) with the one field a collector adds: ``customer`` (``{"id": …}``, from the pixel's
``init.data.customer``) while the visitor is logged in. A day's file is written once the day is over, atomically and
dated (its modification time) at the day's end on the simulated clock, as a collector closes it; files already there
are left alone, so a loader that remembers which files it read reads only new days.

A few lines are malformed on purpose (a random stream of their own per day): cut short (``not_json``), without a
client ID (``no_client_id``), or with a timestamp that is no time (``bad_timestamp``).
"""

from __future__ import annotations

import gzip
import os
import random
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson

from .browsing import Checkout, PixelEvent, Web, handle, utc_date
from .catalog import COUNTRIES, EXPONENT, PRICE_MINOR, PRODUCTS
from .ids import shopify_order_id, web_event_id
from .money import totals
from .web import iso_utc_ms

SHOP_HOST = "shop.cdp-demo.com"
WEB_DEFECTS = ("not_json", "no_client_id", "bad_timestamp")
_LANGUAGE = {c.currency: c.locale.replace("_", "-") for c in COUNTRIES}
_USER_AGENTS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148",
)


def file_name(day: date) -> str:
    return f"events-{day.isoformat()}.ndjson.gz"


def _money(minor: int, currency: str) -> dict[str, Any]:
    return {"amount": minor / 10 ** EXPONENT[currency], "currencyCode": currency}


def _variant(product: int, currency: str) -> dict[str, Any]:
    p = PRODUCTS[product]
    return {
        "id": str(p.variant_id),
        "title": p.variant,
        "untranslatedTitle": p.variant,
        "sku": p.sku,
        "price": _money(PRICE_MINOR[currency][product], currency),
        "image": {"src": f"https://cdn.shopify.com/s/files/1/cdp/{handle(product)}.jpg"},
        "product": {
            "id": str(p.product_id),
            "title": p.title,
            "untranslatedTitle": p.title,
            "type": p.category,
            "vendor": p.vendor,
            "url": f"/products/{handle(product)}",
        },
    }


def _checkout(checkout: Checkout) -> dict[str, Any]:
    currency = checkout.currency
    prices = PRICE_MINOR[currency]
    lines = [
        {
            "id": f"{checkout.token[:12]}-{i}",
            "quantity": quantity,
            "title": PRODUCTS[product].title,
            "variant": _variant(product, currency),
            "finalLinePrice": _money(prices[product] * quantity, currency),
        }
        for i, (product, quantity) in enumerate(checkout.lines)
    ]
    subtotal = sum(prices[product] * quantity for product, quantity in checkout.lines)
    total = totals(checkout.order).total if checkout.order is not None else subtotal
    data: dict[str, Any] = {
        "token": checkout.token,
        "currencyCode": currency,
        "email": checkout.email,
        "lineItems": lines,
        "subtotalPrice": _money(subtotal, currency),
        "totalPrice": _money(total, currency),
    }
    if checkout.order is not None:
        data["order"] = {"id": str(shopify_order_id(checkout.order.seq)), "customer": {"id": str(checkout.customer_id)}}
    if checkout.delivery is not None:
        kind, title = checkout.delivery
        free = _money(0, currency)
        data["delivery"] = {
            "selectedDeliveryOptions": [
                {
                    "type": kind,
                    "title": title,
                    "handle": kind,
                    "description": title,
                    "cost": free,
                    "costAfterDiscounts": free,
                }
            ]
        }
        data["shippingLine"] = {"price": free}
    return data


def render(event: PixelEvent) -> dict[str, Any]:
    """The event as the collector writes it (one line of a day's file)."""
    path, _, search = event.path.partition("?")
    detail = event.detail
    data: dict[str, Any]
    if event.name == "product_viewed":
        data = {"productVariant": _variant(detail[0], event.currency)}
    elif event.name == "collection_viewed":
        category = detail[0]
        variants = [_variant(p.index, event.currency) for p in PRODUCTS if p.category == category][:4]
        data = {"collection": {"id": category, "title": category.title(), "productVariants": variants}}
    elif event.name == "search_submitted":
        term, results = detail
        data = {"searchResult": {"query": term, "productVariants": [_variant(p, event.currency) for p in results]}}
    elif event.name == "product_added_to_cart":
        product, quantity = detail
        line_total = PRICE_MINOR[event.currency][product] * quantity
        data = {
            "cartLine": {
                "cost": {"totalAmount": _money(line_total, event.currency)},
                "merchandise": _variant(product, event.currency),
                "quantity": quantity,
            }
        }
    elif event.name in ("checkout_started", "checkout_completed"):
        data = {"checkout": _checkout(detail[0])}
    else:
        data = {}
    record: dict[str, Any] = {
        "id": web_event_id(event.number),
        "name": event.name,
        "type": "standard",
        "clientId": event.client,
        "timestamp": iso_utc_ms(event.ts),
        "seq": event.seq,
        "context": {
            "document": {
                "location": {
                    "href": f"https://{SHOP_HOST}{event.path}",
                    "host": SHOP_HOST,
                    "pathname": path,
                    "search": f"?{search}" if search else "",
                },
                "referrer": event.referrer or "",
                "title": f"CDP Demo Shop {path}",
                "characterSet": "UTF-8",
            },
            "navigator": {
                "language": _LANGUAGE[event.currency],
                "cookieEnabled": True,
                "userAgent": _USER_AGENTS[int(event.client[-1], 16) % 3 != 0],  # two devices in three are phones
            },
        },
        "data": data,
    }
    if event.customer_id is not None:
        record["customer"] = {"id": str(event.customer_id)}
    return record


def _defects(web: Web, day: date, events: list[PixelEvent]) -> list[str | None]:
    """The defect of each of the day's lines (None for most), from the day's own random stream."""
    rng = random.Random(f"{web.seed}:malformed:web:{day.isoformat()}")
    return [rng.choice(WEB_DEFECTS) if rng.random() < web.malformed_rate else None for _ in events]


def _malformed_key(day: date, line_number: int, event: PixelEvent, defect: str) -> str:
    """How the loader names a malformed line: its event ID, or where it is when the line cannot be read."""
    return f"{file_name(day)}:{line_number}" if defect == "not_json" else web_event_id(event.number)


def _line(event: PixelEvent, defect: str | None) -> bytes:
    record = render(event)
    if defect == "no_client_id":
        del record["clientId"]
    elif defect == "bad_timestamp":
        record["timestamp"] = "N/A"
    line = orjson.dumps(record)
    return line[: len(line) // 2] if defect == "not_json" else line


def _day_end(day: date) -> int:
    return int(datetime.combine(day + timedelta(days=1), datetime.min.time(), UTC).timestamp())


def finished_days(
    web: Web, settled: frozenset[date] = frozenset()
) -> Iterator[tuple[date, list[PixelEvent], list[str | None]]]:
    """(UTC day, its events in time order, each line's defect) of every day the world's clock has seen end, except
    the `settled` ones, whose simulated days are not drawn again where no other day needs them."""

    def needed(k: int) -> bool:
        # A simulated day's events fall on the UTC day it starts on and the next; a day either side is kept as margin.
        first = utc_date(web.day_start(k))
        return any(first + timedelta(days=offset) not in settled for offset in range(-1, 3))

    complete_before = utc_date(web.world.now)
    pending: dict[date, list[PixelEvent]] = defaultdict(list)
    for k, events in web.days(needed):
        for event in events:
            pending[utc_date(event.ts)].append(event)
        # A UTC day's events come from the simulated day that starts on it (at 02:00) and the one before: it is
        # complete once its own simulated day is drawn.
        finished = utc_date(web.day_start(k))
        for day in sorted(d for d in pending if d <= finished and d < complete_before):
            events_of_day = sorted(pending.pop(day), key=lambda e: (e.ts, e.number))
            if day not in settled:
                yield day, events_of_day, _defects(web, day, events_of_day)


def write_landing(web: Web, folder: Path, defects_folder: Path) -> list[tuple[str, str, str, str]]:
    """Writes every finished day's file missing from ``folder``; returns the malformed lines of every finished day
    (``source_system, entity, source_record_id, defect``), written now or before.

    The malformed lines of each day written are kept in ``defects_folder``, one JSON file per day: a day whose file
    and defects are both there is not drawn again (at 100,000 people, drawing every past day again took a fifth of
    the simulator's start)."""
    folder.mkdir(parents=True, exist_ok=True)
    defects_folder.mkdir(parents=True, exist_ok=True)
    by_day: dict[date, list[tuple[str, str, str, str]]] = {}
    for kept in defects_folder.glob("*.json"):
        day = date.fromisoformat(kept.stem)
        if (folder / file_name(day)).exists():
            by_day[day] = [tuple(line) for line in orjson.loads(kept.read_bytes())]
    for day, events, defects in finished_days(web, frozenset(by_day)):
        by_day[day] = [
            ("web", "event", _malformed_key(day, number, event, defect), defect)
            for number, (event, defect) in enumerate(zip(events, defects, strict=True), start=1)
            if defect
        ]
        target = folder / file_name(day)
        if not target.exists():
            tmp = folder / f".{file_name(day)}.tmp"
            with gzip.open(tmp, "wb", compresslevel=6) as out:
                for event, defect in zip(events, defects, strict=True):
                    out.write(_line(event, defect) + b"\n")
            os.replace(tmp, target)
            os.utime(target, (_day_end(day), _day_end(day)))
        kept = defects_folder / f"{day.isoformat()}.json"
        kept.with_suffix(".tmp").write_bytes(orjson.dumps(by_day[day]))
        os.replace(kept.with_suffix(".tmp"), kept)
    return [line for day in sorted(by_day) for line in by_day[day]]
