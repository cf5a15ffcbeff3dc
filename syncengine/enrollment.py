"""Enrollment: which Salesforce users sync, by which configuration, into which mailbox.

`resolve_enrollment()` reads the assignments, asks Salesforce for the active users they cover
(by user id and by profile id), applies precedence (an individual assignment beats a profile's;
the unique assignment per user already makes the newest individual assignment the only one),
and creates, updates or detaches `SyncUser` rows. A user no longer covered is detached
(configuration cleared), never deleted: its mappings stay for when it comes back.

Each enrolled user is then linked to a mailbox by e-mail address, through the mail connection
whose domains cover the address. Every failure is stored in `link_error` in plain words.
Nothing is written when Salesforce cannot be asked: a Salesforce outage must not detach
everyone.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db import transaction

from syncengine import operations, registry
from syncengine.models import (
    ConfigurationAssignment,
    LinkStatus,
    SyncConfiguration,
    SyncUser,
    TargetType,
)
from syncengine.provider import (
    Directory,
    DirectoryError,
    MailboxDirectory,
    Probe,
    SalesforceUser,
    domain_of,
)

log = logging.getLogger(__name__)

NO_CONNECTION = (
    "No mail connection is enabled: turn on Outlook Integration and Sync or Google Integration "
    "and Sync in Setup, then wait for the next enrollment run."
)
MAX_PROBES = 500
WAITING = (
    "Waiting for its mailbox check: lsync checks at most {limit} mailboxes per enrollment run "
    "(every 15 minutes)."
)
DETACHED = (
    "Not enrolled: the user is no longer assigned to a sync configuration, or is inactive in "
    "Salesforce. Synced items and their links are kept for when the user comes back."
)


@dataclass
class EnrollmentResult:
    enrolled: int = 0
    created: int = 0
    detached: int = 0
    linked: int = 0
    errors: int = 0
    pending: int = 0
    moved: int = 0  # linked users re-linked to another mail connection
    problem: str = ""
    messages: dict[str, str] = field(default_factory=dict)

    def summary(self) -> str:
        if self.problem:
            return f"Enrollment not resolved: {self.problem}"
        return (
            f"{self.enrolled} enrolled ({self.created} new), {self.linked} linked, "
            f"{self.errors} with a link error, {self.pending} pending, {self.detached} detached."
        )


@dataclass(frozen=True)
class Link:
    status: str
    address: str
    message: str
    # The mail connection (its provider key) the address is routed to; "" when none serves it.
    method: str = ""


def assigned_users(
    directory: Directory, assignments: Sequence[ConfigurationAssignment]
) -> dict[str, tuple[SalesforceUser, SyncConfiguration]]:
    """Active Salesforce users by id, each with the configuration it syncs by."""
    by_user = {a.salesforce_id: a.configuration for a in assignments if a.target_type == TargetType.USER}  # fmt: skip
    by_profile = {a.salesforce_id: a.configuration for a in assignments if a.target_type == TargetType.PROFILE}  # fmt: skip
    wanted: dict[str, tuple[SalesforceUser, SyncConfiguration]] = {}
    if by_profile:
        for user in directory.users_by_profile(list(by_profile)):
            if user.active and user.profile_id in by_profile:
                wanted[user.id] = (user, by_profile[user.profile_id])
    if by_user:
        # After the profile pass, so an individual assignment replaces the profile's.
        for user in directory.users_by_id(list(by_user)):
            configuration = by_user.get(user.id) or by_user.get(user.id[:15])
            if user.active and configuration is not None:
                wanted[user.id] = (user, configuration)
    return wanted


def duplicates_of(
    directory: Directory, users: Sequence[SalesforceUser]
) -> dict[str, list[SalesforceUser]]:
    """For each user id, the other active Salesforce users with the same e-mail address."""
    emails = [u.email for u in users if u.email]
    same: dict[str, list[SalesforceUser]] = defaultdict(list)
    for other in directory.users_by_email(emails) if emails else []:
        if other.active:
            same[other.email].append(other)
    return {u.id: [o for o in same.get(u.email, []) if o.id != u.id] for u in users}


def route(address: str, mailboxes: Sequence[MailboxDirectory]) -> MailboxDirectory | Link:
    """The connection that serves `address`, or a "domain not covered" link error."""
    domain = domain_of(address)
    known: list[str] = []
    unknown: list[MailboxDirectory] = []
    for mailbox in mailboxes:
        served = mailbox.domains()
        covered = set(served or ()) | {d.lower() for d in mailbox.additional_domains}
        if domain in covered:
            return mailbox
        known += sorted(covered)
        if served is None:
            unknown.append(mailbox)
    if unknown:
        return unknown[0]
    listed = ", ".join(sorted(set(known))) or "none"
    return Link(
        LinkStatus.ERROR,
        "",
        f"The domain of {address} is not covered: {domain} is neither a mailbox domain of the "
        f"mail connection nor an additional domain (covered: {listed}). Add {domain} to "
        "'Additional domains' in Setup > Outlook Integration and Sync, or change the user's "
        "e-mail address in Salesforce to their mailbox address.",
    )


def duplicate_link(user: SalesforceUser, others: list[SalesforceUser]) -> Link:
    names = ", ".join(f"{o.name or o.username} ({o.username})" for o in others)
    return Link(
        LinkStatus.ERROR,
        "",
        f"Can't link {user.username}: another active Salesforce user has the same e-mail "
        f"address {user.email}: {names}. Give each user their own e-mail address in Salesforce "
        "(Setup > Users), or deactivate the duplicate user; the link is retried automatically.",
    )


def link_from_probe(
    probe: Probe, address: str, previous: SyncUser | None, method: str = ""
) -> Link:
    if probe.outcome in ("ok", "unverified"):
        return Link(LinkStatus.LINKED, address, "", method)
    if probe.outcome == "unavailable":
        # A passing outage must not unlink a working user (nor move it); a new one waits.
        if previous is not None and previous.link_status == LinkStatus.LINKED:
            before = previous.mail_connection.method if previous.mail_connection else method
            return Link(LinkStatus.LINKED, previous.mailbox_address or address, "", before)
        return Link(LinkStatus.PENDING, "", probe.message)
    return Link(LinkStatus.ERROR, "", probe.message)


class Linker:
    """Probes each address at most once per run, through the connection that serves it.

    A user already linked to the same address is not probed again unless `recheck`: its syncs
    report a mailbox that went away, and a run over thousands of users must end well within the
    task timeout. For the same reason at most `limit` addresses are probed per run; the others
    wait for the next run."""

    def __init__(
        self,
        mailboxes: Sequence[MailboxDirectory],
        *,
        recheck: bool = False,
        limit: int = MAX_PROBES,
    ) -> None:
        self.mailboxes = mailboxes
        self.recheck = recheck
        self.limit = limit
        self.probes: dict[tuple[int, str], Probe] = {}
        self.sent = 0

    def probe(self, mailbox: MailboxDirectory, address: str, again: bool = False) -> Probe | None:
        key = (id(mailbox), address)
        if key in self.probes and not (again and self.probes[key].outcome == "no_access"):
            return self.probes[key]
        if self.sent >= self.limit:
            return None
        self.sent += 1
        self.probes[key] = mailbox.probe(address)
        return self.probes[key]

    def link(self, user: SalesforceUser, others: list[SalesforceUser], previous: SyncUser | None, again: bool = False) -> Link:  # fmt: skip
        if not user.email:
            return Link(
                LinkStatus.ERROR,
                "",
                f"{user.username} has no e-mail address in Salesforce: enter one in Setup > Users.",
            )
        if others:
            return duplicate_link(user, others)
        if not self.mailboxes:
            return Link(LinkStatus.PENDING, "", NO_CONNECTION)
        target = route(user.email, self.mailboxes)
        if isinstance(target, Link):
            return target
        if (
            previous is not None
            and previous.link_status == LinkStatus.LINKED
            and previous.mailbox_address == user.email
            and _linked_method(previous) in ("", target.method)
            and not self.recheck
        ):
            return Link(LinkStatus.LINKED, user.email, "", target.method)
        probe = self.probe(target, user.email, again=again and target.recheck_denied)
        if probe is None:
            return Link(LinkStatus.PENDING, "", WAITING.format(limit=self.limit))
        return link_from_probe(probe, user.email, previous, target.method)


def _linked_method(user: SyncUser) -> str:
    return str(user.mail_connection.method) if user.mail_connection else ""


def _connection_ids() -> dict[str, int]:
    found = ((p.key, p.connection_id()) for p in registry.mail_providers())
    return {key: pk for key, pk in found if pk is not None}


def resolve_enrollment(
    directory: Directory | None = None,
    mailboxes: Sequence[MailboxDirectory] | None = None,
    *,
    recheck: bool = False,
    probe_limit: int = MAX_PROBES,
) -> EnrollmentResult:
    """`recheck`: probe the mailboxes of already linked users too."""
    result = EnrollmentResult()
    assignments = list(ConfigurationAssignment.objects.select_related("configuration"))
    wanted: dict[str, tuple[SalesforceUser, SyncConfiguration]] = {}
    duplicates: dict[str, list[SalesforceUser]] = {}
    if assignments:
        try:
            source = directory if directory is not None else registry.salesforce().user_directory()
            wanted = assigned_users(source, assignments)
            duplicates = duplicates_of(source, [user for user, _ in wanted.values()])
        except DirectoryError as exc:
            result.problem = str(exc)
            log.warning("enrollment: %s", exc)
            return result
    existing = {u.salesforce_user_id: u for u in SyncUser.objects.select_related("mail_connection")}
    if mailboxes is None:
        linked = [u.mailbox_address for u in existing.values() if u.link_status == LinkStatus.LINKED and u.mailbox_address]  # fmt: skip
        mailboxes = registry.active_directories(known_good=linked)
    linker = Linker(mailboxes, recheck=recheck, limit=probe_limit)
    links = {
        uid: linker.link(user, duplicates.get(uid, []), existing.get(uid))
        for uid, (user, _) in wanted.items()
    }
    for uid, link in list(links.items()):
        if link.status == LinkStatus.ERROR:
            user = wanted[uid][0]
            links[uid] = linker.link(user, duplicates.get(uid, []), existing.get(uid), again=True)
    connections = _connection_ids()
    with transaction.atomic():
        for uid, (user, configuration) in wanted.items():
            link = links[uid]
            _save(
                result, existing.get(uid), user, configuration, link, connections.get(link.method)
            )
        stale = SyncUser.objects.exclude(salesforce_user_id__in=list(wanted)).filter(
            configuration__isnull=False
        )
        result.detached = stale.update(
            configuration=None, link_status=LinkStatus.PENDING, link_error=DETACHED
        )
    for uid, link in links.items():
        row, target = existing.get(uid), connections.get(link.method)
        if (
            row is not None
            and link.status == LinkStatus.LINKED
            and target is not None
            and row.mail_connection_id not in (None, target)
            and operations.move_to_connection(row.pk, target)
        ):
            result.moved += 1
    log.info("enrollment: %s", result.summary())
    return result


def _save(
    result: EnrollmentResult,
    row: SyncUser | None,
    user: SalesforceUser,
    configuration: SyncConfiguration,
    link: Link,
    connection_id: int | None,
) -> None:
    # A user whose link fails keeps its connection: its mappings belong to it. A linked user
    # moving to another connection is moved after this save, by `move_to_connection`.
    keep = row.mail_connection_id if row is not None else None
    new = connection_id if link.status == LinkStatus.LINKED else keep
    wanted = {
        "configuration_id": configuration.pk,
        "mail_connection_id": keep if keep is not None and new != keep else new,
        "username": user.username,
        "email": user.email,
        "mailbox_address": link.address,
        "link_status": link.status,
        "link_error": link.message,
    }
    if row is None:
        SyncUser.objects.create(salesforce_user_id=user.id, **wanted)
        result.created += 1
    else:
        changed = [name for name, value in wanted.items() if getattr(row, name) != value]
        for name in changed:
            setattr(row, name, wanted[name])
        if changed:
            row.save(update_fields=[*changed, "updated_at"])
    result.enrolled += 1
    result.messages[user.id] = link.message
    if link.status == LinkStatus.LINKED:
        result.linked += 1
    elif link.status == LinkStatus.ERROR:
        result.errors += 1
    else:
        result.pending += 1
