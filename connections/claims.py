"""A domain belongs to one mail connection: the setup forms refuse a second claim."""

from __future__ import annotations

from collections.abc import Iterable

from syncengine import registry


def claim_error(key: str, domains: Iterable[str], field: str) -> str | None:
    """The message for the first of `domains` another active connection claims, else None."""
    conflicts = registry.claim_conflicts(key, domains)
    if not conflicts:
        return None
    domain, other = conflicts[0]
    return (
        f"{field}: {domain} already belongs to the {other.label} connection; a domain can belong "
        f"to one mail connection only. Remove {domain} there first, or leave it out here."
    )
