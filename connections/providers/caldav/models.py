"""The CalDAV/CardDAV provider's settings: its `MailConnection` row (the table all mail methods
share, in connections/models.py), read as a typed value of only the columns it uses."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from connections.mail_settings import MailSettings
from connections.models import MailConnection

KEY = "caldav"
DELEGATION, PER_USER = "delegation", "per_user"


def read_user_passwords(text: str) -> dict[str, tuple[str, str]]:
    """{address: (login, password)} from the stored JSON; anything unreadable is no entry."""
    try:
        value = json.loads(text or "{}")
    except ValueError:
        return {}
    if not isinstance(value, dict):
        return {}
    return {
        str(address).lower(): (str(pair[0]), str(pair[1]))
        for address, pair in value.items()
        if isinstance(pair, list) and len(pair) == 2
    }


def server_of(url_template: str) -> str:
    """The server's root URL, from a user's principal URL template."""
    parts = urlsplit(url_template)
    return f"{parts.scheme}://{parts.netloc}/"


def write_user_passwords(passwords: dict[str, tuple[str, str]]) -> str:
    return json.dumps({a: [login, pw] for a, (login, pw) in sorted(passwords.items())})


@dataclass(frozen=True)
class CalDavSettings:
    mail: MailSettings
    url_template: str  # a user's principal URL (https://dav.example.com/{email}/) or the server's
    username: str  # delegation: the service account that may act for every user
    password: str = field(repr=False)  # secret: encrypted at rest, write-only on the page
    auth: str = DELEGATION
    user_passwords: dict[str, tuple[str, str]] = field(default_factory=dict, repr=False)

    @classmethod
    def load(cls) -> CalDavSettings:
        row = MailConnection.load(KEY)
        return cls(
            mail=MailSettings.of(row),
            url_template=row.dav_url_template,
            username=row.username,
            password=row.password or "",
            auth=row.dav_auth or DELEGATION,
            user_passwords=read_user_passwords(row.dav_user_passwords or ""),
        )

    @property
    def server_url(self) -> str:
        return server_of(self.url_template)

    @property
    def per_user(self) -> bool:
        return self.auth == PER_USER

    @property
    def complete(self) -> bool:
        if self.per_user:
            return bool(self.url_template and self.user_passwords)
        return bool(self.url_template and self.username and self.password)

    def credentials_for(self, address: str) -> tuple[str, str] | None:
        """Who signs in to reach `address`'s collections: the service account, or the user with
        their own app password (None when none is stored for them)."""
        if not self.per_user:
            return (self.username, self.password)
        return self.user_passwords.get(address.lower())
