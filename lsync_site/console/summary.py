"""What the status pages say: the organisation's figures and each user's state in plain words."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Max
from django.utils import timezone

from connections.models import MailConnection
from mappings.models import RunStatus, SyncIssue, SyncRun, UnresolvedItem
from syncengine.models import KINDS, Direction, KindStatus, LinkStatus, SyncUser
from syncengine.stores.base import Kind

METHOD_NAMES: dict[str, str] = {
    MailConnection.Method.MICROSOFT365: "Microsoft 365",
    MailConnection.Method.GOOGLE: "Google Workspace",
    MailConnection.Method.EXCHANGE: "Exchange (service account)",
}
# Count keys of a run that are changes to items (the rest are errors and skips).
CHANGE_PREFIXES = ("created_", "updated_", "deleted_", "linked")

ADVICE = {
    "auth_failed": "Check the connection in Setup and run its connection test, then press "
    "Sync now.",
    "rate_limited": "Nothing to do: the provider asked us to slow down; the sync backs off "
    "and tries again by itself.",
    "guard_mass_delete": "Check on that side whether so many deletions are wanted. If they are, "
    "press “Let the next run pass the guard”; if not, restore the items first.",
    "guard_empty_side": "That side suddenly lists nothing: check the mailbox folder or the "
    "Salesforce filters. If it is really empty, press “Let the next run pass the guard”.",
    "crash": "The server log has the details; press Sync now to try again.",
    "rejected": "Fix the item in the system that refused it (a required field or a "
    "validation rule), then retry the issue.",
}
DEFAULT_ADVICE = "Press Sync now to try again; if it keeps failing, look at the open issues."


@dataclass(frozen=True)
class OrgSummary:
    methods: list[str]
    linked: int
    users: int
    last_contacts: datetime | None
    last_events: datetime | None
    synced_24h: int
    open_issues: int
    open_unresolved: int


def changes_in(counts: dict[str, Any]) -> int:
    return sum(
        int(v) for k, v in counts.items() if k.startswith(CHANGE_PREFIXES) and isinstance(v, int)
    )


def org_summary() -> OrgSummary:
    users = SyncUser.objects.all()
    last = users.aggregate(c=Max("contacts_synced_at"), e=Max("events_synced_at"))
    since = timezone.now() - timedelta(hours=24)
    recent = SyncRun.objects.filter(started_at__gte=since).exclude(status=RunStatus.DRY_RUN)
    return OrgSummary(
        methods=[METHOD_NAMES.get(c.method, str(c)) for c in MailConnection.active()],
        linked=users.filter(link_status=LinkStatus.LINKED).count(),
        users=users.count(),
        last_contacts=last["c"],
        last_events=last["e"],
        synced_24h=sum(changes_in(c) for c in recent.values_list("counts", flat=True)),
        open_issues=open_issues().count(),
        open_unresolved=UnresolvedItem.objects.filter(
            resolved_at__isnull=True, ignored=False
        ).count(),
    )


def open_issues() -> Any:
    return SyncIssue.objects.filter(resolved_at__isnull=True, ignored=False)


def link_words(user: SyncUser) -> str:
    if user.link_status == LinkStatus.LINKED:
        return f"Linked to {user.mailbox_address or user.email}."
    if user.link_status == LinkStatus.ERROR:
        return user.link_error or "The Salesforce user could not be linked to a mailbox."
    return user.link_error or (
        "Not linked yet: the next enrollment run (every 15 minutes) links the Salesforce user "
        "to their mailbox."
    )


@dataclass(frozen=True)
class KindState:
    kind: Kind
    code: str  # a KindStatus value, or "off"
    label: str
    detail: str
    advice: str
    progress: int
    synced_at: datetime | None


def kind_state(user: SyncUser, kind: Kind) -> KindState:
    status = user.kind_status(kind)
    progress = int(getattr(user, f"{kind}_progress"))
    message = str(getattr(user, f"{kind}_message"))
    synced_at = getattr(user, f"{kind}_synced_at")
    config = user.configuration
    if config is None:
        return KindState(kind, "off", "Not assigned", "No sync configuration.", "", 0, None)
    if config.direction_for(kind) == Direction.OFF:
        return KindState(kind, "off", "Off", f"Off in “{config}”.", "", 0, synced_at)
    label = Direction(config.direction_for(kind)).label
    if status == KindStatus.INITIAL_SYNC:
        return KindState(kind, status, f"Initial sync {progress} %", label, "", progress, synced_at)
    if status == KindStatus.IN_SYNC:
        return KindState(kind, status, "In sync", message or label, "", 100, synced_at)
    if status == KindStatus.ERROR:
        code = (
            open_issues()
            .filter(sync_user=user, kind=kind, item_id="")
            .values_list("code", flat=True)
            .first()
        )
        advice = ADVICE.get(code or "", DEFAULT_ADVICE)
        return KindState(kind, status, "Error", message, advice, progress, synced_at)
    if not config.active:
        return KindState(kind, status, "Not started", f"“{config}” is turned off.", "", 0, None)
    return KindState(kind, status, "Not started", label, "", 0, None)


def kind_states(user: SyncUser) -> list[KindState]:
    return [kind_state(user, kind) for kind in KINDS]


def run_rows(runs: Any) -> list[dict[str, Any]]:
    rows = []
    for run in runs:
        parts = [f"{k.replace('_', ' ')} {v}" for k, v in sorted(run.counts.items()) if v]
        took = (run.finished_at - run.started_at).total_seconds() if run.finished_at else None
        rows.append({"run": run, "summary": ", ".join(parts) or "nothing to do", "took": took})
    return rows
