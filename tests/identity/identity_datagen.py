"""A realistic synthetic population of source person records with the truth, for identity tests.

Multi-locale (Indonesia, Vietnam, Poland, US) households seen through three systems: a till (``square``:
first name and phone, placeholders typed to get past mandatory fields), a web shop (``shopify``: names,
email, address) and a CRM (``hubspot``: most fields, birth dates). Households share an address, often a
phone and sometimes a family email. Records carry the noise sources type: case, stripped accents, typos,
nicknames, family-name-first full names, swapped fields, local/international phone formats.

Independent of the project's simulator on purpose. Name pools come from Faker once; the population is
drawn with numpy, so a million records take well under a minute.
"""

from __future__ import annotations

import random
import unicodedata

import numpy as np
import pandas as pd
from faker import Faker

LOCALES = {"ID": "id_ID", "VN": "vi_VN", "PL": "pl_PL", "US": "en_US"}
COUNTRY_WEIGHTS = {"ID": 0.3, "VN": 0.25, "PL": 0.2, "US": 0.25}

VN_FAMILY = (
    ["Nguyễn"] * 38
    + ["Trần"] * 11
    + ["Lê"] * 9
    + ["Phạm"] * 7
    + ["Hoàng"] * 5
    + ["Huỳnh"] * 5
    + ["Phan"] * 4
    + ["Vũ"] * 4
    + ["Võ"] * 3
    + ["Đặng"] * 2
    + ["Bùi"] * 2
    + ["Đỗ"] * 2
    + ["Hồ"] * 2
    + ["Ngô", "Dương", "Lý", "Đinh", "Trương", "Lâm", "Mai", "Tô", "Cao", "Đoàn"]
)
VN_MIDDLE_M = ["Văn"] * 6 + ["Đức", "Minh", "Quang", "Hữu", "Thành", "Công", "Xuân"]
VN_MIDDLE_F = ["Thị"] * 6 + ["Ngọc", "Thu", "Thanh", "Kim", "Minh", "Hồng", "Phương"]
NICK = {
    "William": "Bill",
    "Robert": "Bob",
    "Richard": "Rick",
    "James": "Jim",
    "Michael": "Mike",
    "Thomas": "Tom",
    "Christopher": "Chris",
    "Daniel": "Dan",
    "Matthew": "Matt",
    "Anthony": "Tony",
    "Elizabeth": "Liz",
    "Margaret": "Maggie",
    "Katherine": "Kate",
    "Jennifer": "Jen",
    "Joseph": "Joe",
    "Katarzyna": "Kasia",
    "Małgorzata": "Gosia",
    "Aleksandra": "Ola",
    "Agnieszka": "Aga",
    "Magdalena": "Magda",
    "Joanna": "Asia",
    "Zofia": "Zosia",
    "Krzysztof": "Krzysiek",
    "Tomasz": "Tomek",
    "Jakub": "Kuba",
    "Wojciech": "Wojtek",
    "Bartłomiej": "Bartek",
    "Muhammad": "Muh.",
    "Anna": "Ania",
    "Piotr": "Piotrek",
}
# Spelling variants and short forms that parents would not give to two children of one family.
_NICK_OF = {
    **{v: k for k, v in NICK.items()},
    "Kim": "Kimberly",
    "Steven": "Stephen",
    "Jon": "John",
    "Catherine": "Katherine",
    "Kathryn": "Katherine",
    "Christina": "Christine",
    "Debra": "Deborah",
    "Ben": "Benjamin",
    "Sam": "Samuel",
    "Chris": "Christopher",
    "Alex": "Alexander",
}
DOMAINS = {
    "ID": ["gmail.com"] * 6 + ["yahoo.co.id", "yahoo.com", "hotmail.com", "outlook.com"],
    "VN": ["gmail.com"] * 7 + ["yahoo.com", "yahoo.com.vn", "hotmail.com"],
    "PL": ["gmail.com"] * 3 + ["wp.pl", "onet.pl", "o2.pl", "interia.pl", "op.pl"],
    "US": ["gmail.com"] * 4 + ["yahoo.com", "hotmail.com", "outlook.com", "aol.com", "icloud.com"],
}
US_AREA = ["212", "415", "312", "617", "305", "713", "206", "303", "404", "503", "602", "702", "214", "646"]
PLACEHOLDER_PHONES = ["0000000000", "0000", "1234567890", "-", "n/a", "0800000000", "9999999999"]
PLACEHOLDER_EMAILS = ["noemail@store.com", "none@none.com", "no@email.com", "n/a", "-", "test@test.com"]
PLACEHOLDER_NAMES = ["-", "Customer", "n/a", "Guest"]


