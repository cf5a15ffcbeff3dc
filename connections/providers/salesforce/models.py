"""The Salesforce provider's settings: the one `SalesforceConnection` row (table in
connections/models.py, kept there so the migrations stay put), read as a typed value."""

from __future__ import annotations

from dataclasses import dataclass

from connections.models import SalesforceConnection

__all__ = ["SalesforceConnection", "SalesforceSettings"]


@dataclass(frozen=True)
class SalesforceSettings:
    login_url: str
    consumer_key: str
    private_key: str  # secret: never logged or shown
    api_version: str

    @classmethod
    def load(cls) -> SalesforceSettings:
        row = SalesforceConnection.load()
        return cls(row.login_url, row.consumer_key, row.private_key, row.api_version)

    @property
    def complete(self) -> bool:
        return bool(self.consumer_key and self.private_key)
