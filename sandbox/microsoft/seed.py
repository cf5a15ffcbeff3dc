"""The demo company as Microsoft 365 sees it: one tenant, a mailbox per user with contacts and a
realistic calendar, and one user without a mailbox."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from sandbox.company import Company, CompanyUser, fake_person, make_company
from sandbox.microsoft.common import write_extended
from sandbox.microsoft.contacts import apply_contact, validate_contact
from sandbox.microsoft.directory import Directory
from sandbox.microsoft.eventdata import apply, check_times, validate_patch
from sandbox.microsoft.state import Item, Mailbox

# A Windows zone name on purpose: Outlook clients write them, and syncs must read them.
WINDOWS_ZONES = ["Tokyo Standard Time", "Pacific Standard Time", "W. Europe Standard Time"]
NO_MAILBOX_LOCAL = "former.employee"


def add_contact(
    directory: Directory, box: Mailbox, data: dict[str, Any], folder: str | None = None
) -> Item:
    validate_contact(data)
    now = directory.clock.now()
    item = Item(directory.make.item(), {}, directory.make.change_key(), now, now)
    item.parent_id = folder or box.default_folder_id
    apply_contact(item, data)
    box.contacts[item.id] = item
    return item


def add_event(directory: Directory, box: Mailbox, data: dict[str, Any]) -> Item:
    """Stores an event as if it had always been there: no invitations are recorded."""
    validate_patch(data)
    now = directory.clock.now()
    item = Item(directory.make.item(), {}, directory.make.change_key(), now, now)
    apply(item.data, data)
    check_times(item.data)
    write_extended(item, data)
    box.events[item.id] = item
    return item


def _when(day: datetime, start: tuple[int, int], minutes: int, tz: str) -> dict[str, Any]:
    first = datetime.combine(day.date(), time(*start))
    last = first + timedelta(minutes=minutes)
    return {
        "start": {"dateTime": first.isoformat(), "timeZone": tz},
        "end": {"dateTime": last.isoformat(), "timeZone": tz},
    }


def _all_day(day: datetime, days: int) -> dict[str, Any]:
    first = datetime.combine(day.date(), time(0))
    return {
        "isAllDay": True,
        "start": {"dateTime": first.isoformat(), "timeZone": "UTC"},
        "end": {"dateTime": (first + timedelta(days=days)).isoformat(), "timeZone": "UTC"},
    }


def _attendee(address: str, name: str, kind: str = "required") -> dict[str, Any]:
    return {"type": kind, "emailAddress": {"address": address, "name": name}}


def _calendar(directory: Directory, box: Mailbox, user: CompanyUser, company: Company) -> None:
    rng = company.rng("microsoft-events", user.email)
    today = directory.clock.now().replace(tzinfo=None)
    monday = today - timedelta(days=today.weekday())
    others = [u for u in company.users if u.email != user.email]
    colleagues = rng.sample(others, min(2, len(others)))
    guest = fake_person(rng)
    invitees = [_attendee(c.email, f"{c.first_name} {c.last_name}") for c in colleagues]
    invitees.append(_attendee(guest.emails[0], f"{guest.first_name} {guest.last_name}", "optional"))
    day = lambda offset: monday + timedelta(days=offset)  # noqa: E731
    add_event(directory, box, {
        "subject": f"Quarterly review with {guest.company}",
        "body": {"contentType": "html", "content": f"<p>Agenda for {guest.company}: pricing, renewal.</p>"},
        "location": {"displayName": rng.choice(["Salle Lumière", "Room 4.01", "Zürich HQ"])},
        "attendees": invitees, "showAs": "busy",
        **_when(day(rng.randint(1, 4)), (rng.randint(9, 15), 0), 60, user.time_zone),
    })  # fmt: skip
    add_event(
        directory,
        box,
        {"subject": "Company offsite", "showAs": "oof", **_all_day(day(rng.randint(7, 11)), 1)},
    )
    add_event(
        directory,
        box,
        {"subject": "Trade fair in München", "showAs": "workingElsewhere", **_all_day(day(14), 3)},
    )
    add_event(directory, box, {
        "subject": "Médecin", "sensitivity": "private", "showAs": "oof",
        **_when(day(rng.randint(0, 4)), (8, 30), 45, user.time_zone),
    })  # fmt: skip
    remote = rng.choice(WINDOWS_ZONES)
    add_event(directory, box, {
        "subject": "Call with the Tokyo and San Francisco teams",
        "body": {"contentType": "text", "content": "Dial-in details to follow.\nBring the numbers."},
        "attendees": invitees[:1] + [_attendee("kenji.tanaka@nordvik.example", "Kenji Tanaka")],
        **_when(day(rng.randint(1, 3)), (rng.choice([7, 17]), 30), 30, remote),
    })  # fmt: skip
    first = day(-14)
    weekday = ["monday", "tuesday", "wednesday", "thursday", "friday"][rng.randint(0, 4)]
    start = first + timedelta(
        days=["monday", "tuesday", "wednesday", "thursday", "friday"].index(weekday)
    )
    series = add_event(directory, box, {
        "subject": "Weekly pipeline sync", "attendees": invitees[:2],
        **_when(start, (9, 30), 30, user.time_zone),
        "recurrence": {
            "pattern": {"type": "weekly", "interval": 1, "daysOfWeek": [weekday], "firstDayOfWeek": "sunday"},
            "range": {"type": "numbered", "startDate": start.date().isoformat(), "numberOfOccurrences": 10, "recurrenceTimeZone": user.time_zone},
        },
    })  # fmt: skip
    moved, cancelled = start + timedelta(days=21), start + timedelta(days=28)
    moved_start = datetime.combine(moved.date(), time(11, 0))
    series.data["_exceptions"] = {
        moved.date().isoformat(): {
            "data": {
                "subject": "Weekly pipeline sync (moved)",
                "_start": moved_start, "_start_tz": user.time_zone,
                "_end": moved_start + timedelta(minutes=30), "_end_tz": user.time_zone,
            },
            "change_key": directory.make.change_key(),
            "modified": directory.clock.now(),
        }
    }  # fmt: skip
    series.data["_cancelled"] = [cancelled.date().isoformat()]


def _contacts(
    directory: Directory, box: Mailbox, user: CompanyUser, company: Company, count: int
) -> None:
    for i in range(count):
        p = fake_person(company.rng("microsoft-contacts", user.email, i))
        add_contact(directory, box, {
            "givenName": p.first_name, "surname": p.last_name,
            "emailAddresses": [{"address": e, "name": f"{p.first_name} {p.last_name}"} for e in p.emails],
            "companyName": p.company, "jobTitle": p.title,
            "businessPhones": [p.phone], "mobilePhone": p.mobile,
            "businessAddress": {"street": p.street, "city": p.city, "state": p.state, "postalCode": p.postal_code, "countryOrRegion": p.country},
        })  # fmt: skip


def seed(directory: Directory, payload: dict[str, Any]) -> dict[str, Any]:
    """Keys: ``company`` ({users, seed, domain?, contacts?}), ``app`` ({client_id,
    client_secret?, certificate_pem?, redirect_uris?}), ``consent`` (bool, default false:
    onboarding is part of what the product must do)."""
    summary: dict[str, Any] = {}
    if "company" in payload:
        spec = payload["company"]
        company = make_company(
            int(spec.get("users", 5)), int(spec.get("seed", 1)), spec.get("domain", "example.com")
        )
        directory.tenants.clear()
        directory.tokens.clear()
        directory.cursors.clear()
        directory.invitations.clear()
        tenant_id = directory.make.guid("tenant", company.domain, company.seed)
        label = company.domain.split(".")[0]
        tenant = directory.add_tenant(tenant_id, [company.domain, f"{label}.onmicrosoft.com"])
        boxes = []
        for user in company.users:
            box = directory.add_mailbox(
                tenant_id, user.email, f"{user.first_name} {user.last_name}", user.has_mailbox
            )
            if box.has_mailbox:
                _contacts(directory, box, user, company, int(spec.get("contacts", 6)))
                _calendar(directory, box, user, company)
            boxes.append(box.upn)
        lost = directory.add_mailbox(
            tenant_id, f"{NO_MAILBOX_LOCAL}@{company.domain}", "Former Employee", has_mailbox=False
        )
        summary.update(
            tenant_id=tenant.id, domains=tenant.domains, mailboxes=boxes, without_mailbox=lost.upn
        )
    if "app" in payload:
        spec = payload["app"]
        directory.register_app(
            spec["client_id"],
            spec.get("client_secret"),
            spec.get("certificate_pem"),
            spec.get("redirect_uris"),
        )
        summary["app"] = spec["client_id"]
    if payload.get("consent"):
        for tenant in directory.tenants.values():
            for client_id in (
                directory.apps if "app" not in payload else [payload["app"]["client_id"]]
            ):
                directory.grant_consent(tenant.id, client_id)
        summary["consent"] = True
    return summary