def _strip_accents(s: str) -> str:
    s = s.replace("Đ", "D").replace("đ", "d").replace("Ł", "L").replace("ł", "l")
    return "".join(c for c in unicodedata.normalize("NFKD", s) if not unicodedata.combining(c))


def _pools(seed: int) -> dict[str, dict[str, list[str]]]:
    pools: dict[str, dict[str, list[str]]] = {}
    for c, loc in LOCALES.items():
        f = Faker(loc)
        f.seed_instance(seed)
        p = {
            "m": [f.first_name_male() for _ in range(1500)],
            "f": [f.first_name_female() for _ in range(1500)],
            "last": [f.last_name() for _ in range(1500)],
            "street": [f.street_name() for _ in range(800)],
            "city": [f.city() for _ in range(300)],
        }
        if c == "PL":
            p["last_m"] = [f.last_name_male() for _ in range(1500)]
            p["last_f"] = [_female_pl(x) for x in p["last_m"]]
        pools[c] = p
    return pools


def _female_pl(s: str) -> str:
    for a, b in (("ski", "ska"), ("cki", "cka"), ("dzki", "dzka")):
        if s.endswith(a):
            return s[: -len(a)] + b
    return s


def _typo(rng: random.Random, s: str) -> str:
    if len(s) < 4:
        return s
    i = rng.randrange(1, len(s) - 1)
    op = rng.random()
    if op < 0.35:
        return s[:i] + s[i + 1 :]
    if op < 0.65:
        return s[:i] + s[i + 1] + s[i] + s[i + 2 :]
    if op < 0.85:
        return s[:i] + rng.choice("aeioumnrst") + s[i + 1 :]
    return s[:i] + s[i] + s[i:]


def _phone(rng: random.Random, c: str) -> str:
    """National significant number of a valid-looking mobile."""
    if c == "ID":
        return "8" + rng.choice("1235") + rng.choice("123456789") + "".join(rng.choices("0123456789", k=8))
    if c == "VN":
        return rng.choice(
            ["90", "91", "93", "94", "96", "97", "98", "86", "88", "32", "33", "35", "70", "77"]
        ) + "".join(rng.choices("0123456789", k=7))
    if c == "PL":
        return rng.choice("5678") + rng.choice("0123456789") + "".join(rng.choices("0123456789", k=7))
    return rng.choice(US_AREA) + str(rng.randint(2, 9)) + "".join(rng.choices("0123456789", k=6))


_CC = {"ID": "62", "VN": "84", "PL": "48", "US": "1"}


def _format_phone(rng: random.Random, nsn: str, c: str, style: str) -> str:
    cc = _CC[c]
    trunk = "" if c == "US" else "0"
    if style == "local":
        s = trunk + nsn
        if rng.random() < 0.5:
            s = " ".join([s[:4], s[4:8], s[8:]]).strip() if c != "US" else f"({nsn[:3]}) {nsn[3:6]}-{nsn[6:]}"
        return s
    if style == "intl":
        return rng.choice([f"+{cc} {nsn[:3]} {nsn[3:6]} {nsn[6:]}", f"+{cc}{nsn}", f"+{cc}-{nsn[:3]}-{nsn[3:]}"])
    return f"{cc}{nsn}" if c != "US" else f"1{nsn}"  # country code without plus


def _email_local(rng: random.Random, first: str, last: str) -> str:
    f, la = _strip_accents(first).lower().replace(" ", ""), _strip_accents(last).lower().replace(" ", "")
    la = la or f
    return rng.choice(
        [
            f"{f}.{la}",
            f"{f}{la}",
            f"{f}{rng.randint(1, 99)}",
            f"{f[0]}{la}",
            f"{f}_{la}{rng.randint(70, 99)}",
            f"{la}.{f}",
            f"{f}{la}{rng.randint(1, 2020)}",
        ]
    )


