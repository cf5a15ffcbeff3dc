"""What every mail provider's settings have, read from its `MailConnection` row."""

from __future__ import annotations

from dataclasses import dataclass

from connections.models import MailConnection


def domain_list(values: object) -> tuple[str, ...]:
    if not isinstance(values, list | tuple):
        return ()
    return tuple(sorted({str(v).strip().lower().lstrip("@") for v in values if str(v).strip()}))


@dataclass(frozen=True)
class MailSettings:
    enabled: bool
    sync_kinds: str
    domains: tuple[str, ...]  # the e-mail domains it claims, from the setup page
    status: str

    @classmethod
    def of(cls, row: MailConnection) -> MailSettings:
        return cls(
            enabled=bool(row.enabled),
            sync_kinds=str(row.sync_kinds),
            domains=domain_list(row.additional_domains),
            status=str(row.status),
        )
