"""The demo company as Exchange Server sees it: one organisation, a mailbox per user with
contacts and a realistic calendar, a service account holding ApplicationImpersonation, and one
user without a mailbox. Items are built as the EWS elements a client would have sent."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime, time, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sandbox.company import Company, CompanyUser, fake_person, make_company
from sandbox.exchange import calendar, occurrences
from sandbox.exchange.items import iso, new_item
from sandbox.exchange.soap import sub, t, xml_bool
from sandbox.exchange.state import ExceptionData, Item

if TYPE_CHECKING:
    from sandbox.exchange.app import ExchangeEmulator

SERVICE_ACCOUNT = "svc-lsync"
DEFAULT_PASSWORD = "Sandbox-Exchange-1"  # a sandbox-only credential, printed by the seed
NO_MAILBOX_LOCAL = "former.employee"
WINDOWS_ZONES = {
    "Europe/Paris": "Romance Standard Time",
    "America/New_York": "Eastern Standard Time",
    "America/Los_Angeles": "Pacific Standard Time",
    "Asia/Tokyo": "Tokyo Standard Time",
    "UTC": "UTC",
}


def contact_element(data: dict[str, Any]) -> ET.Element:
    """Keys: given_name, surname, display_name, company, job_title, department, notes, emails
    (list), phones ({label: number}), addresses ({label: {street, city, state, country,
    postal_code}}), extended ({(property_set_id, name): value})."""
    elem = ET.Element(t("Contact"))
    for key, prop_set in (data.get("extended") or {}).items():
        prop = sub(elem, t("ExtendedProperty"))
        sub(
            prop,
            t("ExtendedFieldURI"),
            PropertySetId=key[0],
            PropertyName=key[1],
            PropertyType="String",
        )
        sub(prop, t("Value"), prop_set)
    simple = (("display_name", "DisplayName"), ("given_name", "GivenName"),
              ("company", "CompanyName"), ("job_title", "JobTitle"),
              ("department", "Department"), ("surname", "Surname"))  # fmt: skip
    for key, name in simple[:2]:
        if data.get(key):
            sub(elem, t(name), data[key])
    if data.get("emails"):
        holder = sub(elem, t("EmailAddresses"))
        for i, address in enumerate(data["emails"][:3], start=1):
            sub(holder, t("Entry"), address, Key=f"EmailAddress{i}")
    if data.get("addresses"):
        holder = sub(elem, t("PhysicalAddresses"))
        for label, parts in data["addresses"].items():
            entry = sub(holder, t("Entry"), Key=label)
            for key, name in (("street", "Street"), ("city", "City"), ("state", "State"),
                              ("country", "CountryOrRegion"), ("postal_code", "PostalCode")):  # fmt: skip
                if parts.get(key):
                    sub(entry, t(name), parts[key])
    if data.get("phones"):
        holder = sub(elem, t("PhoneNumbers"))
        for label, number in data["phones"].items():
            sub(holder, t("Entry"), number, Key=label)
    for key, name in simple[2:]:
        if data.get(key):
            sub(elem, t(name), data[key])
    if data.get("notes"):
        sub(elem, t("Notes"), data["notes"])
    return elem


def event_element(data: dict[str, Any]) -> ET.Element:
    """Keys: subject, body, start, end (aware datetimes), time_zone (Windows name), all_day,
    location, sensitivity, free_busy, attendees (list of addresses), optional (list), uid
    (the iCalendar UID of a meeting another organisation sends; else the server makes one),
    recurrence ({pattern: weekly, days: [Monday], interval, start: date, count})."""
    elem = ET.Element(t("CalendarItem"))
    sub(elem, t("Subject"), data.get("subject", ""))
    if data.get("body"):
        sub(elem, t("Body"), data["body"], BodyType=data.get("body_type", "Text"))
    sub(elem, t("Sensitivity"), data.get("sensitivity", "Normal"))
    sub(elem, t("Start"), iso(data["start"].astimezone(UTC)))
    sub(elem, t("End"), iso(data["end"].astimezone(UTC)))
    sub(elem, t("IsAllDayEvent"), xml_bool(bool(data.get("all_day"))))
    sub(elem, t("LegacyFreeBusyStatus"), data.get("free_busy", "Busy"))
    if data.get("location"):
        sub(elem, t("Location"), data["location"])
    if data.get("uid"):
        sub(elem, t("UID"), data["uid"])
    for key, name in (("attendees", "RequiredAttendees"), ("optional", "OptionalAttendees")):
        if data.get(key):
            holder = sub(elem, t(name))
            for address in data[key]:
                mailbox = sub(sub(holder, t("Attendee")), t("Mailbox"))
                sub(mailbox, t("EmailAddress"), address)
    rec = data.get("recurrence")
    if rec:
        recurrence = sub(elem, t("Recurrence"))
        weekly = sub(recurrence, t("WeeklyRecurrence"))
        sub(weekly, t("Interval"), str(rec.get("interval", 1)))
        sub(weekly, t("DaysOfWeek"), " ".join(rec["days"]))
        sub(weekly, t("FirstDayOfWeek"), "Sunday")
        numbered = sub(recurrence, t("NumberedRecurrence"))
        sub(numbered, t("StartDate"), rec["start"].isoformat())
        sub(numbered, t("NumberOfOccurrences"), str(rec["count"]))
    zone = data.get("time_zone", "UTC")
    sub(elem, t("StartTimeZone"), Id=zone)
    sub(elem, t("EndTimeZone"), Id=zone)
    return elem


def _store(app: ExchangeEmulator, smtp: str, elem: ET.Element, folder: str) -> Item:
    box = app.org.mailbox(smtp)
    if box is None:
        raise KeyError(smtp)
    target = box.distinguished(folder) or next(
        (f for f in box.folders.values() if f.id == folder or f.display_name == folder), None
    )
    if target is None:
        raise KeyError(folder)
    item = new_item(app.org, box, target.id, elem, app.clock.now())
    if item.kind == "CalendarItem":
        calendar.prepare(item, None)
        occurrences.validate(item)
    box.items[item.id] = item
    return item


def add_contact(app: ExchangeEmulator, smtp: str, data: dict[str, Any], folder: str | None) -> Item:
    return _store(app, smtp, contact_element(data), folder or "contacts")


def add_event(app: ExchangeEmulator, smtp: str, data: dict[str, Any]) -> Item:
    item = _store(app, smtp, event_element(data), "calendar")
    if data.get("organizer"):
        item.meta.update(organizer=data["organizer"], response=data.get("response", "Accept"))
    return item


def _calendar(app: ExchangeEmulator, user: CompanyUser, company: Company) -> None:
    rng = company.rng("exchange-events", user.email)
    tz = WINDOWS_ZONES.get(user.time_zone, "UTC")
    local = ZoneInfo(user.time_zone)
    today = app.clock.now().astimezone(local).date()
    monday = today - timedelta(days=today.weekday())
    others = [u.email for u in company.users if u.email != user.email]
    colleagues = rng.sample(others, min(2, len(others)))
    guest = fake_person(rng)

    def at(offset: int, hour: int, minute: int = 0) -> datetime:
        return datetime.combine(monday + timedelta(days=offset), time(hour, minute), local)

    start = at(rng.randint(1, 4), rng.randint(9, 15))
    add_event(app, user.email, {
        "subject": f"Quarterly review with {guest.company}", "body": "Agenda: pricing, renewal.",
        "location": rng.choice(["Salle Lumière", "Room 4.01", "Zürich HQ"]),
        "attendees": colleagues, "optional": [guest.emails[0]],
        "start": start, "end": start + timedelta(hours=1), "time_zone": tz,
    })  # fmt: skip
    offsite = at(rng.randint(7, 11), 0)
    add_event(app, user.email, {
        "subject": "Company offsite", "all_day": True, "free_busy": "OOF",
        "start": offsite, "end": offsite + timedelta(days=1), "time_zone": tz,
    })  # fmt: skip
    doctor = at(rng.randint(0, 4), 8, 30)
    add_event(app, user.email, {
        "subject": "Médecin", "sensitivity": "Private", "free_busy": "OOF",
        "start": doctor, "end": doctor + timedelta(minutes=45), "time_zone": tz,
    })  # fmt: skip
    if others:
        invite = at(rng.randint(1, 3), 16)
        add_event(app, user.email, {
            "subject": "Invitation from a colleague", "attendees": [user.email],
            "start": invite, "end": invite + timedelta(minutes=30), "time_zone": tz,
            "organizer": others[0], "response": "Accept",
        })  # fmt: skip
    weekday = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"][rng.randint(0, 4)]
    first = monday - timedelta(days=14)
    first += timedelta(days=["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"].index(weekday))
    series_start = datetime.combine(first, time(9, 30), local)
    series = add_event(app, user.email, {
        "subject": "Weekly pipeline sync", "attendees": colleagues,
        "start": series_start, "end": series_start + timedelta(minutes=30), "time_zone": tz,
        "recurrence": {"days": [weekday], "start": first, "count": 10},
    })  # fmt: skip
    found = occurrences.instances(series, series_start + timedelta(days=70))
    if len(found) > 4:
        moved = found[3]
        new_start = moved.original + timedelta(hours=2)
        fields = {}
        for name, value in (("Subject", "Weekly pipeline sync (moved)"),
                            ("Start", iso(new_start)),
                            ("End", iso(new_start + timedelta(minutes=30)))):  # fmt: skip
            elem = ET.Element(t(name))
            elem.text = value
            fields[name] = elem
        series.exceptions[moved.key] = ExceptionData(moved.id, app.org.make_change_key(), fields)
        series.deleted_occurrences.add(found[4].key)


def _contacts(app: ExchangeEmulator, user: CompanyUser, company: Company, count: int) -> None:
    for i in range(count):
        p = fake_person(company.rng("exchange-contacts", user.email, i))
        add_contact(app, user.email, {
            "given_name": p.first_name, "surname": p.last_name, "emails": list(p.emails),
            "company": p.company, "job_title": p.title,
            "phones": {"BusinessPhone": p.phone, "MobilePhone": p.mobile},
            "addresses": {"Business": {"street": p.street, "city": p.city, "state": p.state,
                                       "country": p.country, "postal_code": p.postal_code}},
        }, None)  # fmt: skip


def seed(app: ExchangeEmulator, payload: dict[str, Any]) -> dict[str, Any]:
    """Keys: ``company`` ({users, seed, domain?, contacts?}), ``server_version``
    (Exchange2013|Exchange2016|Exchange2019), ``auth`` (["basic", "ntlm"]), ``service_account``
    ({user?, password?, netbios_domain?, impersonation?})."""
    summary: dict[str, Any] = {}
    if "server_version" in payload:
        app.set_server_version(payload["server_version"])
    if "auth" in payload:
        app.auth.methods = {m.lower() for m in payload["auth"]}
    if "company" in payload:
        spec = payload["company"]
        company = make_company(
            int(spec.get("users", 5)), int(spec.get("seed", 1)), spec.get("domain", "example.com")
        )
        org = app.org
        org.mailboxes.clear()
        org.accounts.clear()
        org.role_assignments.clear()
        org.deletes.clear()
        org.invitations.clear()
        org.domains = [company.domain]
        boxes = []
        for user in company.users:
            if not user.has_mailbox:
                continue
            org.add_mailbox(user.email, f"{user.first_name} {user.last_name}")
            _contacts(app, user, company, int(spec.get("contacts", 6)))
            _calendar(app, user, company)
            boxes.append(user.email)
        summary.update(domain=company.domain, mailboxes=boxes)
        summary["without_mailbox"] = f"{NO_MAILBOX_LOCAL}@{company.domain}"
    account_spec = payload.get("service_account")
    if account_spec is not None or "company" in payload:
        spec = account_spec or {}
        domain = app.org.domains[0] if app.org.domains else "example.com"
        upn = spec.get("user", f"{SERVICE_ACCOUNT}@{domain}")
        account = app.add_account(
            upn,
            spec.get("password", DEFAULT_PASSWORD),
            spec.get("netbios_domain"),
            bool(spec.get("impersonation", True)),
        )
        summary["service_account"] = {
            "upn": account.upn,
            "down_level": f"{account.netbios_domain}\\{account.sam}",
            "password": account.password,
            "impersonation": bool(spec.get("impersonation", True)),
        }
    summary["server_version"] = app.server_version
    return summary
