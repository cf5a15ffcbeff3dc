"""Seeding the Google emulator.

Payload (every key optional)::

    {
      "company": {"users": 5, "seed": 1},          # sandbox.company.make_company
      "service_account": {                          # the demo's key, public half only
        "client_email": "...", "private_key_id": "...", "client_id": "123...",
        "public_key_pem": "-----BEGIN PUBLIC KEY-----..."   # or "certificate": "...PEM..."
      },
      "delegation": ["https://www.googleapis.com/auth/contacts", ...],  # granted to that client
      "people_sync_lag": 120,                       # seconds before People writes are listed
      "quotas": {"google\\.calendar\\..*": 600}     # per-user requests per minute, by route
    }

Each company user gets a mailbox with a "Clients" contact group and realistic contacts (accents,
several e-mails, addresses) and events: a meeting with attendees across time zones, an all-day
and a multi-day event, a weekly series with a deleted (EXDATE) and a moved occurrence, a private
event, and a few ordinary meetings. ``guest@partner.example`` exists outside the domain, so a
token for it fails with ``unauthorized_client`` (link-error tests).
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sandbox.company import Company, CompanyUser, fake_person, make_company
from sandbox.google.listing import instances

if TYPE_CHECKING:
    from sandbox.google.app import GoogleEmulator

OUTSIDE_USER = "guest@partner.example"


def seed_payload(emu: GoogleEmulator, payload: dict[str, Any]) -> dict[str, Any]:
    summary: dict[str, Any] = {}
    if "company" in payload:
        spec = payload["company"] or {}
        company = make_company(int(spec.get("users", 5)), int(spec.get("seed", 1)))
        summary.update(seed_company(emu, company))
    if "people_sync_lag" in payload:
        emu.people_sync_lag = float(payload["people_sync_lag"])
        summary["people_sync_lag"] = emu.people_sync_lag
    for route, per_minute in (payload.get("quotas") or {}).items():
        emu.set_quota(route, int(per_minute))
    account = payload.get("service_account")
    if account:
        client_id = emu.register_service_account(
            account["client_email"],
            account["private_key_id"],
            account.get("public_key_pem"),
            account.get("certificate"),
            account.get("client_id"),
        )
        summary["client_id"] = client_id
        if payload.get("delegation"):
            emu.grant_delegation(client_id, payload["delegation"])
    return summary


def seed_company(emu: GoogleEmulator, company: Company) -> dict[str, Any]:
    emu.domain = company.domain
    emu.add_outside_user(OUTSIDE_USER)
    colleagues = [u.email for u in company.users]
    contacts = events = 0
    users = [u for u in company.users if u.has_mailbox]
    for user in users:
        emu.add_user(user.email, user.first_name, user.last_name, user.time_zone)
    for user in users:
        contacts += _contacts(emu, company, user)
        events += _events(emu, company, user, colleagues)
    return {
        "domain": company.domain,
        "users": [u.email for u in company.users if u.has_mailbox],
        "outside_user": OUTSIDE_USER,
        "contacts": contacts,
        "events": events,
    }


def _contacts(emu: GoogleEmulator, company: Company, user: CompanyUser) -> int:
    rng = company.rng("google", "contacts", user.email)
    clients = emu.add_group(user.email, "Clients")
    count = rng.randint(8, 14)
    for index in range(count):
        person = fake_person(rng)
        emails = [{"value": person.emails[0], "type": "work"}]
        emails += [{"value": e, "type": "home"} for e in person.emails[1:]]
        groups = [
            {"contactGroupMembership": {"contactGroupResourceName": "contactGroups/myContacts"}}
        ]
        if index % 2 == 0:
            groups.append({"contactGroupMembership": {"contactGroupResourceName": clients}})
        body: dict[str, Any] = {
            "names": [{"givenName": person.first_name, "familyName": person.last_name}],
            "emailAddresses": emails,
            "phoneNumbers": [
                {"value": person.phone, "type": "work"},
                {"value": person.mobile, "type": "mobile"},
            ],
            "organizations": [{"name": person.company, "title": person.title, "type": "work"}],
            "addresses": [
                {
                    "streetAddress": person.street,
                    "city": person.city,
                    "region": person.state,
                    "postalCode": person.postal_code,
                    "country": person.country,
                    "type": "work",
                }
            ],
            "memberships": groups,
        }
        if rng.random() < 0.3:
            body["biographies"] = [
                {"value": f"Met at the {person.city} trade fair.", "contentType": "TEXT_PLAIN"}
            ]
        emu.add_contact(user.email, body)
    return count


def _events(emu: GoogleEmulator, company: Company, user: CompanyUser, colleagues: list[str]) -> int:
    rng = company.rng("google", "events", user.email)
    tz = user.time_zone
    now = emu.clock.now().astimezone(ZoneInfo(tz))
    monday = (now - timedelta(days=now.weekday())).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    peer = next((c for c in colleagues if c != user.email), None)
    external = fake_person(rng)
    guests = [{"email": user.email, "responseStatus": "accepted"}]
    guests.append(
        {"email": external.emails[0], "displayName": f"{external.first_name} {external.last_name}"}
    )
    if peer:
        guests.append({"email": peer})

    def timed(day: datetime, hour: int, minutes: int, zone: str = tz) -> dict[str, Any]:
        start = datetime.combine(day.date(), time(hour))
        end = start + timedelta(minutes=minutes)
        return {
            "start": {"dateTime": start.isoformat(), "timeZone": zone},
            "end": {"dateTime": end.isoformat(), "timeZone": zone},
        }

    bodies: list[dict[str, Any]] = [
        {"summary": f"Quarterly review with {external.company}", "location": external.city,
         "description": "Agenda: pipeline, renewals, next steps.", "attendees": guests,
         **timed(monday + timedelta(days=1), 10, 60)},
        {"summary": "Company holiday", "start": {"date": (monday + timedelta(days=4)).date().isoformat()},
         "end": {"date": (monday + timedelta(days=5)).date().isoformat()}, "transparency": "transparent"},
        {"summary": "Trade fair in München", "location": "Messe München",
         "start": {"date": (monday + timedelta(days=8)).date().isoformat()},
         "end": {"date": (monday + timedelta(days=11)).date().isoformat()}},
        {"summary": "Doctor's appointment", "visibility": "private", **timed(monday + timedelta(days=2), 8, 30)},
        {"summary": "Call with the Tokyo office", "attendees": guests[:2],
         **timed(monday + timedelta(days=3), 9, 30, "Asia/Tokyo")},
    ]  # fmt: skip
    for _ in range(rng.randint(2, 5)):
        day = monday + timedelta(days=rng.randint(-14, 21))
        bodies.append(
            {
                "summary": f"Meeting: {fake_person(rng).company}",
                **timed(day, rng.randint(8, 16), 45),
            }
        )
    for body in bodies:
        emu.add_event(user.email, body)
    series = emu.add_event(
        user.email,
        {"summary": "Weekly team sync", "attendees": guests[::2],
         "recurrence": ["RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=10"], **timed(monday, 9, 30)},
    )  # fmt: skip
    occurrences = instances(series, now + timedelta(days=120))
    mailbox = emu.mailboxes[user.email]
    before = dict(series)
    series["recurrence"] = [
        *series["recurrence"],
        "EXDATE;TZID="
        + tz
        + ":"
        + datetime.fromisoformat(occurrences[2]["start"]["dateTime"]).strftime("%Y%m%dT%H%M%S"),
    ]
    emu.commit_event(mailbox, series, before)
    moved = dict(occurrences[1], summary="Weekly team sync (moved)")
    start = datetime.fromisoformat(moved["start"]["dateTime"]) + timedelta(hours=2)
    moved["start"] = {"dateTime": start.isoformat(), "timeZone": tz}
    moved["end"] = {"dateTime": (start + timedelta(minutes=30)).isoformat(), "timeZone": tz}
    emu.commit_event(mailbox, moved, None)
    return len(bodies) + 2
