"""Exchange on-premises, mail side of enrollment: the service account's domain and its
additional domains. Mailboxes are not probed yet (no EWS client in lsync yet)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from syncengine.provider import Probe, domain_of


@dataclass
class ExchangeMailboxes:
    """Exchange on-premises: the service account's domain; mailboxes are not probed (no EWS
    client in lsync yet), so linked users are checked by their first sync."""

    username: str
    additional_domains: Sequence[str] = ()
    method: str = "exchange"
    recheck_denied: bool = False

    def domains(self) -> frozenset[str] | None:
        return frozenset({domain_of(self.username)}) if "@" in self.username else None

    def probe(self, address: str) -> Probe:
        return Probe(
            "unverified",
            f"lsync does not check Exchange mailboxes before the first sync; {address} is linked "
            "by its e-mail address and the first sync will report a missing mailbox or missing "
            "ApplicationImpersonation.",
        )
