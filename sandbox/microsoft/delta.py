"""Delta queries. Each state token names a server-side snapshot ({id: changeKey}) of what the
client has seen, so a round reports exactly the new, changed and removed items since then."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from sandbox.core import Request, Response
from sandbox.microsoft.directory import Directory
from sandbox.microsoft.errors import GraphError
from sandbox.microsoft.state import Mailbox

DEFAULT_PAGE = 100
# ({id: changeKey}, the full representation of an id when asked) for a scope: only the items a
# round reports are shaped, so a round over a large folder with few changes stays cheap. Plain
# strings, not an object per item: 50,000 small objects per round made Python's collector scan
# the whole emulator again and again (0.4 s of a quiet round at 50,000 contacts).
Current = Callable[[dict[str, str]], tuple[dict[str, str], Callable[[str], dict[str, Any]]]]


@dataclass
class Cursor:
    mailbox_id: str
    path: str
    scope: dict[str, str]
    snapshot: dict[str, str]
    pending: list[dict[str, Any]] = field(default_factory=list)
    # Ids the round reported as new or changed; replayed next round when replays are on.
    reported: list[str] = field(default_factory=list)


def _stale(directory: Directory, request: Request, scope: dict[str, str] | None) -> GraphError:
    headers = []
    if directory.gone_with_location:
        query = [f"{k}={quote(v)}" for k, v in (scope or {}).items() if v]
        query.append("$deltatoken=")
        headers.append(("Location", f"{request.base_url}{request.path}?{'&'.join(query)}"))
    return GraphError(
        410,
        "SyncStateNotFound",
        f"The sync state generation is not found; generation={len(directory.cursors)};"
        f"[highest={len(directory.cursors) + 1}].",
        headers,
    )


def run(
    directory: Directory,
    request: Request,
    box: Mailbox,
    current: Current,
    odata_type: str,
    initial_scope: dict[str, str],
    context: str,
    empty_first_page: bool = False,
) -> Response:
    # An empty $deltatoken (the 410 Location form) starts over, like no token at all.
    skip, delta = request.arg("$skiptoken") or None, request.arg("$deltatoken") or None
    token = skip or delta
    cursor: Cursor | None = None
    if token is not None:
        found = directory.cursors.get(token)
        if (
            not isinstance(found, Cursor)
            or found.mailbox_id != box.id
            or found.path != request.path
        ):
            raise _stale(directory, request, found.scope if isinstance(found, Cursor) else None)
        cursor = found
    if cursor is not None and skip is not None:
        scope, snapshot, changes = cursor.scope, cursor.snapshot, cursor.pending
        reported = cursor.reported
    else:
        scope = cursor.scope if cursor is not None else initial_scope
        seen = cursor.snapshot if cursor is not None else {}
        snapshot, shape = current(scope)
        changes = [shape(item_id) for item_id, key in snapshot.items() if seen.get(item_id) != key]
        changes += [
            {"@odata.type": odata_type, "id": item_id, "@removed": {"reason": "deleted"}}
            for item_id in seen
            if item_id not in snapshot
        ]
        reported = [str(obj["id"]) for obj in changes if "@removed" not in obj]
        if directory.delta_replays and cursor is not None:
            # Outlook may send items again in a later round although they did not change.
            again = set(reported)
            changes += [shape(i) for i in cursor.reported if i in snapshot and i not in again]
    prefer = re.search(r"odata\.maxpagesize=(\d+)", request.header("prefer") or "")
    size = max(1, int(prefer.group(1))) if prefer else DEFAULT_PAGE
    page, pending = changes[:size], changes[size:]
    if empty_first_page and token is None:
        # Outlook's first calendarView/delta page is typically empty, with only a nextLink.
        page, pending = [], changes
    body: dict[str, Any] = {"@odata.context": context, "value": page}
    base = f"{request.base_url}{request.path}"
    new_token = directory.ids.uuid().replace("-", "")
    if token is None and empty_first_page or pending:
        cursor = Cursor(box.id, request.path, scope, snapshot, pending, reported)
        directory.save_cursor(new_token, cursor)
        body["@odata.nextLink"] = f"{base}?$skiptoken={new_token}"
    else:
        cursor = Cursor(box.id, request.path, scope, snapshot, reported=reported)
        directory.save_cursor(new_token, cursor)
        body["@odata.deltaLink"] = f"{base}?$deltatoken={new_token}"
    headers = [("Preference-Applied", f"odata.maxpagesize={size}")] if prefer else []
    return Response.json(body, headers=headers)
