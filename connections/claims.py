"""A domain belongs to one mail connection: the setup forms refuse a second claim."""

from __future__ import annotations

from collections.abc import Iterable

from syncengine import registry


def claim_error(
    key: str, domains: Iterable[str], field: str, ignore: Iterable[str] = ()
) -> str | None:
    """The message for the first of `domains` another active connection claims, else None.
    `ignore`: connections whose stored claims the caller checks itself (the same page saves
    them, so their stored domains may be about to change)."""
    skipped = set(ignore)
    conflicts = [c for c in registry.claim_conflicts(key, domains) if c[1].key not in skipped]
    if not conflicts:
        return None
    domain, other = conflicts[0]
    return (
        f"{field}: {domain} already belongs to the {other.label} connection; a domain can belong "
        f"to one mail connection only. Remove {domain} there first, or leave it out here."
    )


def overlap_error(
    field: str, domains: Iterable[str], other: str, other_domains: Iterable[str]
) -> str | None:
    """Two connections saved by one page (hybrid Outlook): the message for the first domain
    in both lists, else None."""
    both = sorted({d.lower() for d in domains} & {d.lower() for d in other_domains})
    if not both:
        return None
    return (
        f"{field}: {both[0]} is also in {other}; with both Outlook methods on, a domain belongs "
        f"to one of them only. Leave {both[0]} out of one of the two."
    )