def generate(
    n_people: int = 3000,
    seed: int = 7,
    *,
    with_email: bool = True,
    with_phone: bool = True,
) -> pd.DataFrame:
    """Source person records with truth columns ``person_id`` and ``household_id``.

    About 2.3 records per person. ``with_email`` / ``with_phone`` False drop those columns entirely.
    """
    rng = random.Random(seed)
    nrng = np.random.default_rng(seed)
    pools = _pools(seed)
    countries = list(COUNTRY_WEIGHTS)
    rows: list[dict] = []
    pid = 0
    hid = 0
    rec_counter = {"square": 0, "shopify": 0, "hubspot": 0}
    taken: set[str] = set()

    def unique_email(local: str, domain: str) -> str:
        """A mailbox belongs to one account: a taken address gets digits, as providers insist (gmail
        ignores dots, so ``a.b@`` and ``ab@`` are one mailbox)."""

        def mailbox(e: str) -> str:
            lo, dom = e.split("@")
            return (lo.replace(".", "") if dom == "gmail.com" else lo) + "@" + dom

        email = f"{local}@{domain}"
        while mailbox(email) in taken:
            email = f"{local}{rng.randint(1, 9999)}@{domain}"
        taken.add(mailbox(email))
        return email

    while pid < n_people:
        c = countries[nrng.choice(4, p=list(COUNTRY_WEIGHTS.values()))]
        pool = pools[c]
        size = int(nrng.choice([1, 2, 3, 4, 5], p=[0.4, 0.25, 0.15, 0.13, 0.07]))
        hid += 1
        fam = rng.choice(VN_FAMILY) if c == "VN" else rng.choice(pool["last_m"] if c == "PL" else pool["last"])
        street = f"{rng.choice(pool['street'])} {rng.randint(1, 250)}"
        if c == "US":
            street = f"{rng.randint(1, 9999)} {rng.choice(pool['street'])}"
        elif c == "ID":
            street = f"Jl. {rng.choice(pool['street'])} No. {rng.randint(1, 250)}"
        elif c == "PL":
            street = f"ul. {rng.choice(pool['street'])} {rng.randint(1, 120)}" + (
                f"/{rng.randint(1, 60)}" if rng.random() < 0.5 else ""
            )
        city = rng.choice(pool["city"])
        postcode = (
            f"{rng.randint(0, 99):02d}-{rng.randint(0, 999):03d}"
            if c == "PL"
            else f"{rng.randint(10000, 99999)}"
            if c in ("ID", "US")
            else f"{rng.randint(100000, 999999)}"
        )
        house_phone = _phone(rng, c) if rng.random() < 0.35 else None
        family_email = None
        if rng.random() < 0.25 and size > 1:
            family_email = unique_email(f"{_strip_accents(fam).lower()}.family", rng.choice(DOMAINS[c]))
        parent_year = rng.randint(1950, 1992)
        used_given: set[str] = set()
        for k in range(size):
            if pid >= n_people:
                break
            pid += 1
            g = rng.choice("mf")
            is_child = k >= 2
            year = (
                rng.randint(parent_year + 20, min(parent_year + 40, 2012))
                if is_child
                else parent_year + rng.randint(-4, 4)
            )
            dob = f"{year:04d}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
            # Twins happen: same household, same birth date, different given names.
            if is_child and k >= 3 and rng.random() < 0.15:
                dob = prev_dob  # noqa: F821 - set on the previous child
            prev_dob = dob  # noqa: F841
            given = rng.choice(pool[g])
            # parents do not give two children one name, nor Kim and Kimberly, nor Stephen and Steven
            while given in used_given or _NICK_OF.get(given, given) in used_given:
                given = rng.choice(pool[g])
            used_given.update({given, _NICK_OF.get(given, given)})
            if c == "VN":
                given = f"{rng.choice(VN_MIDDLE_M if g == 'm' else VN_MIDDLE_F)} {given}"
                last = fam
            elif c == "PL":
                last = _female_pl(fam) if g == "f" else fam
            elif c == "ID":
                if g == "m" and rng.random() < 0.2:
                    given = f"Muhammad {given}"
                last = fam if rng.random() < 0.6 else ""
            else:
                last = fam
            if k == 1 and c in ("PL", "US") and rng.random() < 0.2:  # kept her own name
                last = rng.choice(pool["last_m"] if c == "PL" else pool["last"])
                last = _female_pl(last) if (c == "PL" and g == "f") else last
            own_phone = _phone(rng, c) if rng.random() < 0.8 else None
            phone = own_phone or house_phone
            if house_phone and rng.random() < 0.5:
                phone = house_phone
            email = None
            if rng.random() < 0.8 and not (is_child and year > 2008):
                email = unique_email(_email_local(rng, given.split()[-1], last), rng.choice(DOMAINS[c]))
            if family_email and (email is None or rng.random() < 0.4):
                email = family_email
            person = dict(
                person_id=f"P{pid}",
                household_id=f"H{hid}",
                c=c,
                given=given,
                last=last,
                dob=dob,
                phone=phone,
                email=email,
                street=street,
                city=city,
                postcode=postcode,
            )
            systems = _systems(rng)
            for sysname in systems:
                rec_counter[sysname] += 1
                rows.append(_record(rng, person, sysname, rec_counter[sysname]))
    df = pd.DataFrame(rows)
    if not with_email:
        df = df.drop(columns=["email"])
    if not with_phone:
        df = df.drop(columns=["phone"])
    return df.sample(frac=1.0, random_state=seed).reset_index(drop=True)


