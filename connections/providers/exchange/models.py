"""The Exchange provider's settings: its `MailConnection` row (the table all mail methods share,
in connections/models.py), read as a typed value of only the columns it uses."""

from __future__ import annotations

from dataclasses import dataclass

from connections.mail_settings import MailSettings
from connections.models import MailConnection

KEY = "exchange"


@dataclass(frozen=True)
class ExchangeSettings:
    mail: MailSettings
    username: str  # user@domain or DOMAIN\user
    password: str  # secret: encrypted at rest, write-only on the page
    ews_url: str  # blank: Autodiscover
    auth_basic: bool
    auth_ntlm: bool

    @classmethod
    def load(cls) -> ExchangeSettings:
        row = MailConnection.load(KEY)
        return cls(
            mail=MailSettings.of(row),
            username=row.username,
            password=row.password or "",
            ews_url=row.ews_url,
            auth_basic=bool(row.auth_basic),
            auth_ntlm=bool(row.auth_ntlm),
        )

    @property
    def account_domain(self) -> str:
        return self.username.rpartition("@")[2].lower() if "@" in self.username else ""
