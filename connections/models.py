"""Connection settings. Secrets are encrypted at rest (see connections/crypto.py) and write-only."""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django_cryptography.fields import encrypt


class Status(models.TextChoices):
    NOT_CONFIGURED = "not_configured", "Not configured"
    SAVED = "saved", "Saved"
    VERIFIED = "verified", "Verified"
    ERROR = "error", "Error"


class SyncKinds(models.TextChoices):
    BOTH = "both", "Contacts and events"
    CONTACTS = "contacts", "Contacts only"
    EVENTS = "events", "Events only"


class SyncAccess(models.Model):
    """Holds the two permissions of the product; it has no table and no rows."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [
            ("manage_sync", "Can manage sync"),
            ("view_sync_status", "Can view sync status"),
        ]

    def __str__(self) -> str:
        return "Sync access"


class SalesforceConnection(models.Model):
    """The one Salesforce org (JWT bearer flow of a connected app)."""

    login_url = models.URLField(default="https://login.salesforce.com")
    consumer_key = models.CharField(max_length=255, blank=True, default="")
    private_key = encrypt(models.TextField(blank=True, default=""))
    private_key_fingerprint = models.CharField(
        max_length=100, blank=True, default="", help_text="SHA-256 of the public key (DER)."
    )
    api_version = models.CharField(max_length=10, default="62.0")
    # The share of the org's daily API allocation lsync keeps under (syncengine/budget.py).
    api_budget_percent = models.PositiveSmallIntegerField(
        default=10, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NOT_CONFIGURED)
    status_message = models.TextField(blank=True, default="")
    verified_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return "Salesforce connection"

    @classmethod
    def load(cls) -> SalesforceConnection:
        """The stored row, or an unsaved default one (reading a page must not write)."""
        return cls.objects.filter(pk=1).first() or cls(pk=1)

    @property
    def has_private_key(self) -> bool:
        return bool(self.private_key)


class MailConnection(models.Model):
    """One row per connection method; the Outlook page chooses exchange or microsoft365."""

    class Method(models.TextChoices):
        EXCHANGE = "exchange", "Service Account (Exchange)"
        MICROSOFT365 = "microsoft365", "OAuth 2.0 (Microsoft 365)"
        GOOGLE = "google", "Google Workspace service account"
        CALDAV = "caldav", "CalDAV / CardDAV server"

    OUTLOOK_METHODS: ClassVar[tuple[str, str]] = (Method.EXCHANGE, Method.MICROSOFT365)

    method = models.CharField(max_length=20, choices=Method.choices, unique=True)
    enabled = models.BooleanField(default=False)
    # Between exchange and microsoft365 exactly one is chosen once the Outlook page is saved.
    # The other one is enabled too only in hybrid mode (see `outlook_hybrid`).
    chosen = models.BooleanField(default=False)
    sync_kinds = models.CharField(max_length=10, choices=SyncKinds.choices, default=SyncKinds.BOTH)

    username = models.CharField(max_length=255, blank=True, default="")
    password = encrypt(models.TextField(blank=True, default=""))
    ews_url = models.URLField(blank=True, default="", help_text="Blank: Autodiscover.")
    auth_basic = models.BooleanField(default=True)
    auth_ntlm = models.BooleanField(default=False)
    additional_domains = models.JSONField(default=list, blank=True)

    tenant_id = encrypt(models.TextField(blank=True, default=""))
    consented_at = models.DateTimeField(null=True, blank=True)

    dav_url_template = models.CharField(
        max_length=500,
        blank=True,
        default="",
        help_text="A user's principal URL, such as https://dav.example.com/{email}/.",
    )
    # CalDAV: "delegation" (the service account acts for every user) or "per_user" (each user's
    # app password, a JSON object {address: [login, password]}, encrypted).
    dav_auth = models.CharField(max_length=20, default="delegation")
    dav_user_passwords = encrypt(models.TextField(blank=True, default=""))

    service_account_key = encrypt(models.TextField(blank=True, default=""))
    client_email = models.CharField(max_length=255, blank=True, default="")
    private_key_id = models.CharField(max_length=100, blank=True, default="")

    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NOT_CONFIGURED)
    status_message = models.TextField(blank=True, default="")
    verified_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.get_method_display()

    @classmethod
    def load(cls, method: str) -> MailConnection:
        """The stored row for ``method``, or an unsaved default one."""
        return cls.objects.filter(method=method).first() or cls(method=method)

    @classmethod
    def outlook_choice(cls) -> str:
        chosen = cls.objects.filter(method__in=cls.OUTLOOK_METHODS, chosen=True).first()
        return chosen.method if chosen else cls.Method.EXCHANGE

    @classmethod
    def outlook_hybrid(cls) -> bool:
        """Both Outlook methods on, each for its own domains (a company mid-migration from
        Exchange on premises to Microsoft 365). The page saves the method it does not choose
        as off unless the admin asks for hybrid, so both rows enabled means hybrid."""
        on = cls.objects.filter(method__in=cls.OUTLOOK_METHODS, enabled=True)
        return on.count() == len(cls.OUTLOOK_METHODS)

    @classmethod
    def outlook_in_use(cls) -> list[str]:
        """The Outlook methods users are linked through: the chosen one, both in hybrid mode."""
        if cls.outlook_hybrid():
            return list(cls.OUTLOOK_METHODS)
        return [cls.outlook_choice()]

    @classmethod
    def active(cls) -> models.QuerySet[MailConnection]:
        """The connections users sync through: Google and CalDAV if enabled, and the chosen
        Outlook method (both in hybrid mode)."""
        outlook = models.Q(chosen=True)
        if cls.outlook_hybrid():
            outlook |= models.Q(method__in=cls.OUTLOOK_METHODS)
        return (
            cls.objects.filter(enabled=True)
            .filter(models.Q(method__in=(cls.Method.GOOGLE, cls.Method.CALDAV)) | outlook)
            .exclude(status=Status.NOT_CONFIGURED)
        )

    @property
    def masked_tenant_id(self) -> str:
        return mask(self.tenant_id)


def mask(secret: str) -> str:
    """Only the last four characters, and never for short values."""
    if not secret:
        return ""
    if len(secret) < 12:
        return "••••"
    return "••••••••" + secret[-4:]


class AuditEntry(models.Model):
    """Who changed which settings when. Never holds a value, only field names."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    username = models.CharField(max_length=150, blank=True, default="")
    at = models.DateTimeField(auto_now_add=True)
    page = models.CharField(max_length=100)
    action = models.CharField(max_length=50, default="save")
    fields = models.JSONField(default=list, blank=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["-at", "-id"]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.username} {self.page} {self.action}"

    @property
    def field_list(self) -> str:
        value: Any = self.fields
        return ", ".join(value) if isinstance(value, list) else ""