def _systems(rng: random.Random) -> list[str]:
    r = rng.random()
    if r < 0.30:
        out = [rng.choice(["square", "shopify", "hubspot"])]
    elif r < 0.70:
        out = rng.sample(["square", "shopify", "hubspot"], 2)
    else:
        out = ["square", "shopify", "hubspot"]
    if rng.random() < 0.12:  # a second account in one system
        out.append(rng.choice(out))
    return out


def _record(rng: random.Random, p: dict, system: str, n: int) -> dict:
    c = p["c"]
    given, last = p["given"], p["last"]
    # --- names as typed
    if rng.random() < 0.06:
        toks = given.split()
        nick = NICK.get(toks[0]) or NICK.get(toks[-1])
        if nick:
            given = given.replace(toks[0] if toks[0] in NICK else toks[-1], nick)
    if rng.random() < 0.05:
        given = _typo(rng, given)
    if last and rng.random() < 0.04:
        last = _typo(rng, last)
    first_f, last_f = given, last
    if c == "VN" and rng.random() < 0.3:  # full name, family name first, in one field
        first_f, last_f = f"{last} {given}".strip(), None
    elif rng.random() < 0.03:
        first_f, last_f = last or given, given if last else None
    if system == "square":
        if rng.random() < 0.55:
            last_f = None
        if first_f and rng.random() < 0.25 and c != "VN":
            first_f = first_f.split()[0]

    # strip accents/case
    def styl(s: str | None) -> str | None:
        if not s:
            return None
        if rng.random() < 0.5:
            s = _strip_accents(s)
        r = rng.random()
        return s.upper() if r < 0.1 else s.lower() if r < 0.2 else s

    first_f, last_f = styl(first_f), styl(last_f)
    if system == "square" and rng.random() < 0.02:
        first_f = rng.choice(PLACEHOLDER_NAMES)
    # --- phone
    phone = None
    if p["phone"]:
        keep = {"square": 0.9, "shopify": 0.6, "hubspot": 0.7}[system]
        if rng.random() < keep:
            style = (
                rng.choice(["local", "local", "intl", "nocc"])
                if system == "square"
                else rng.choice(["intl", "intl", "local"])
            )
            phone = _format_phone(rng, p["phone"], c, style)
            if rng.random() < 0.02:
                digits = list(phone)
                idx = [i for i, ch in enumerate(digits) if ch.isdigit()][-3]
                digits[idx] = str((int(digits[idx]) + 1) % 10)
                phone = "".join(digits)
    if system == "square" and phone is None and rng.random() < 0.5:
        phone = rng.choice(PLACEHOLDER_PHONES)
    # --- email
    email = None
    if p["email"]:
        keep = {"square": 0.15, "shopify": 1.0, "hubspot": 0.85}[system]
        if rng.random() < keep:
            email = p["email"]
            if rng.random() < 0.1:
                email = email.upper() if rng.random() < 0.5 else f" {email} "
            if rng.random() < 0.03 and "@gmail.com" in email:
                local = email.strip().split("@")[0]
                email = f"{local}+shop@gmail.com"
    if system in ("square", "shopify") and email is None and rng.random() < 0.3:
        email = rng.choice(PLACEHOLDER_EMAILS)
    # --- dob
    dob = None
    if rng.random() < {"square": 0.1, "shopify": 0.25, "hubspot": 0.75}[system]:
        dob = p["dob"]
        r = rng.random()
        if r < 0.03:
            y, m, d = dob.split("-")
            if int(d) <= 12:
                dob = f"{y}-{d}-{m}"
        elif r < 0.06:
            dob = dob[:-1] + str((int(dob[-1]) + 1) % 10) if dob[-1] != "9" else dob[:-1] + "8"
    # --- address
    has_addr = rng.random() < {"square": 0.05, "shopify": 0.9, "hubspot": 0.5}[system]
    street = p["street"] if has_addr else None
    if street and rng.random() < 0.3:
        street = _strip_accents(street)
        if rng.random() < 0.3:
            street = street.replace("ul. ", "ulica ").replace("Jl. ", "Jalan ")
    if street and rng.random() < 0.04:
        street = _typo(rng, street)
    country = c if (system != "square" or rng.random() < 0.5) else None
    return {
        "record_id": f"{system}:{n}",
        "source_system": system,
        "first_name": first_f,
        "last_name": last_f,
        "email": email,
        "phone": phone,
        "date_of_birth": dob,
        "address": street,
        "city": p["city"] if (has_addr or rng.random() < 0.3) else None,
        "postcode": p["postcode"] if has_addr else None,
        "country": country,
        "person_id": p["person_id"],
        "household_id": p["household_id"],
    }


