"""Sync state: which items are linked, where each side's change feed stands, runs and issues.

Nothing here holds contact or event content: only ids, versions, hashes and counts. Foreign
keys to the enrolled user use the lazy "syncengine.SyncUser" reference so that this app never
imports the engine.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone

SYNC_USER = "syncengine.SyncUser"


class Kind(models.TextChoices):
    CONTACTS = "contacts", "Contacts"
    EVENTS = "events", "Events"


class Side(models.TextChoices):
    SALESFORCE = "salesforce", "Salesforce"
    MAILBOX = "mailbox", "Mailbox"


class ItemState(models.TextChoices):
    """The same values as syncengine.state.Status."""

    PENDING = "pending", "Waiting for its copy"
    SYNCED = "synced", "In sync"
    DETACHED = "detached", "Detached (one copy gone, the other kept unsynced)"
    ERROR = "error", "Last change failed"


class ItemMapping(models.Model):
    """Two items known to be the same, or one item on its way to being paired.

    A pending row has exactly one id: its copy on the other side is being created (no Salesforce
    id: a create in Salesforce; no mailbox id: a create in the mailbox). Every other state has
    both ids. A detached row names the side whose item is gone."""

    sync_user = models.ForeignKey(SYNC_USER, on_delete=models.CASCADE, related_name="mappings")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    salesforce_id = models.CharField(max_length=18, null=True, blank=True)
    # EWS item ids run to ~150 characters and Graph ids to ~160; leave room.
    mailbox_id = models.CharField(max_length=512, null=True, blank=True)
    salesforce_version = models.CharField(max_length=64, blank=True)
    mailbox_version = models.CharField(max_length=255, blank=True)
    # Field hashes only: "<field>", and "<side>:<field>" where one side holds another value.
    field_hashes = models.JSONField(default=dict, blank=True)
    state = models.CharField(max_length=8, choices=ItemState.choices, default=ItemState.SYNCED)
    detached_side = models.CharField(
        max_length=10,
        choices=Side.choices,
        blank=True,
        help_text="Detached: the side whose item is gone.",
    )
    # {"<side>": {"<field>": "<hash>"}}: what an update under way is writing to that side. Written
    # just before the update batch, cleared with its result; a row that still has them after a
    # crash tells the next run which values are lsync's own writes.
    intents = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["sync_user", "kind", "salesforce_id"],
                condition=models.Q(salesforce_id__isnull=False),
                name="mapping_unique_salesforce",
            ),
            models.UniqueConstraint(
                fields=["sync_user", "kind", "mailbox_id"],
                condition=models.Q(mailbox_id__isnull=False),
                name="mapping_unique_mailbox",
            ),
            # Only a pending row lacks an id, and it lacks exactly one.
            models.CheckConstraint(
                condition=models.Q(
                    state=ItemState.PENDING, salesforce_id__isnull=True, mailbox_id__isnull=False
                )
                | models.Q(
                    state=ItemState.PENDING, salesforce_id__isnull=False, mailbox_id__isnull=True
                )
                | (
                    ~models.Q(state=ItemState.PENDING)
                    & models.Q(salesforce_id__isnull=False, mailbox_id__isnull=False)
                ),
                name="mapping_ids_by_state",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    state=ItemState.DETACHED, detached_side__in=["salesforce", "mailbox"]
                )
                | (~models.Q(state=ItemState.DETACHED) & models.Q(detached_side="")),
                name="mapping_detached_side",
            ),
        ]
        # The unique constraints already index lookups by either side's id.
        indexes = [models.Index(fields=["sync_user", "kind", "state"], name="mapping_state")]

    def __str__(self) -> str:
        return f"{self.kind} {self.salesforce_id or '(pending)'} ↔ {(self.mailbox_id or '')[:24]}"


class SyncCursor(models.Model):
    sync_user = models.ForeignKey(SYNC_USER, on_delete=models.CASCADE, related_name="cursors")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    side = models.CharField(max_length=10, choices=Side.choices)
    # Graph delta links are long URLs; Google sync tokens and Salesforce timestamps are short.
    value = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["sync_user", "kind", "side"], name="cursor_unique")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.side} cursor"


class RunStatus(models.TextChoices):
    RUNNING = "running", "Running"
    OK = "ok", "OK"
    PARTIAL = "partial", "Partly done"
    FAILED = "failed", "Failed"
    GUARD = "guard", "Stopped by a guard"
    THROTTLED = "throttled", "Throttled"
    DRY_RUN = "dry-run", "Dry run"
    # Its worker died or lost the user's lease before the run finished.
    ABANDONED = "abandoned", "Abandoned"


class SyncRun(models.Model):
    sync_user = models.ForeignKey(SYNC_USER, on_delete=models.CASCADE, related_name="runs")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=RunStatus.choices, default="running")
    counts = models.JSONField(default=dict, blank=True)
    api_calls = models.PositiveIntegerField(default=0)
    # The Salesforce share of api_calls: what the org's daily allocation is charged.
    salesforce_api_calls = models.PositiveIntegerField(default=0)
    salesforce_limits = models.TextField(
        blank=True, help_text="The Sforce-Limit-Info header of the last Salesforce response."
    )
    message = models.TextField(blank=True)
    # Seconds from an edit to lsync's write of it on the other side, per direction
    # ("salesforce_to_mailbox", "mailbox_to_salesforce"); at most 50 each (syncengine/delays.py).
    delays = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["sync_user", "kind", "-started_at"], name="run_recent")]

    def __str__(self) -> str:
        return f"{self.kind} run {self.started_at:%Y-%m-%d %H:%M} {self.status}"


class SyncIssue(models.Model):
    sync_user = models.ForeignKey(SYNC_USER, on_delete=models.CASCADE, related_name="issues")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    run = models.ForeignKey(
        SyncRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="issues"
    )
    # Blank when the issue concerns the whole run (a guard, an authentication failure).
    side = models.CharField(max_length=10, choices=Side.choices, blank=True)
    item_id = models.CharField(max_length=512, blank=True)
    code = models.CharField(max_length=64)
    # Plain language for an administrator; never a secret, never the item's content.
    message = models.TextField()
    retryable = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    ignored = models.BooleanField(default=False)
    retry_requested = models.BooleanField(default=False)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["sync_user", "kind", "resolved_at"], name="issue_open"),
        ]

    def __str__(self) -> str:
        return f"{self.code}: {self.message[:60]}"

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None and not self.ignored


class UnresolvedReason(models.TextChoices):
    COMPANY_NO_ACCOUNT = "company_no_account", "Company matches no Account"
    ATTENDEE_NO_MATCH = "attendee_no_match", "Attendee matches no contact or lead"


class UnresolvedItem(models.Model):
    """A synced item Salesforce could not relate: Lightning Sync's "Unresolved Items".

    `value` is the one piece of content kept here (the company name or the attendee's e-mail):
    the administrator must see it to pick or create the right record, reading it live would cost
    an API call per row on every page view, and it is already what the provider's issue message
    names. Rows go with the user, not with a Reset sync (it keeps the Salesforce records they name).
    """

    sync_user = models.ForeignKey(SYNC_USER, on_delete=models.CASCADE, related_name="unresolved")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    salesforce_id = models.CharField(max_length=18)
    reason = models.CharField(max_length=24, choices=UnresolvedReason.choices)
    value = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution = models.CharField(max_length=255, blank=True)
    ignored = models.BooleanField(default=False)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["sync_user", "kind", "salesforce_id", "reason", "value"],
                name="unresolved_unique",
            )
        ]
        indexes = [models.Index(fields=["sync_user", "resolved_at"], name="unresolved_open")]

    def __str__(self) -> str:
        return f"{self.get_reason_display()}: {self.salesforce_id}"

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None and not self.ignored


class FeedCursor(models.Model):
    """Where the org's change feed of one kind stands (syncengine/changefeed.py), and the lease
    that keeps a second reader of that kind away (a conditional UPDATE, like a user's lease)."""

    kind = models.CharField(max_length=8, choices=Kind.choices, unique=True)
    value = models.TextField(blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    lease_owner = models.CharField(max_length=64, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.kind} change feed"


class FeedMark(models.Model):
    """Whether a user's next run of a kind reads Salesforce: `marked_at` is when the feed last
    saw a change of theirs, `read_at` when a finished run last read their Salesforce side."""

    sync_user = models.ForeignKey(SYNC_USER, on_delete=models.CASCADE, related_name="feed_marks")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    marked_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["sync_user", "kind"], name="feed_mark_unique")
        ]

    def __str__(self) -> str:
        return f"{self.kind} feed mark"


class ApiUsageSample(models.Model):
    """The org's Salesforce API use as Salesforce reported it (``Sforce-Limit-Info``: calls in
    the rolling 24 h, and the allocation), taken by each change-feed read, with the calls that
    read itself made. Runs' calls are on SyncRun. Kept for two days."""

    taken_at = models.DateTimeField(default=timezone.now, db_index=True)
    used = models.PositiveIntegerField()
    # "limit", not "allocation": field names must not look like content (test_models.py).
    daily_limit = models.PositiveIntegerField()
    feed_calls = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-taken_at"]

    def __str__(self) -> str:
        return f"{self.used}/{self.daily_limit} at {self.taken_at:%Y-%m-%d %H:%M}"
