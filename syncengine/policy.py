from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Direction = Literal["both", "salesforce_to_mailbox", "mailbox_to_salesforce", "off"]
ConflictPolicy = Literal["salesforce", "mailbox", "newest"]


@dataclass(frozen=True)
class SyncSettings:
    direction: Direction = "both"
    conflict: ConflictPolicy = "salesforce"
    propagate_deletes: bool = True
    sync_private: bool = True
    sync_series: bool = True
    mass_delete_percent: int = 50
    mass_delete_count: int = 200