# One woman seen as two customers: her records of before a move (A: a web-shop account, the CRM, the till), linked
# only through the CRM record in the middle (the web shop has no phone, the till no email), and her records of
# after it (B: new email, new phone, new address, and a birth date the CRM got wrong). Nothing scored joins A to B:
# only an analyst who knows her can.
_SHE = {"first_name": "Wiesława", "last_name": "Grzybowska", "country": "PL", "household_id": "H-planted"}
PLANTED_A = ["shopify:planted-a1", "hubspot:planted-a2", "square:planted-a3"]
PLANTED_B = ["shopify:planted-b1", "hubspot:planted-b2"]


def planted_person_seen_twice() -> pd.DataFrame:
    """Records ``PLANTED_A`` and ``PLANTED_B`` of one person (``person_id`` "P-planted"), as the module comment says."""
    home_a = {"address": "ul. Cicha 14/3", "city": "Lublin", "postcode": "20-418"}
    home_b = {"address": "ul. Polna 88", "city": "Kraków", "postcode": "30-012"}
    rows = [
        {**_SHE, **home_a, "email": "wgrzybowska77@onet.pl", "phone": None, "date_of_birth": None},
        {**_SHE, **home_a, "email": "wgrzybowska77@onet.pl", "phone": "601 234 517", "date_of_birth": "1977-05-21"},
        {**_SHE, "last_name": None, "email": None, "phone": "601234517", "date_of_birth": None, "address": None,
         "city": None, "postcode": None},
        {**_SHE, **home_b, "email": "wiesia.g@wp.pl", "phone": "+48 733 908 164", "date_of_birth": None},
        {**_SHE, **home_b, "email": "wiesia.g@wp.pl", "phone": "733 908 164", "date_of_birth": "1971-12-02"},
    ]  # fmt: skip
    frame = pd.DataFrame(rows)
    frame.insert(0, "record_id", PLANTED_A + PLANTED_B)
    frame.insert(1, "source_system", frame["record_id"].str.split(":").str[0])
    frame["person_id"] = "P-planted"
    return frame
