"""A realistic, seed-driven demo company shared by the three emulators.

Every emulator builds its own data from the same `Company`, so the same people exist in
Salesforce and in the mailboxes. Names carry accents on purpose: they break naive encoders.
"""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass

FIRST_NAMES = [
    "Ana", "José", "Zoë", "Björn", "Chloé", "Łukasz", "Ségolène", "Håkon", "Renée", "Émile",
    "Mía", "Jürgen", "Noémie", "Dvořák", "Aïsha", "Søren", "Inés", "Çağan", "Priya", "Wei",
]  # fmt: skip
LAST_NAMES = [
    "Núñez", "Müller", "O'Brien", "García", "Kowalski", "Øberg", "Dupré", "Nakamura",
    "Smith-Jones", "Van der Berg", "Ðorđević", "Lefèvre", "Åström", "Rossi", "Nguyễn",
]  # fmt: skip
COMPANIES = [
    "Acme Corporation", "Globex", "Initech", "Umbrella Health", "Soylent Foods",
    "Müller & Söhne GmbH", "Café Lumière SARL", "Nordvik AS", "Tyrell Systems", "Hooli",
]  # fmt: skip
CITIES = [
    ("Paris", "", "75002", "France"), ("München", "Bayern", "80331", "Germany"),
    ("San Francisco", "CA", "94105", "United States"), ("Zürich", "ZH", "8001", "Switzerland"),
    ("São Paulo", "SP", "01310-100", "Brazil"), ("Tokyo", "", "100-0005", "Japan"),
]  # fmt: skip
TIME_ZONES = ["Europe/Paris", "America/New_York", "America/Los_Angeles", "Asia/Tokyo", "UTC"]


def ascii_slug(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    kept = "".join(c for c in decomposed if c.isalnum() and c.isascii())
    return kept.lower()


@dataclass(frozen=True)
class CompanyUser:
    first_name: str
    last_name: str
    email: str
    username: str  # the Salesforce username
    time_zone: str
    has_mailbox: bool = True


@dataclass(frozen=True)
class Company:
    domain: str
    users: tuple[CompanyUser, ...]
    seed: int

    def rng(self, *salt: object) -> random.Random:
        """A generator that depends only on the seed and the salt, so each emulator draws the
        same data for the same user whatever order it builds things in."""
        return random.Random(repr((self.seed, *salt)))


def make_company(users: int, seed: int = 1, domain: str = "example.com") -> Company:
    rng = random.Random(seed)
    people: list[CompanyUser] = []
    seen: set[str] = set()
    while len(people) < users:
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        local = f"{ascii_slug(first)}.{ascii_slug(last)}"
        if local in seen:
            local = f"{local}{len(people)}"
        seen.add(local)
        people.append(
            CompanyUser(
                first_name=first,
                last_name=last,
                email=f"{local}@{domain}",
                username=f"{local}@{domain}.sf",
                time_zone=rng.choice(TIME_ZONES),
            )
        )
    return Company(domain=domain, users=tuple(people), seed=seed)


@dataclass(frozen=True)
class FakePerson:
    first_name: str
    last_name: str
    emails: tuple[str, ...]
    company: str
    title: str
    phone: str
    mobile: str
    street: str
    city: str
    state: str
    postal_code: str
    country: str


def fake_person(rng: random.Random) -> FakePerson:
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    company = rng.choice(COMPANIES)
    host = ascii_slug(company)[:12] or "example"
    local = f"{ascii_slug(first)}.{ascii_slug(last)}{rng.randint(1, 999)}"
    emails = [f"{local}@{host}.example"]
    if rng.random() < 0.3:
        emails.append(f"{local}@personal.example")
    city, state, postal, country = rng.choice(CITIES)
    return FakePerson(
        first_name=first,
        last_name=last,
        emails=tuple(emails),
        company=company,
        title=rng.choice(["CEO", "CFO", "Buyer", "VP Sales", "Office Manager", "Engineer"]),
        phone=f"+1 415 555 {rng.randint(1000, 9999)}",
        mobile=f"+33 6 {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)} 00",
        street=f"{rng.randint(1, 200)} {rng.choice(['Rue de Rivoli', 'Market St', 'Hauptstraße'])}",
        city=city,
        state=state,
        postal_code=postal,
        country=country,
    )
