"""System checks for missing or unsafe settings. Their ids are stable: the README lists them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register

from connections import validators

ENDPOINT_SETTINGS = [
    "LSYNC_SALESFORCE_LOGIN_URL",
    "LSYNC_MICROSOFT_LOGIN_URL",
    "LSYNC_GRAPH_URL",
    "LSYNC_GOOGLE_TOKEN_URI",
    "LSYNC_GOOGLE_PEOPLE_URL",
    "LSYNC_GOOGLE_CALENDAR_URL",
    "LSYNC_GOOGLE_BATCH_URL",
    "LSYNC_EWS_URL",
]


@register(Tags.security)
def check_secrets(app_configs: Any = None, **kwargs: Any) -> list[Error | Warning]:
    messages: list[Error | Warning] = []
    key = settings.LSYNC_ENCRYPTION_KEY
    if key == settings.SECRET_KEY:
        messages.append(
            Error(
                "LSYNC_ENCRYPTION_KEY is the same as LSYNC_SECRET_KEY.",
                hint="Give stored secrets a key of their own, then run rotate_encryption_key.",
                id="lsync.E001",
            )
        )
    if len(key) < 32:
        messages.append(
            Error(
                "LSYNC_ENCRYPTION_KEY is shorter than 32 characters.",
                hint="Use `python -c 'import secrets; print(secrets.token_urlsafe(48))'`.",
                id="lsync.E002",
            )
        )
    if settings.DEBUG and not settings.LSYNC_DEMO:
        messages.append(
            Warning(
                "LSYNC_DEBUG is on: error pages show settings and stack traces.",
                hint="Unset LSYNC_DEBUG in production.",
                id="lsync.W001",
            )
        )
    if "*" in settings.ALLOWED_HOSTS:
        messages.append(
            Warning(
                "LSYNC_ALLOWED_HOSTS contains '*'.",
                hint="List the host names the server is reached by.",
                id="lsync.W002",
            )
        )
    if not settings.LSYNC_HTTPS and not settings.LSYNC_DEMO and not settings.DEBUG:
        messages.append(
            Warning(
                "LSYNC_HTTPS is off, so session cookies are sent over plain HTTP.",
                hint="Serve lsync behind HTTPS and set LSYNC_HTTPS=true.",
                id="lsync.W003",
            )
        )
    return messages


@register()
def check_endpoints(app_configs: Any = None, **kwargs: Any) -> list[Error | Warning]:
    messages: list[Error | Warning] = []
    for name in ENDPOINT_SETTINGS:
        value = getattr(settings, name, "")
        if value and not value.startswith("https://"):
            messages.append(
                Error(
                    f"{name} is not an https URL: {value!r}.",
                    hint="Every provider endpoint must use https; TLS verification is never off.",
                    id="lsync.E003",
                )
            )
        try:
            validators.refuse_link_local(value, name)
        except validators.LinkLocalAddress as exc:
            messages.append(Error(exc.messages[0], id="lsync.E006"))
    bundle = settings.LSYNC_CA_BUNDLE
    if bundle and not Path(bundle).is_file():
        messages.append(
            Error(
                f"LSYNC_CA_BUNDLE points at {bundle!r}, which is not a readable file.",
                hint="Give the path of a PEM file holding your private CA certificates.",
                id="lsync.E004",
            )
        )
    return messages


@register()
def check_task_queue(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    q: dict[str, Any] = settings.Q_CLUSTER
    if int(q.get("retry", 0)) <= int(q.get("timeout", 0)):
        return [
            Error(
                "Q_CLUSTER retry is not greater than timeout.",
                hint="django-q2 would start a second copy of a sync that is still running.",
                id="lsync.E005",
            )
        ]
    return []
