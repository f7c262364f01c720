"""Static reference data: countries, stores (Square locations), products and prices."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from .config import DAY_SECONDS, EPOCH_START


@dataclass(frozen=True, slots=True)
class Country:
    code: str  # ISO 3166-1 alpha-2
    name: str
    locale: str  # faker locale
    currency: str
    exponent: int  # ISO 4217 minor-unit exponent as Square uses it
    calling_code: str
    timezone: str
    share: float  # share of the population
    fx_per_usd: float
    price_step: int  # prices are rounded to multiples of this many major units (0 = cents .99)
    vat: float
    mail_domains: tuple[str, ...]


COUNTRIES: tuple[Country, ...] = (
    Country(
        "ID",
        "Indonesia",
        "id_ID",
        "IDR",
        2,
        "62",
        "Asia/Jakarta",
        0.35,
        16_000,
        1000,
        0.11,
        ("gmail.com", "gmail.com", "yahoo.co.id", "yahoo.com", "outlook.com"),
    ),
    Country(
        "VN",
        "Vietnam",
        "vi_VN",
        "VND",
        0,
        "84",
        "Asia/Ho_Chi_Minh",
        0.20,
        25_000,
        1000,
        0.10,
        ("gmail.com", "gmail.com", "yahoo.com.vn", "outlook.com"),
    ),
    Country(
        "PL",
        "Poland",
        "pl_PL",
        "PLN",
        2,
        "48",
        "Europe/Warsaw",
        0.20,
        4.0,
        0,
        0.23,
        ("gmail.com", "wp.pl", "onet.pl", "o2.pl", "interia.pl"),
    ),
    Country(
        "US",
        "United States",
        "en_US",
        "USD",
        2,
        "1",
        "America/New_York",
        0.25,
        1.0,
        0,
        0.0,
        ("gmail.com", "gmail.com", "yahoo.com", "hotmail.com", "outlook.com", "icloud.com"),
    ),
)
COUNTRY_BY_CODE = {c.code: c for c in COUNTRIES}


@dataclass(frozen=True, slots=True)
class Store:
    index: int
    location_id: str  # Square location id
    name: str
    country: str
    timezone: str
    address_line_1: str
    locality: str
    district: str
    postal_code: str


STORES: tuple[Store, ...] = (
    Store(
        0,
        "L8JKW0Q3ZT1AY",
        "Jakarta Grand Indonesia",
        "ID",
        "Asia/Jakarta",
        "Jl. M.H. Thamrin No. 1",
        "Jakarta Pusat",
        "DKI Jakarta",
        "10310",
    ),
    Store(
        1,
        "L4M2X7NBQ9D5E",
        "Surabaya Tunjungan Plaza",
        "ID",
        "Asia/Jakarta",
        "Jl. Basuki Rahmat No. 8-12",
        "Surabaya",
        "Jawa Timur",
        "60261",
    ),
    Store(
        2, "LQ5R8T1VW3H6K", "Hà Nội Hoàn Kiếm", "VN", "Asia/Ho_Chi_Minh", "12 Tràng Tiền", "Hà Nội", "Hà Nội", "100000"
    ),
    Store(
        3,
        "LZ9C4G6J2P8S0",
        "TP. Hồ Chí Minh Quận 1",
        "VN",
        "Asia/Ho_Chi_Minh",
        "72 Lê Thánh Tôn",
        "Hồ Chí Minh",
        "Hồ Chí Minh",
        "700000",
    ),
    Store(
        4,
        "LB3N7F1Y5M9R2",
        "Warszawa Złote Tarasy",
        "PL",
        "Europe/Warsaw",
        "ul. Złota 59",
        "Warszawa",
        "mazowieckie",
        "00-120",
    ),
    Store(
        5,
        "LH6D0K4T8W2X5",
        "Kraków Galeria Krakowska",
        "PL",
        "Europe/Warsaw",
        "ul. Pawia 5",
        "Kraków",
        "małopolskie",
        "31-154",
    ),
    Store(6, "LV1S5Q9E3A7U4", "New York SoHo", "US", "America/New_York", "451 Broadway", "New York", "NY", "10013"),
    Store(
        7,
        "LP2G8Z6C0J4N1",
        "Los Angeles Melrose",
        "US",
        "America/Los_Angeles",
        "8000 Melrose Ave",
        "Los Angeles",
        "CA",
        "90046",
    ),
)
STORES_BY_COUNTRY = {c.code: tuple(s for s in STORES if s.country == c.code) for c in COUNTRIES}


@dataclass(frozen=True, slots=True)
class Product:
    index: int
    product_id: int  # Shopify product id
    variant_id: int  # Shopify variant id
    catalog_id: str  # Square catalog object id (item variation)
    sku: str
    title: str
    variant: str
    category: str
    vendor: str
    usd: float


_PRODUCTS: tuple[tuple[str, str, str, str, float], ...] = (
    ("Running Shoes Aero", "42", "sportswear", "Stride", 120.0),
    ("Trail Running Shoes", "43", "sportswear", "Stride", 140.0),
    ("Training Leggings", "M", "sportswear", "Pulse", 55.0),
    ("Sports Bra Flex", "S", "sportswear", "Pulse", 40.0),
    ("Dri Tee", "L", "sportswear", "Pulse", 25.0),
    ("Track Jacket", "M", "sportswear", "Stride", 85.0),
    ("Training Shorts", "M", "sportswear", "Pulse", 30.0),
    ("Yoga Mat", "Standard", "sportswear", "Lotus", 45.0),
    ("Swim Goggles", "One size", "sportswear", "Wave", 18.0),
    ("Cycling Jersey", "L", "sportswear", "Wave", 70.0),
    ("Linen Shirt", "M", "apparel", "Atelier", 60.0),
    ("Slim Jeans", "32", "apparel", "Atelier", 75.0),
    ("Cotton Hoodie", "L", "apparel", "Atelier", 65.0),
    ("Summer Dress", "S", "apparel", "Atelier", 80.0),
    ("Batik Shirt", "L", "apparel", "Nusantara", 50.0),
    ("Rain Jacket", "M", "apparel", "Atelier", 95.0),
    ("Wool Sweater", "M", "apparel", "Atelier", 90.0),
    ("Chino Trousers", "32", "apparel", "Atelier", 55.0),
    ("Leather Sneakers", "41", "footwear", "Stride", 110.0),
    ("Canvas Slip-ons", "40", "footwear", "Stride", 45.0),
    ("Sandals", "39", "footwear", "Stride", 35.0),
    ("Ankle Boots", "38", "footwear", "Stride", 150.0),
    ("Backpack 20L", "Black", "accessories", "Carry", 60.0),
    ("Water Bottle", "750 ml", "accessories", "Carry", 15.0),
    ("Cap", "One size", "accessories", "Carry", 20.0),
    ("Sunglasses", "Black", "accessories", "Carry", 85.0),
    ("Leather Belt", "M", "accessories", "Carry", 35.0),
    ("Sports Socks 3-pack", "M", "accessories", "Pulse", 12.0),
    ("Smart Watch Strap", "Black", "accessories", "Carry", 25.0),
    ("Tote Bag", "Natural", "accessories", "Carry", 22.0),
    ("Face Serum", "30 ml", "beauty", "Glow", 38.0),
    ("Sunscreen SPF50", "50 ml", "beauty", "Glow", 18.0),
    ("Lip Balm", "Mint", "beauty", "Glow", 6.0),
    ("Hand Cream", "75 ml", "beauty", "Glow", 12.0),
    ("Perfume Oud", "50 ml", "beauty", "Glow", 95.0),
    ("Scented Candle", "Vanilla", "home", "Hearth", 28.0),
    ("Throw Blanket", "Grey", "home", "Hearth", 60.0),
    ("Ceramic Mug", "White", "home", "Hearth", 14.0),
    ("Coffee Beans 250g", "Arabica", "home", "Hearth", 16.0),
    ("Gift Card", "Digital", "gift", "Store", 50.0),
)

PRODUCTS: tuple[Product, ...] = tuple(
    Product(
        index=i,
        product_id=8_100_000_000_000 + i * 1_117,
        variant_id=45_300_000_000_000 + i * 2_311,
        catalog_id=f"VAR{(i * 7919 + 104729):06d}XQ{i:02d}".upper(),
        sku=f"SKU-{1000 + i}",
        title=title,
        variant=variant,
        category=category,
        vendor=vendor,
        usd=usd,
    )
    for i, (title, variant, category, vendor, usd) in enumerate(_PRODUCTS)
)
SPORTSWEAR = tuple(p.index for p in PRODUCTS if p.category == "sportswear")
# Categories a customer may favourite (a gift card is bought for someone else), and their products.
TASTES = tuple(sorted({p.category for p in PRODUCTS} - {"gift"}))
PRODUCTS_BY_CATEGORY = {c: tuple(p.index for p in PRODUCTS if p.category == c) for c in TASTES}
_BY_TITLE = {p.title: p.index for p in PRODUCTS}
# What sells together: who buys the first often takes the second in the same order (refills, outfits, bundles).
COMPLEMENTS: dict[int, int] = {
    _BY_TITLE[a]: _BY_TITLE[b]
    for a, b in (
        ("Running Shoes Aero", "Sports Socks 3-pack"),
        ("Trail Running Shoes", "Water Bottle"),
        ("Yoga Mat", "Training Leggings"),
        ("Sports Bra Flex", "Training Shorts"),
        ("Cycling Jersey", "Sunglasses"),
        ("Summer Dress", "Sandals"),
        ("Slim Jeans", "Leather Belt"),
        ("Rain Jacket", "Backpack 20L"),
        ("Coffee Beans 250g", "Ceramic Mug"),
        ("Face Serum", "Hand Cream"),
        ("Sunscreen SPF50", "Cap"),
        ("Throw Blanket", "Scented Candle"),
    )
}


def _local_price_minor(usd: float, country: Country) -> int:
    """A product's shelf price in the country's minor units, rounded the way shops price."""
    major = usd * country.fx_per_usd
    if country.price_step:
        major = max(country.price_step, round(major / country.price_step) * country.price_step)
        return int(major * 10**country.exponent)
    return int(round(major)) * 100 - 1  # 39.99 style


PRICE_MINOR: dict[str, tuple[int, ...]] = {
    c.currency: tuple(_local_price_minor(p.usd, c) for p in PRODUCTS) for c in COUNTRIES
}
EXPONENT = {c.currency: c.exponent for c in COUNTRIES}


def utc_offsets(timezone: str, days: int) -> list[int]:
    """UTC offset in seconds of ``timezone`` at noon of each absolute day 0..days-1."""
    zone = ZoneInfo(timezone)
    offsets = []
    for k in range(days):
        moment = datetime.fromtimestamp(EPOCH_START + k * DAY_SECONDS + 10 * 3600, UTC).astimezone(zone)
        offset = moment.utcoffset()
        offsets.append(int(offset.total_seconds()) if offset else 0)
    return offsets
