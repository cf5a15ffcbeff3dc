"""The demo company in Salesforce: profiles, users (plus two inactive ones and one sharing
another user's e-mail, for the enrollment link errors), accounts, and per user contacts and
events: timed, all-day, multi-day, private, a weekly series with an exception and events with
invitees across time zones. Everything is drawn from `Company.rng`, so it is deterministic."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sandbox.company import COMPANIES, Company, CompanyUser, fake_person
from sandbox.salesforce.store import Actor, OrgStore

PROFILES = ("System Administrator", "Standard User", "Sales Manager")
CONTACTS_PER_USER = 8
LEADS_PER_USER = 2
SUBJECTS = [
    "Quarterly review",
    "Déjeuner client",
    "Pipeline sync",
    "Demo für Müller",
    "1:1",
    "Kick-off",
]


class Seeder:
    def __init__(self, store: OrgStore, now: datetime) -> None:
        self.store = store
        self.now = now
        self.profiles: dict[str, str] = {}
        for profile in store.live("Profile"):
            self.profiles[profile["Name"]] = profile["Id"]

    def bootstrap(self, domain: str) -> None:
        """The org's profiles and its administrator, who creates them."""
        if any(True for _ in self.store.live("User")):
            return
        admin_id = self.store.new_id("User")
        actor = Actor(admin_id, self.now)
        for name in PROFILES:
            self.profiles[name] = self.store.create("Profile", {"Name": name}, actor)
        self.store.create(
            "User",
            self._user_data(
                f"admin@{domain}.sf",
                f"admin@{domain}",
                "Sandbox",
                "Admin",
                "System Administrator",
                True,
                "UTC",
            ),
            actor,
            record_id=admin_id,
        )

    def admin(self) -> Actor:
        self.bootstrap("example.com")
        admin = next(u for u in self.store.live("User") if u["Username"].startswith("admin@"))
        return Actor(admin["Id"], self.now)

    def profile(self, name: str) -> str:
        self.bootstrap("example.com")
        if name not in self.profiles:
            self.profiles[name] = self.store.create("Profile", {"Name": name}, self.admin())
        return self.profiles[name]

    def _user_data(
        self, username: str, email: str, first: str, last: str, profile: str, active: bool,
        time_zone: str,
    ) -> dict[str, Any]:  # fmt: skip
        return {
            "Username": username,
            "Email": email,
            "FirstName": first,
            "LastName": last,
            "Alias": (first[:1] + last[:4]).lower(),
            "IsActive": active,
            "ProfileId": self.profiles[profile]
            if profile in self.profiles
            else self.profile(profile),
            "TimeZoneSidKey": time_zone,
            "LanguageLocaleKey": "en_US",
            "UserType": "Standard",
        }

    def user(
        self, username: str, email: str, first: str, last: str, *, profile: str = "Standard User",
        active: bool = True, time_zone: str = "America/Los_Angeles",
    ) -> str:  # fmt: skip
        self.bootstrap("example.com")
        data = self._user_data(username, email, first, last, profile, active, time_zone)
        return self.store.create("User", data, self.admin())

    def company(self, company: Company) -> dict[str, Any]:
        self.bootstrap(company.domain)
        accounts = {
            name: self.store.create("Account", {"Name": name}, self.admin()) for name in COMPANIES
        }
        counts = {"users": 0, "contacts": 0, "leads": 0, "events": 0}
        user_ids: list[str] = []
        for index, person in enumerate(company.users):
            rng = company.rng("salesforce-user", person.username)
            user_id = self.user(
                person.username, person.email, person.first_name, person.last_name,
                profile="Sales Manager" if rng.random() < 0.3 else "Standard User",
                time_zone=person.time_zone,
            )  # fmt: skip
            user_ids.append(user_id)
            counts["users"] += 1
            actor = Actor(user_id, self.now, None, person.time_zone)
            contact_ids = self.contacts(company, person, actor, accounts)
            counts["contacts"] += len(contact_ids)
            counts["leads"] += self.leads(company, person, actor)
            counts["events"] += self.events(company, person, actor, contact_ids, user_ids, index)
        domain = company.domain
        for n in (1, 2):
            self.user(f"former.employee{n}@{domain}.sf", f"former.employee{n}@{domain}",
                      "Former", f"Employee {n}", active=False)  # fmt: skip
        if company.users:
            first = company.users[0]
            self.user(f"duplicate.{first.username}", first.email, first.first_name,
                      f"{first.last_name} (duplicate)")  # fmt: skip
        return counts

    def contacts(
        self, company: Company, person: CompanyUser, actor: Actor, accounts: dict[str, str]
    ) -> list[str]:
        rng = company.rng("salesforce-contacts", person.username)
        created = []
        for _ in range(CONTACTS_PER_USER):
            fake = fake_person(rng)
            data: dict[str, Any] = {
                "Salutation": rng.choice(["Mr.", "Ms.", "Dr.", None]),
                "FirstName": fake.first_name,
                "LastName": fake.last_name,
                "Email": fake.emails[0],
                "Title": fake.title,
                "Department": rng.choice(["Sales", "Finance", "Opérations", None]),
                "Phone": fake.phone,
                "MobilePhone": fake.mobile,
                "AccountId": accounts[fake.company],
                "MailingStreet": fake.street,
                "MailingCity": fake.city,
                "MailingState": fake.state or None,
                "MailingPostalCode": fake.postal_code,
                "MailingCountry": fake.country,
            }
            if len(fake.emails) > 1:
                data["Secondary_Email__c"] = fake.emails[1]
            if rng.random() < 0.3:
                data["Birthdate"] = date(
                    rng.randint(1960, 2000), rng.randint(1, 12), rng.randint(1, 28)
                ).isoformat()
            if rng.random() < 0.2:
                data.update(
                    OtherStreet="1 Home Lane", OtherCity=fake.city, OtherCountry=fake.country
                )
            created.append(self.store.create("Contact", data, actor))
        return created

    def leads(self, company: Company, person: CompanyUser, actor: Actor) -> int:
        rng = company.rng("salesforce-leads", person.username)
        for _ in range(LEADS_PER_USER):
            fake = fake_person(rng)
            self.store.create(
                "Lead",
                {"FirstName": fake.first_name, "LastName": fake.last_name, "Company": fake.company,
                 "Email": fake.emails[0], "Phone": fake.phone, "City": fake.city,
                 "Country": fake.country, "Status": "Working - Contacted"},
                actor,
            )  # fmt: skip
        return LEADS_PER_USER

    def events(
        self, company: Company, person: CompanyUser, actor: Actor, contacts: list[str],
        users: list[str], index: int,
    ) -> int:  # fmt: skip
        rng = company.rng("salesforce-events", person.username)
        zone = ZoneInfo(person.time_zone)
        today = self.now.astimezone(zone).date()

        def local(day: date, hour: int, minute: int = 0) -> str:
            at = datetime.combine(day, time(hour, minute), zone).astimezone(UTC)
            return at.isoformat()

        def create(data: dict[str, Any]) -> str:
            return self.store.create("Event", data, actor)

        count = 0
        for offset in (-7, -2, 1, 3, 8):
            day = today + timedelta(days=offset)
            create({
                "Subject": rng.choice(SUBJECTS), "StartDateTime": local(day, rng.randint(8, 16)),
                "DurationInMinutes": rng.choice([30, 60, 90]), "Location": rng.choice(["Zoom", "Salle Étoile", None]),
                "Description": "Agenda:\n- bilan\n- next steps", "WhoId": rng.choice(contacts),
            })  # fmt: skip
            count += 1
        create(
            {
                "Subject": "Offsite",
                "IsAllDayEvent": True,
                "ActivityDate": (today + timedelta(days=5)).isoformat(),
                "DurationInMinutes": 1440,
            }
        )
        create(
            {
                "Subject": "Trade fair (3 days)",
                "IsAllDayEvent": True,
                "ActivityDate": (today + timedelta(days=10)).isoformat(),
                "DurationInMinutes": 3 * 1440,
                "ShowAs": "OutOfOffice",
            }
        )
        create(
            {
                "Subject": "Doctor",
                "StartDateTime": local(today + timedelta(days=2), 12),
                "DurationInMinutes": 45,
                "IsPrivate": True,
            }
        )
        count += 3
        monday = today - timedelta(days=today.weekday()) + timedelta(days=7)
        series = create({
            "Subject": "Weekly team sync", "StartDateTime": local(monday, 9, 30), "DurationInMinutes": 30,
            "IsRecurrence2": True, "Recurrence2PatternText": "RRULE:FREQ=WEEKLY;INTERVAL=1;BYDAY=MO;COUNT=10",
            "Recurrence2PatternTimeZone": person.time_zone,
        })  # fmt: skip
        # One occurrence moved: an org makes that occurrence row an exception of the series.
        third = sorted(
            (e for e in self.store.live("Event") if e.get("RecurrenceActivityId") == series),
            key=lambda e: e["StartDateTime"],
        )[2]
        self.store.update("Event", third["Id"], {
            "Subject": "Weekly team sync (moved)", "StartDateTime": local(monday + timedelta(days=15), 11),
            "DurationInMinutes": 30,
        }, actor)  # fmt: skip
        count += 11
        meeting = create(
            {
                "Subject": "Cross-time-zone planning",
                "StartDateTime": local(today + timedelta(days=4), 16),
                "DurationInMinutes": 60,
                "Location": "Teams",
            }
        )
        for contact in rng.sample(contacts, k=min(2, len(contacts))):
            self.store.create(
                "EventRelation",
                {"EventId": meeting, "RelationId": contact, "IsInvitee": True, "Status": "New"},
                actor,
            )
        if index > 0:
            self.store.create(
                "EventRelation",
                {
                    "EventId": meeting,
                    "RelationId": users[0],
                    "IsInvitee": True,
                    "Status": "Accepted",
                },
                actor,
            )
        return count + 1
