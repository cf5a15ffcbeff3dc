"""The CalDAV/CardDAV provider's settings: its `MailConnection` row (the table all mail methods
share, in connections/models.py), read as a typed value of only the columns it uses."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from connections.mail_settings import MailSettings
from connections.models import MailConnection

KEY = "caldav"


@dataclass(frozen=True)
class CalDavSettings:
    mail: MailSettings
    url_template: str  # a user's principal URL: https://dav.example.com/{email}/
    username: str  # the service account that may act for every user
    password: str  # secret: encrypted at rest, write-only on the page

    @classmethod
    def load(cls) -> CalDavSettings:
        row = MailConnection.load(KEY)
        return cls(
            mail=MailSettings.of(row),
            url_template=row.dav_url_template,
            username=row.username,
            password=row.password or "",
        )

    @property
    def server_url(self) -> str:
        parts = urlsplit(self.url_template)
        return f"{parts.scheme}://{parts.netloc}/"

    @property
    def complete(self) -> bool:
        return bool(self.url_template and self.username and self.password)
