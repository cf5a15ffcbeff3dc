"""The Google Workspace provider's settings: its `MailConnection` row (the table all mail
methods share, in connections/models.py), read as a typed value of only the columns it uses."""

from __future__ import annotations

from dataclasses import dataclass

from connections.mail_settings import MailSettings
from connections.models import MailConnection

KEY = "google"


@dataclass(frozen=True)
class GoogleSettings:
    mail: MailSettings
    service_account_key: str  # secret: the uploaded JSON key, encrypted at rest
    client_email: str
    private_key_id: str

    @classmethod
    def load(cls) -> GoogleSettings:
        row = MailConnection.load(KEY)
        return cls(
            mail=MailSettings.of(row),
            service_account_key=row.service_account_key or "",
            client_email=row.client_email,
            private_key_id=row.private_key_id,
        )