class GraphSubscription(models.Model):
    """A Microsoft Graph change-notification subscription on one user's sync folder or calendar
    (connections/providers/microsoft/push.py). `client_state` is the secret Graph echoes in each
    notification: a notification that does not carry it is refused."""

    sync_user = models.ForeignKey(
        "syncengine.SyncUser", on_delete=models.CASCADE, related_name="graph_subscriptions"
    )
    kind = models.CharField(max_length=8)
    subscription_id = models.CharField(max_length=64, unique=True)
    client_state = encrypt(models.CharField(max_length=128))
    resource = models.CharField(max_length=512)
    expires_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["sync_user", "kind"], name="graph_subscription_unique")
        ]

    def __str__(self) -> str:
        return f"{self.kind} notifications for user {self.sync_user_id}"


class GoogleChannel(models.Model):
    """A Google Calendar watch channel on one user's primary calendar
    (connections/providers/google/push.py). `token` is the secret Google echoes in each message:
    a message that does not carry it is refused. The mailbox is kept so that a channel can still
    be stopped after its user left (deleted users leave the row without a user)."""

    sync_user = models.ForeignKey(
        "syncengine.SyncUser",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="google_channels",
    )
    mailbox = models.CharField(max_length=254)
    channel_id = models.CharField(max_length=64, unique=True)
    token = encrypt(models.CharField(max_length=128))
    resource_id = models.CharField(max_length=255)
    expires_at = models.DateTimeField()
    # When a message last queued the user: later messages queue it again only once a run has
    # started since (or this is old), so a burst of messages makes one run.
    notified_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"calendar channel for user {self.sync_user_id}"


class ExchangeSubscription(models.Model):
    """An EWS pull subscription on one user's Salesforce_Sync contacts folder and calendar
    (connections/providers/exchange/pull.py). Exchange keeps the events after `watermark` while
    lsync asks for them (GetEvents) within the subscription's timeout; past it, the subscription
    is gone and is made again. Neither value is a secret: GetEvents also needs the service
    account's sign-in."""

    sync_user = models.OneToOneField(
        "syncengine.SyncUser", on_delete=models.CASCADE, related_name="exchange_subscription"
    )
    subscription_id = models.CharField(max_length=255, blank=True)
    watermark = models.CharField(max_length=1024, blank=True)
    kinds = models.CharField(max_length=32)  # the folders subscribed: "contacts,events"
    # The last GetEvents or Subscribe that answered; a check claims the row by moving it.
    checked_at = models.DateTimeField()
    # Why the last attempt failed, in words for the status page (blank: working). A failed
    # user is read by polling only until a later attempt succeeds.
    failure = models.CharField(max_length=300, blank=True)

    def __str__(self) -> str:
        return f"Exchange notifications for user {self.sync_user_id}"
