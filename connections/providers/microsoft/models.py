"""The Microsoft 365 provider's settings: its `MailConnection` row (the table all mail methods
share, in connections/models.py), read as a typed value of only the columns it uses."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from connections.mail_settings import MailSettings
from connections.models import MailConnection

KEY = "microsoft365"


@dataclass(frozen=True)
class Microsoft365Settings:
    mail: MailSettings
    tenant_id: str  # secret at rest: encrypted, shown masked
    consented_at: datetime | None

    @classmethod
    def load(cls) -> Microsoft365Settings:
        row = MailConnection.load(KEY)
        return cls(
            mail=MailSettings.of(row),
            tenant_id=(row.tenant_id or "").strip(),
            consented_at=row.consented_at,
        )
