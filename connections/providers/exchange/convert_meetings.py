"""Pure reads of what an Exchange calendar item says beyond its content: who organizes it (the
user only attends an invitation) and whether the user marked it for Salesforce (a category)."""

from __future__ import annotations

from typing import Any

from connections.providers.exchange.convert import RESPONSE_FROM
from syncengine.records import norm_email
from syncengine.stores.base import Invitation


def invitation_of(item: Any, owner: str) -> Invitation | None:
    """Who organizes an Exchange item: None when the mailbox owner does (`MyResponseType`
    Organizer, or the organizer is the owner), else the organizer, the meeting's iCalendar UID
    and the owner's own response."""
    mine = str(getattr(item, "my_response_type", None) or "").lower()
    org = getattr(item, "organizer", None)
    address = norm_email(getattr(org, "email_address", None))
    if mine == "organizer" or not address or address == norm_email(owner):
        return None
    return Invitation(
        address, str(getattr(item, "uid", None) or ""), RESPONSE_FROM.get(mine, "none")
    )


def has_category(item: Any, category: str | None) -> bool:
    """Whether the user marked an Exchange item with `category` (Outlook compares category names
    without regard to case); None: no mark is asked for, every item counts as marked."""
    if category is None:
        return True
    wanted = category.casefold()
    return any(str(c).strip().casefold() == wanted for c in getattr(item, "categories", None) or [])
