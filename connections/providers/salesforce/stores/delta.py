"""The incremental read of a Salesforce store in one API call (base.py's `changes`).

One composite request holds the three reads a quiet run needs, run in this order by Salesforce:
the delete log's window (`sobjects/X/deleted`: whether the log still covers the cursor), every
row of the user's base scope stamped since the cursor, deleted ones included (queryAll: Id and
the touched fields), and the rows in the user's scope stamped since the cursor (query, full
fields). Touched rows come before rows in scope, so a write landing between the two shows up as
changed, never as a deletion. Only further result pages cost more calls.

Rows stamped at the cursor's second were already reported by the last read (SystemModstamp has
one-second resolution, so they are read again); the cursor keeps a fingerprint of each such row
as it was read, and a row read again unchanged is dropped before anything else is done with it
(an event's invitees, series and occurrences are read only for rows that moved). A fingerprint
hashes the whole row as Salesforce returned it, so a second edit within the same second is a new
fingerprint, not a repeat.

What this trades: nothing on deletions (the delete log is still asked on every read, within the
same call; deleted rows come from queryAll as before; a cursor older than the log's 15 days
still lists everything again). A re-read row is now compared as Salesforce returned it rather
than as the record it makes, so for an event stamped at the cursor's second an invitee change
that left the Event row untouched is not seen, which no incremental read sees for any other
event either (the Event row's SystemModstamp is what tells them). Beyond cursor.BOUNDARY_CAP
rows in one second the cursor keeps none of them and they are read and compared again.

Seconds that can gain no more rows are not read again: the delete log's answer (asked first in the
same call) carries `latestDateCovered`, Salesforce's own mark before which every transaction has
completed (it holds back to the start of a long-running one). Every row stamped before it was
there to be read, so the cursor moves up to it (base.py). A bulk load's last second, thousands of
rows, is then read again at most once, by the first read after that mark passed it; the cursor
remembers up to BOUNDARY_CAP rows at its second, so that read drops them unconverted.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from connections.providers.salesforce import errors
from connections.providers.salesforce.client import SalesforceError, answer_error
from connections.providers.salesforce.convert import format_datetime, parse_datetime
from connections.providers.salesforce.cursor import soql_time
from syncengine.stores.base import ProviderError

if TYPE_CHECKING:
    from connections.providers.salesforce.stores.base import SalesforceStore

Row = dict[str, Any]


def fingerprint(row: Row) -> str:
    body = json.dumps({k: v for k, v in row.items() if k != "attributes"}, sort_keys=True)
    return hashlib.sha256(body.encode()).hexdigest()[:16]


def log_marks(log: dict[str, Any]) -> tuple[datetime, datetime | None]:
    """A delete log answer's earliestDateAvailable and latestDateCovered (`covered_until`)."""
    earliest = parse_datetime(log["earliestDateAvailable"]).replace(microsecond=0)
    return earliest, covered_until(log)


def covered_until(log: dict[str, Any]) -> datetime | None:
    """The delete log answer's latestDateCovered: every transaction stamped before it had
    completed when Salesforce answered. None when absent or unreadable."""
    value = log.get("latestDateCovered")
    if not isinstance(value, str):
        return None
    try:
        return parse_datetime(value).replace(microsecond=0)
    except ValueError:
        return None


def log_window(start: datetime, now: datetime) -> dict[str, str]:
    end = max(start + timedelta(minutes=1), now.replace(second=0))
    return {"start": format_datetime(start), "end": format_datetime(end)}


def read_since(
    store: SalesforceStore, at: datetime, log_start: datetime, now: datetime
) -> tuple[list[Row], list[Row], datetime, datetime | None]:
    """(touched rows, rows in scope, the delete log's earliestDateAvailable and its
    latestDateCovered when given) since `at`."""
    client = store.client
    after = f"SystemModstamp >= {soql_time(at)}"
    touched = store.soql(
        ["Id", "IsDeleted", "SystemModstamp", *store.touched_fields()], [after, *store.base_scope()]
    )
    in_scope = store.soql(store.select(), [after, *store.scope()], "Id")
    subrequests = [
        {"method": "GET", "referenceId": "log",
         "url": client.rest_url(f"sobjects/{store.sobject}/deleted/", log_window(log_start, now))},
        {"method": "GET", "referenceId": "touched",
         "url": client.rest_url("queryAll/", {"q": touched})},
        {"method": "GET", "referenceId": "rows", "url": client.rest_url("query/", {"q": in_scope})},
    ]  # fmt: skip
    try:
        answers = client.composite(subrequests)
        if len(answers) != len(subrequests):
            raise ProviderError("Salesforce answered part of the read; it will be tried again")
        for answer in answers:
            error = answer_error(answer)
            if error is not None:
                raise error
        log, touched_page, rows_page = (answer.get("body") or {} for answer in answers)
        earliest, covered = log_marks(log)
        return client.records(touched_page), client.records(rows_page), earliest, covered
    except SalesforceError as exc:
        raise errors.translate(exc, client.username, client.login_url) from exc
