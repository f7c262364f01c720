"""Precomputed pools of names and addresses per country, drawn once from faker.

Generating records then only picks from these tuples with ``random.Random``, which is
orders of magnitude faster than calling faker per field per record.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from faker import Faker

from .catalog import COUNTRIES

POOL_SIZE = 400

# Common given names added to faker's pools so that nickname variants occur often enough.
_EXTRA_MALE = {
    "ID": ("Muhammad", "Muhammad", "Ahmad", "Budi", "Agus", "Rizky"),
    "VN": ("Văn Minh", "Văn Hùng", "Đức Anh", "Quốc Bảo"),
    "PL": ("Krzysztof", "Tomasz", "Piotr", "Michał", "Aleksander", "Wojciech"),
    "US": ("William", "Robert", "James", "Michael", "Richard", "Thomas", "Christopher"),
}
_EXTRA_FEMALE = {
    "ID": ("Siti", "Nur", "Dewi", "Sri", "Putri"),
    "VN": ("Thị Lan", "Thị Hương", "Ngọc Anh", "Thị Mai"),
    "PL": ("Katarzyna", "Małgorzata", "Aleksandra", "Agnieszka", "Magdalena", "Joanna"),
    "US": ("Elizabeth", "Katherine", "Jennifer", "Margaret", "Patricia", "Rebecca"),
}


@dataclass(frozen=True, slots=True)
class Address:
    street: str
    city: str
    province: str
    zip: str


@dataclass(frozen=True, slots=True)
class CountryPool:
    male: tuple[str, ...]
    female: tuple[str, ...]
    last: tuple[str, ...]
    addresses: tuple[Address, ...]
    street2: tuple[str, ...]


def _draw(code: str, locale: str, seed: int) -> CountryPool:
    fake = Faker(locale)
    fake.seed_instance(seed)
    if code == "VN":  # Vietnamese given names carry a middle name: Văn (male), Thị (female), ...
        male = [
            f"{fake.random_element(('Văn', 'Đức', 'Minh', 'Quang'))} {fake.first_name_male()}" for _ in range(POOL_SIZE)
        ]
        female = [
            f"{fake.random_element(('Thị', 'Ngọc', 'Thu', 'Bích'))} {fake.first_name_female()}"
            for _ in range(POOL_SIZE)
        ]
    else:
        male = [fake.first_name_male() for _ in range(POOL_SIZE)]
        female = [fake.first_name_female() for _ in range(POOL_SIZE)]
    male += list(_EXTRA_MALE[code]) * (POOL_SIZE // 50)
    female += list(_EXTRA_FEMALE[code]) * (POOL_SIZE // 50)
    last = [fake.last_name() for _ in range(POOL_SIZE)]
    addresses = [
        Address(fake.street_address(), fake.city(), fake.administrative_unit(), fake.postcode())
        for _ in range(POOL_SIZE * 2)
    ]
    street2 = [f"Apt {n}" for n in range(1, 60)] if code == "US" else [f"m. {n}" for n in range(1, 60)]
    return CountryPool(tuple(male), tuple(female), tuple(last), tuple(addresses), tuple(street2))


@lru_cache(maxsize=4)
def country_pools(seed: int) -> dict[str, CountryPool]:
    """Name and address pools for every country, deterministic for ``seed``."""
    return {c.code: _draw(c.code, c.locale, seed) for c in COUNTRIES}
