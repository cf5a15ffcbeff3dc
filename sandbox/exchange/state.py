"""In-memory Exchange organisation: mailboxes, folders, items, service accounts and the
change sequence that SyncFolderItems reads."""

from __future__ import annotations

import base64
import hashlib
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from sandbox.core import Clock

if TYPE_CHECKING:
    from sandbox.exchange.notifications import PullSubscription

# Distinguished folders every mailbox has: (distinguished id, display name, class, kind).
DEFAULT_FOLDERS = (
    ("msgfolderroot", "Top of Information Store", "IPF.Note", "Folder"),
    ("inbox", "Inbox", "IPF.Note", "Folder"),
    ("sentitems", "Sent Items", "IPF.Note", "Folder"),
    ("deleteditems", "Deleted Items", "IPF.Note", "Folder"),
    ("drafts", "Drafts", "IPF.Note", "Folder"),
    ("contacts", "Contacts", "IPF.Contact", "ContactsFolder"),
    ("calendar", "Calendar", "IPF.Appointment", "CalendarFolder"),
    ("tasks", "Tasks", "IPF.Task", "TasksFolder"),
)
FOLDER_KINDS = ("Folder", "ContactsFolder", "CalendarFolder", "TasksFolder", "SearchFolder")


@dataclass
class Folder:
    id: str
    change_key: str
    parent_id: str | None
    display_name: str
    folder_class: str
    kind: str
    distinguished: str | None = None


@dataclass
class Item:
    id: str
    change_key: str
    folder_id: str
    kind: str  # the element name: Contact, CalendarItem, Message...
    fields: dict[str, ET.Element]  # local element name -> element, as stored
    extended: dict[tuple[str, ...], ET.Element]  # ExtendedFieldURI key -> t:ExtendedProperty
    created: datetime
    modified: datetime
    created_seq: int
    modified_seq: int
    # Calendar items only: occurrences changed or removed, by original start (UTC ISO).
    exceptions: dict[str, ExceptionData] = field(default_factory=dict)
    deleted_occurrences: set[str] = field(default_factory=set)
    # Conflict detection: the sequence at which each field last changed, and at which each
    # change key was issued.
    field_seqs: dict[str, int] = field(default_factory=dict)
    key_seqs: dict[str, int] = field(default_factory=dict)
    # Server-side facts that are not fields a client writes (organizer, my response).
    meta: dict[str, str] = field(default_factory=dict)

    def touch(self, seq: int, change_key: str, fields: set[str], now: datetime) -> None:
        self.modified_seq = seq
        self.modified = now
        self.change_key = change_key
        self.key_seqs[change_key] = seq
        for name in fields:
            self.field_seqs[name] = seq


@dataclass
class ExceptionData:
    id: str
    change_key: str
    fields: dict[str, ET.Element]


@dataclass
class Tombstone:
    item_id: str
    folder_id: str
    kind: str
    created_seq: int
    deleted_seq: int


@dataclass
class Mailbox:
    smtp: str
    display_name: str
    folders: dict[str, Folder] = field(default_factory=dict)
    items: dict[str, Item] = field(default_factory=dict)
    tombstones: list[Tombstone] = field(default_factory=list)
    aliases: set[str] = field(default_factory=set)

    def distinguished(self, name: str) -> Folder | None:
        for folder in self.folders.values():
            if folder.distinguished == name:
                return folder
        return None


@dataclass
class ServiceAccount:
    """An account that signs in to EWS (what it may do is in the role assignments)."""

    upn: str  # user@domain
    netbios_domain: str  # DOMAIN in DOMAIN\\user
    password: str
    mailbox: str | None = None  # its own mailbox, if any

    @property
    def sam(self) -> str:
        return self.upn.partition("@")[0]

    def names(self) -> set[str]:
        """Every form a client may sign in with, lower-cased."""
        return {
            self.upn.lower(),
            f"{self.netbios_domain}\\{self.sam}".lower(),
            self.sam.lower(),
        }


@dataclass(frozen=True)
class RoleAssignment:
    """``New-ManagementRoleAssignment -Role ApplicationImpersonation -User ...`` with, when
    ``recipients`` is set, a custom management scope limited to those mailboxes."""

    name: str
    role: str
    user: str  # the service account's UPN, lower-cased
    recipients: frozenset[str] | None = None  # None: the whole organisation


@dataclass
class DeleteRecord:
    """What DeleteItem was asked to do with meeting cancellations (tests read these)."""

    mailbox: str
    item_id: str
    subject: str
    delete_type: str
    send_meeting_cancellations: str | None
    cancellations_sent: list[str]


