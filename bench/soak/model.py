"""Ground truth: what the users did, item by item, and the random edits that do it.

Every record carries a token in its description (which no edit touches), naming the logical item
on both sides, so the checks can follow items across sides and runs. Every edit writes a value
never used before, so a final value tells whose edit it is.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field, fields, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from syncengine.records import Contact, Event
from syncengine.stores.base import Kind, Side

Record = Contact | Event
SIDES: tuple[Side, ...] = ("salesforce", "mailbox")
# The fields every provider holds (the field maps' common ground), edited and compared.
FIELDS: dict[Kind, tuple[str, ...]] = {
    "contacts": ("first_name", "last_name", "emails", "title", "mobile_phone"),
    "events": ("subject", "location", "when", "all_day", "private", "recurrence", "show_as"),
}
COMPARED: dict[Kind, tuple[str, ...]] = {
    "contacts": ("first_name", "last_name", "emails", "title", "mobile_phone", "description"),
    "events": ("subject", "location", "start", "end", "all_day", "private", "recurrence",
               "show_as", "description"),
}  # fmt: skip
WORDS = ["Ärger", "café", "naïve", "Ωmega", "日本語", "Zürich", "façade", "smörgåsbord", "Łódź",
         "emoji ✓", "O'Brien", "São Paulo", "Ḱṓṣṁọṡ"]  # fmt: skip
TOKEN_PREFIX = "soak#"
# An event's start, end and all-day flag are one moment: an edit of any of them is checked as the
# three together (a conflict over the moment is settled as one, syncengine/planning/merging.py).
WHEN = ("start", "end", "all_day")


def token_of(record: Record) -> str | None:
    text = record.description or ""
    if not text.startswith(TOKEN_PREFIX):
        return None
    return text.split()[0]


def values(kind: Kind, record: Record) -> dict[str, Any]:
    out = {f: getattr(record, f) for f in COMPARED[kind]}
    if isinstance(record, Event) and record.recurrence is not None:
        out["recurrence"] = _weekly_days_explicit(record.recurrence.rrule, record)
    return out


_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


def _weekly_days_explicit(rrule: str, event: Event) -> str:
    """A weekly rule without BYDAY repeats on the start's weekday: Graph and Google spell that
    day out, Salesforce may not; both mean the same series."""
    parts = dict(p.split("=", 1) for p in rrule.split(";") if "=" in p)
    if parts.get("FREQ") == "WEEKLY" and "BYDAY" not in parts:
        parts["BYDAY"] = _DAYS[event.start.weekday()]
    return ";".join(f"{k}={v}" for k, v in sorted(parts.items()))


@dataclass
class Truth:
    """One logical item of one user and kind."""

    token: str
    origin: Side
    deleted_on: set[Side] = field(default_factory=set)
    # field -> side -> the last value the user wrote there
    edits: dict[str, dict[Side, Any]] = field(default_factory=dict)
    edited_at: dict[Side, datetime] = field(default_factory=dict)
    # side -> the event's (start, end, all_day) as that side's last edit of any of them left it
    when: dict[Side, tuple[Any, ...]] = field(default_factory=dict)
    deleted_at: datetime | None = None


@dataclass
class Ledger:
    """Everything the users did, per (sync user, kind)."""

    items: dict[tuple[int, Kind], dict[str, Truth]] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    # Each edit with its time and item ids, written next to a kept database (--keep) so that a
    # finding can be traced through the mappings and runs it left.
    journal: list[dict[str, Any]] = field(default_factory=list)
    cycle: int = 0

    def note(self, action: str, kind: Kind, side: Side, token: str, item_id: str | None) -> None:
        self.journal.append({
            "at": datetime.now(UTC).isoformat(), "cycle": self.cycle, "action": action,
            "kind": kind, "side": side, "token": token, "id": item_id,
        })  # fmt: skip

    def of(self, user: int, kind: Kind) -> dict[str, Truth]:
        return self.items.setdefault((user, kind), {})

    def count(self, what: str) -> None:
        self.counts[what] = self.counts.get(what, 0) + 1


class Maker:
    """New records and edited copies, all values fresh."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.serial = 0
        self.today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)

    def fresh(self) -> str:
        self.serial += 1
        return f"{self.rng.choice(WORDS)} {self.serial}"

    def new(self, kind: Kind) -> Record:
        self.serial += 1
        token = f"{TOKEN_PREFIX}{self.serial}"
        description = f"{token} — notes ü ✓"
        if kind == "contacts":
            return Contact.normalized(
                first_name=self.fresh(), last_name=self.fresh(),
                emails=[f"p{self.serial}@partner.example"], title=self.fresh(),
                mobile_phone=f"+47 9{self.serial:07d}", description=description,
            )  # fmt: skip
        all_day = self.rng.random() < 0.25
        series = self.rng.random() < 0.2
        start = self.today + timedelta(days=self.rng.randint(1, 60), hours=self.rng.randint(7, 17))
        return Event.normalized(
            subject=self.fresh(), start=start, end=start + timedelta(minutes=30),
            all_day=all_day, time_zone="Europe/Paris", location=self.fresh(),
            description=description, private=self.rng.random() < 0.2,
            recurrence="FREQ=WEEKLY;COUNT=4" if series else None,
        )  # fmt: skip

    def edited(self, record: Record, name: str) -> tuple[Record, set[str]]:
        """The record with `name` changed to a fresh value; the record fields written."""
        f = {x.name: getattr(record, x.name) for x in fields(record)}
        if isinstance(record, Contact):
            if name == "emails":
                self.serial += 1
                f["emails"] = [f"e{self.serial}@partner.example"]
            elif name == "mobile_phone":
                self.serial += 1
                f["mobile_phone"] = f"+33 6{self.serial:08d}"
            else:
                f[name] = self.fresh()
            return Contact.normalized(**f), {name}
        if name == "when":
            start = self.today + timedelta(
                days=self.rng.randint(1, 60), hours=self.rng.randint(7, 17)
            )
            if record.all_day:
                start = start.replace(hour=12)
            f["start"], f["end"] = start, start + timedelta(minutes=self.rng.choice([15, 45, 90]))
            written = {"start", "end"}
        elif name == "all_day":
            f["all_day"] = not record.all_day
            start = record.start.replace(hour=12) if record.all_day is False else record.start
            f["start"], f["end"] = start, start + timedelta(hours=1)
            written = {"all_day", "start", "end"}
        elif name == "private":
            f["private"] = not record.private
            written = {"private"}
        elif name == "recurrence":
            f["recurrence"] = None if record.recurrence else "FREQ=DAILY;COUNT=3"
            written = {"recurrence"}
        elif name == "show_as":
            # The field maps' common ground: Salesforce has no "tentative", Google no "oof".
            choices = [s for s in ("busy", "free") if s != record.show_as]
            f["show_as"] = self.rng.choice(choices)
            written = {"show_as"}
        else:
            f[name] = self.fresh()
            written = {name}
        return Event.normalized(**f), written


def with_description(record: Record, description: str) -> Record:
    return replace(record, description=description)
