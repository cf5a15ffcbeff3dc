"""What a REST handler gets besides the request: the caller's session and user, the API version
and the acting identity for writes."""

from __future__ import annotations

from dataclasses import dataclass

from sandbox.salesforce.auth import Session
from sandbox.salesforce.store import Actor


@dataclass(frozen=True)
class Ctx:
    session: Session
    actor: Actor
    version: str


def call_client(header: str | None) -> str | None:
    """The ``client`` of a ``Sforce-Call-Options: client=lsync, defaultNamespace=x`` header."""
    for part in (header or "").split(","):
        key, _, value = part.strip().partition("=")
        if key.strip().lower() == "client" and value.strip():
            return value.strip()
    return None
