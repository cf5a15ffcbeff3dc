"""What the status pages say: the organisation's figures and each user's state in plain words."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Max
from django.utils import timezone

from mappings.models import RunStatus, SyncIssue, SyncRun, UnresolvedItem
from syncengine import registry
from syncengine.models import KINDS, KindStatus, LinkStatus, SyncUser
from syncengine.provider import MailProvider
from syncengine.stores.base import Kind
from syncengine.vocabulary import DIRECTION_LABELS

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


# How old the last sync may be before the organisation summary shows it as a warning.
QUIET_AFTER = timedelta(hours=1)


@dataclass(frozen=True)
class OrgSummary:
    """The organisation's figures, each with a tone (success, warning, error, neutral) so that
    the summary reads at a glance: green is fine, yellow needs a look, red needs action. The
    count of linked users is a plain figure: red goes on the users who cannot be linked and on
    the open errors, where the action is."""

    methods: list[str]
    linked: int
    users: int
    link_errors: int
    last_contacts: datetime | None
    last_events: datetime | None
    synced_24h: int
    open_issues: int
    open_unresolved: int

    @property
    def errors(self) -> int:
        """Users who cannot be linked count as errors: they do not sync at all."""
        return self.open_issues + self.link_errors

    @property
    def errors_tone(self) -> str:
        return "error" if self.errors else "success"

    @property
    def unresolved_tone(self) -> str:
        return "warning" if self.open_unresolved else "success"

    @property
    def contacts_tone(self) -> str:
        return activity_tone(self.last_contacts)

    @property
    def events_tone(self) -> str:
        return activity_tone(self.last_events)


def activity_tone(moment: datetime | None) -> str:
    if moment is None:
        return "neutral"
    return "success" if timezone.now() - moment <= QUIET_AFTER else "warning"


def _with_domains(provider: MailProvider) -> str:
    domains = ", ".join(sorted(provider.claimed_domains()))
    return f"{provider.label} ({domains})" if domains else provider.label


def connection_words(user: SyncUser) -> str:
    """The mail connection the user syncs with, and its domains."""
    if user.mail_connection is None and user.link_status == LinkStatus.ERROR:
        return "None: the user could not be linked (the link error below says why)."
    if user.mail_connection is None:
        return "None yet: the next enrollment run links the user by the domain of its address."
    provider = registry.mail_provider(str(user.mail_connection.method))
    if provider is None:
        return f"{user.mail_connection} (not in LSYNC_PROVIDERS: its users do not sync)"
    words = _with_domains(provider)
    return words if provider.is_active() else f"{words}, turned off"


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
        methods=[_with_domains(p) for p in registry.active_mail_providers()],
        linked=users.filter(link_status=LinkStatus.LINKED).count(),
        users=users.count(),
        link_errors=users.filter(link_status=LinkStatus.ERROR).count(),
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
    if config.direction_for(kind) == "off":
        return KindState(kind, "off", "Off", f"Off in “{config}”.", "", 0, synced_at)
    label = DIRECTION_LABELS[config.direction_for(kind)]
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