@dataclass
class InvitationRecord:
    mailbox: str
    item_id: str
    subject: str
    operation: str  # CreateItem / UpdateItem
    mode: str | None  # SendToNone / SendOnlyToAll / SendToAllAndSaveCopy...
    recipients: list[str]


class Organisation:
    def __init__(self, clock: Clock, seed: int = 0) -> None:
        self.clock = clock
        self.seed = seed
        self.mailboxes: dict[str, Mailbox] = {}
        self.accounts: list[ServiceAccount] = []
        self.role_assignments: list[RoleAssignment] = []
        self.sequence = 0
        self.counter = 0
        self.sync_generation = 0
        self.deletes: list[DeleteRecord] = []
        self.invitations: list[InvitationRecord] = []
        self.domains: list[str] = []
        # SyncFolderItems errors without SyncState/IncludesLastItemInRange (schema-legal).
        self.omit_sync_state_on_error = False
        # Pull subscriptions by id (sandbox/exchange/notifications.py).
        self.subscriptions: dict[str, PullSubscription] = {}

    # --- ids ---------------------------------------------------------------------------------
    def make_id(self, kind: str) -> str:
        """Stable, opaque, base64 ids that look like Exchange's (AAMkA...)."""
        self.counter += 1
        digest = hashlib.sha256(f"{self.seed}:{kind}:{self.counter}".encode()).digest()
        return "AAMkA" + base64.urlsafe_b64encode(digest[:30]).decode().rstrip("=")

    def make_change_key(self) -> str:
        self.counter += 1
        digest = hashlib.sha256(f"{self.seed}:ck:{self.counter}".encode()).digest()
        return "EQAAABYAAA" + base64.b64encode(digest[:18]).decode()

    def next_seq(self) -> int:
        self.sequence += 1
        return self.sequence

    # --- directory ---------------------------------------------------------------------------
    def add_mailbox(self, smtp: str, display_name: str) -> Mailbox:
        box = Mailbox(smtp=smtp.lower(), display_name=display_name)
        root = Folder(
            self.make_id("folder"), self.make_change_key(), None, "", "", "Folder", "root"
        )
        box.folders[root.id] = root
        top_id = root.id
        for distinguished, name, folder_class, kind in DEFAULT_FOLDERS:
            parent = root.id if distinguished == "msgfolderroot" else top_id
            folder = Folder(
                self.make_id("folder"),
                self.make_change_key(),
                parent,
                name,
                folder_class,
                kind,
                distinguished,
            )
            box.folders[folder.id] = folder
            if distinguished == "msgfolderroot":
                top_id = folder.id
        self.mailboxes[box.smtp] = box
        return box

    def mailbox(self, address: str) -> Mailbox | None:
        address = address.lower()
        if address in self.mailboxes:
            return self.mailboxes[address]
        for box in self.mailboxes.values():
            if address in box.aliases:
                return box
        return None

    def add_account(self, account: ServiceAccount) -> ServiceAccount:
        self.accounts = [a for a in self.accounts if a.upn.lower() != account.upn.lower()]
        self.accounts.append(account)
        return account

    def account(self, name: str) -> ServiceAccount | None:
        name = name.lower()
        for account in self.accounts:
            if name in account.names():
                return account
        return None

    def grant_impersonation(self, upn: str, recipients: set[str] | None = None) -> RoleAssignment:
        scope = frozenset(r.lower() for r in recipients) if recipients is not None else None
        assignment = RoleAssignment(
            f"ApplicationImpersonation-{upn.lower()}-{len(self.role_assignments) + 1}",
            "ApplicationImpersonation",
            upn.lower(),
            scope,
        )
        self.role_assignments.append(assignment)
        return assignment

    def revoke_impersonation(self, upn: str) -> None:
        self.role_assignments = [
            a for a in self.role_assignments
            if not (a.user == upn.lower() and a.role == "ApplicationImpersonation")
        ]  # fmt: skip

    def may_impersonate(self, account: ServiceAccount, box: Mailbox) -> bool:
        return any(
            a.role == "ApplicationImpersonation"
            and a.user == account.upn.lower()
            and (a.recipients is None or box.smtp in a.recipients)
            for a in self.role_assignments
        )

    def find_item(self, item_id: str) -> tuple[Mailbox, Item] | None:
        for box in self.mailboxes.values():
            if item_id in box.items:
                return box, box.items[item_id]
        return None
