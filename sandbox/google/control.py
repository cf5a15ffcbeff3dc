"""The emulator's state changes shared by the APIs, and the Python API that tests, the demo and
the benchmark use to seed and inspect it (a mixin of ``GoogleEmulator``)."""

from __future__ import annotations

import copy
import random
from collections.abc import Iterable
from typing import Any

from sandbox.core import Clock
from sandbox.google.auth import Authority
from sandbox.google.events import check_id, decorate, envelope, validate, writable
from sandbox.google.groups import system_groups
from sandbox.google.invites import propagate
from sandbox.google.lag import snapshot
from sandbox.google.person import PERSON_FIELDS, clean_fields, membership_groups, render
from sandbox.google.store import Contact, Group, Mailbox, StoredEvent, rfc3339

BASE32HEX = "0123456789abcdefghijklmnopqrstuv"


class WorkspaceState:
    lock: Any
    clock: Clock
    ids: random.Random
    domain: str
    mailboxes: dict[str, Mailbox]
    outside: set[str]
    suspended: set[str]
    authority: Authority
    sent_updates: list[dict[str, Any]]
    people_sync_lag: float
    cursor_epoch: int
    seed_value: int

    # --- state changes shared by the APIs ----------------------------------------------------
    def new_contact(
        self, mailbox: Mailbox, fields: dict[str, list[dict[str, Any]]], groups: list[str]
    ) -> Contact:
        number = self.ids.randrange(10**18, 10**19)
        contact = Contact(
            f"people/c{number}", f"{number:x}", fields, list(groups), 0, self.clock.now()
        )
        mailbox.contacts[contact.resource_name] = contact
        self.touch(mailbox, contact)
        return contact

    def touch(self, mailbox: Mailbox, contact: Contact) -> None:
        contact.seq = mailbox.next_seq()
        contact.update_time = self.clock.now()
        snapshot(contact, self.people_sync_lag, contact.update_time)

    def new_group(self, mailbox: Mailbox, name: str) -> Group:
        group = Group(f"contactGroups/{self.ids.getrandbits(56):x}", name, 0, self.clock.now())
        mailbox.groups[group.resource_name] = group
        self.touch_group(mailbox, group)
        return group

    def touch_group(self, mailbox: Mailbox, group: Group) -> None:
        group.seq = mailbox.next_seq()
        group.update_time = self.clock.now()

    def new_event_id(self) -> str:
        return "".join(self.ids.choice(BASE32HEX) for _ in range(26))

    def save_event(self, mailbox: Mailbox, data: dict[str, Any]) -> None:
        seq = mailbox.next_seq()
        now = self.clock.now()
        data["updated"] = rfc3339(now)
        data["etag"] = f'"{int(now.timestamp()) * 1000000 + seq % 1000000:d}"'
        mailbox.events[data["id"]] = StoredEvent(data, seq)

    def commit_event(
        self, mailbox: Mailbox, data: dict[str, Any], before: dict[str, Any] | None
    ) -> None:
        """Saves an event and brings in-domain guests' copies in line with it."""
        self.save_event(mailbox, data)
        propagate(self, mailbox, data, before)

    def record_updates(
        self, mailbox: Mailbox, action: str, data: dict[str, Any], send: str
    ) -> None:
        guests = [
            str(a["email"]).lower()
            for a in data.get("attendees") or []
            if str(a["email"]).lower() != mailbox.email and not a.get("resource")
        ]
        if send == "externalOnly":
            guests = [g for g in guests if not g.endswith("@" + self.domain)]
        elif send == "none":
            guests = []
        self.sent_updates.append(
            {"calendar": mailbox.email, "action": action, "eventId": data["id"],
             "sendUpdates": send, "recipients": guests}
        )  # fmt: skip

    # --- Python API for tests and the demo -------------------------------------------------
    def register_service_account(
        self,
        client_email: str,
        private_key_id: str,
        public_key_pem: str | None = None,
        certificate: str | None = None,
        client_id: str | None = None,
    ) -> str:
        key = public_key_pem or certificate
        if not key:
            raise ValueError("a public key PEM or a certificate is required")
        with self.lock:
            return self.authority.register(client_email, private_key_id, key, client_id).client_id

    def grant_delegation(self, client: str, scopes: Iterable[str]) -> None:
        with self.lock:
            self.authority.grant(client, scopes)

    def revoke_delegation(self, client: str) -> None:
        with self.lock:
            self.authority.revoke_delegation(client)

    def add_user(
        self,
        email: str,
        given_name: str = "",
        family_name: str = "",
        time_zone: str = "UTC",
        suspended: bool = False,
    ) -> Mailbox:
        email = email.lower()
        with self.lock:
            mailbox = Mailbox(email, given_name, family_name, time_zone)
            system_groups(mailbox)
            self.mailboxes[email] = mailbox
            if suspended:
                self.suspended.add(email)
            return mailbox

    def add_outside_user(self, email: str) -> None:
        """An address that exists, but in another Workspace domain (link-error tests)."""
        self.outside.add(email.lower())

    def add_contact(self, email: str, person: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            mailbox = self.mailboxes[email.lower()]
            fields = clean_fields(copy.deepcopy(person), PERSON_FIELDS)
            groups = membership_groups(fields) or ["contactGroups/myContacts"]
            return render(self.new_contact(mailbox, fields, groups), None)

    def add_group(self, email: str, name: str) -> str:
        with self.lock:
            return self.new_group(self.mailboxes[email.lower()], name).resource_name

    def add_event(self, email: str, body: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            mailbox = self.mailboxes[email.lower()]
            event_id = check_id(body["id"]) if "id" in body else self.new_event_id()
            data = writable(copy.deepcopy(body))
            validate(data)
            now = self.clock.now()
            full = envelope(decorate(data, mailbox.email), event_id, mailbox.email, now, 0)
            self.commit_event(mailbox, full, None)
            return copy.deepcopy(full)

    def contacts(self, email: str, include_deleted: bool = False) -> list[dict[str, Any]]:
        with self.lock:
            items = sorted(self.mailboxes[email.lower()].contacts.values(), key=lambda c: c.seq)
            return [render(c, None) for c in items if include_deleted or not c.deleted]

    def events(self, email: str, include_cancelled: bool = False) -> list[dict[str, Any]]:
        with self.lock:
            items = sorted(self.mailboxes[email.lower()].events.values(), key=lambda e: e.seq)
            return [copy.deepcopy(e.data) for e in items if include_cancelled or not e.cancelled]

    def state(self) -> Any:
        with self.lock:
            return {
                "domain": self.domain,
                "users": {
                    email: {
                        "contacts": sum(not c.deleted for c in m.contacts.values()),
                        "groups": sum(not g.system and not g.deleted for g in m.groups.values()),
                        "events": sum(not e.cancelled for e in m.events.values()),
                    }
                    for email, m in sorted(self.mailboxes.items())
                },
                "service_accounts": sorted(self.authority.accounts),
                "delegations": {k: sorted(v) for k, v in self.authority.delegations.items()},
                "tokens": len(self.authority.tokens),
                "token_requests": self.authority.token_requests,
                "cursor_epoch": self.cursor_epoch,
                "sent_updates": len(self.sent_updates),
                "now": self.clock.now().isoformat(),
            }
