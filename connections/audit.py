"""Audit trail of setup changes: who, when, which page, which fields. Never values."""

from __future__ import annotations

from collections.abc import Iterable

from django.http import HttpRequest

from connections.models import AuditEntry


def record(request: HttpRequest, page: str, fields: Iterable[str], action: str = "save") -> None:
    user = request.user if request.user.is_authenticated else None
    AuditEntry.objects.create(
        user=user,
        username=user.get_username() if user else "",
        page=page,
        action=action,
        fields=sorted(set(fields)),
    )


def changed_fields(before: dict[str, object], after: dict[str, object]) -> list[str]:
    """Names of the fields whose value differs; the values themselves are dropped here."""
    return sorted(name for name in after if before.get(name) != after[name])
