"""The Salesforce change feed of one org and kind, read as one integration user.

One read is one API call while the org is quiet: a composite request holding the queryAll of
every row stamped since the cursor (SystemModstamp order, deleted rows included) and the delete
log's window (`sobjects/X/deleted`, for rows already purged from the recycle bin and to learn
whether the log still covers the cursor). More calls only follow when there is something to
say: further result pages, the invitees of changed events, and the visibility check of changed
contacts for "all I can see" users (25 users x 200 records per call).

Cursor (JSON): ``at`` (rows stamped at or after it are read), ``seen`` (id -> version of the
rows already reported with a stamp at or after ``at``). ``at`` trails the clock by `LAG`, so a
transaction Salesforce stamps before it commits is still read once it commits; the ``seen``
versions keep those re-read rows from being reported twice. A version hashes the whole row, so
a second edit in the same second is a new version, not a repeat. The cursor is only returned
once a read has succeeded: a crash before it is stored makes the next read report the same
changes again (waking a user twice is harmless; missing one is not).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings

from connections.providers.salesforce import convert, errors
from connections.providers.salesforce.client import (
    SalesforceClient,
    SalesforceError,
    answer_error,
    parse_usage,
)
from connections.providers.salesforce.cursor import soql_time
from connections.providers.salesforce.soql import quote
from connections.providers.salesforce.stores.base import chunks
from syncengine.feed import FeedChange, FeedPage
from syncengine.stores.base import Kind

LAG = timedelta(seconds=60)
SEEN_CAP = 5000
SUBREQUESTS = 25
USER_PREFIX = "005"
SOBJECTS: dict[Kind, str] = {"contacts": "Contact", "events": "Event"}


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _minute(value: datetime) -> datetime:
    return value.replace(second=0, microsecond=0)


def version(row: dict[str, Any]) -> str:
    body = json.dumps({k: v for k, v in row.items() if k != "attributes"}, sort_keys=True)
    return hashlib.sha256(body.encode()).hexdigest()[:16]


def encode(at: datetime, seen: dict[str, str]) -> str:
    return json.dumps({"at": soql_time(at), "seen": seen}, sort_keys=True)


def decode(text: str) -> tuple[datetime, dict[str, str]]:
    data = json.loads(text)
    at = datetime.strptime(data["at"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    return at, {str(k): str(v) for k, v in dict(data.get("seen", {})).items()}


class SalesforceFeed:
    def __init__(
        self,
        client: SalesforceClient,
        kind: Kind,
        fields: Sequence[str],
        now: Callable[[], datetime] = _utcnow,
    ) -> None:
        self.client = client
        self.kind = kind
        self.sobject = SOBJECTS[kind]
        self.fields = list(dict.fromkeys(["Id", "OwnerId", "IsDeleted", "SystemModstamp", *fields]))
        self.now = now

    @property
    def api_calls(self) -> int:
        return self.client.api_calls

    @api_calls.setter
    def api_calls(self, value: int) -> None:
        self.client.api_calls = value

    def usage(self) -> tuple[int, int] | None:
        """(used, allocation) from the last response's Sforce-Limit-Info."""
        return parse_usage(self.client.limit_info)

    def _composite(self, subrequests: list[dict[str, Any]]) -> list[dict[str, Any]]:
        try:
            return self.client.composite(subrequests)
        except SalesforceError as exc:
            raise errors.translate(exc, self.client.username, self.client.login_url) from exc

    def _more(self, page: dict[str, Any]) -> list[dict[str, Any]]:
        try:
            return self.client.records(page)
        except SalesforceError as exc:
            raise errors.translate(exc, self.client.username, self.client.login_url) from exc

    # --- reading -----------------------------------------------------------------------------
    def read(self, cursor: str | None) -> FeedPage:
        now = self.now().replace(microsecond=0)
        seen: dict[str, str] = {}
        if cursor is None:
            at = now - LAG
        else:
            at, seen = decode(cursor)
        start = _minute(at)
        end = max(start + timedelta(minutes=1), _minute(now))
        soql = (
            f"SELECT {', '.join(self.fields)} FROM {self.sobject} "
            f"WHERE SystemModstamp >= {soql_time(at)} ORDER BY SystemModstamp, Id"
        )
        window = {"start": convert.format_datetime(start), "end": convert.format_datetime(end)}
        changed, deleted = self._composite(
            [
                {"method": "GET", "referenceId": "changed",
                 "url": self.client.rest_url("queryAll/", {"q": soql})},
                {"method": "GET", "referenceId": "deleted",
                 "url": self.client.rest_url(f"sobjects/{self.sobject}/deleted/", window)},
            ]
        )  # fmt: skip
        log_error = answer_error(deleted)
        if log_error is not None and log_error.code == "INVALID_REPLICATION_DATE":
            # The delete log no longer covers the cursor: nothing can vouch for that time. The
            # next read starts now, which the log covers again.
            return FeedPage([], encode(now, {}), expired=True)
        for error in (answer_error(changed), log_error):
            if error is not None:
                raise errors.translate(error, self.client.username, self.client.login_url)
        rows = self._more(changed.get("body") or {})
        return self._page(
            rows, (deleted.get("body") or {}).get("deletedRecords", []), at, seen, now
        )

    def _page(
        self,
        rows: list[dict[str, Any]],
        purged: list[dict[str, Any]],
        at: datetime,
        seen: dict[str, str],
        now: datetime,
    ) -> FeedPage:
        current: dict[str, tuple[str, datetime]] = {}
        owners: dict[str, tuple[str, bool]] = {}
        for row in rows:
            stamp = convert.parse_datetime(row["SystemModstamp"]).replace(microsecond=0)
            current[row["Id"]] = (version(row), stamp)
            owners[row["Id"]] = (str(row.get("OwnerId") or ""), bool(row.get("IsDeleted")))
        for entry in purged:
            if entry["id"] not in current:
                stamp = convert.parse_datetime(entry["deletedDate"]).replace(microsecond=0)
                current[entry["id"]] = ("-", max(stamp, at))
                owners[entry["id"]] = ("", True)
        fresh = [rid for rid, (ver, _) in current.items() if seen.get(rid) != ver]
        changes = [FeedChange(rid, owners[rid][0], owners[rid][1]) for rid in fresh]
        if self.kind == "events":
            live = [c.record_id for c in changes if not c.deleted]
            invitees = self.invitees(live) if live else {}
            changes = [
                FeedChange(
                    c.record_id, c.owner_id, c.deleted, invitees.get(c.record_id, frozenset())
                )
                for c in changes
            ]
        stamps = [stamp for _, stamp in current.values()]
        next_at = max(at, min(now - LAG, max(stamps, default=at)))
        kept = {rid: ver for rid, (ver, stamp) in current.items() if stamp >= next_at}
        if len(kept) > SEEN_CAP:
            next_at = max(stamps)
            kept = {rid: ver for rid, (ver, stamp) in current.items() if stamp >= next_at}
        return FeedPage(changes, encode(next_at, kept))

    def invitees(self, event_ids: Sequence[str]) -> dict[str, frozenset[str]]:
        """Event id -> the users it invites (EventRelation rows whose relation is a user)."""
        out: dict[str, set[str]] = {}
        for part in chunks(list(event_ids)):
            soql = (
                "SELECT EventId, RelationId FROM EventRelation WHERE EventId IN "
                f"({', '.join(quote(i) for i in part)}) AND IsInvitee = true"
            )
            try:
                rows = list(self.client.query(soql))
            except SalesforceError as exc:
                raise errors.translate(exc, self.client.username, self.client.login_url) from exc
            for row in rows:
                if str(row.get("RelationId", "")).startswith(USER_PREFIX):
                    out.setdefault(row["EventId"], set()).add(row["RelationId"])
        return {k: frozenset(v) for k, v in out.items()}

    def readable(self, user_ids: Sequence[str], record_ids: Sequence[str]) -> dict[str, set[str]]:
        """UserRecordAccess, one subrequest per (user, 200 records), 25 per API call."""
        questions: list[tuple[str, Sequence[str]]] = [
            (user, part) for user in user_ids for part in chunks(list(record_ids))
        ]
        out: dict[str, set[str]] = {user: set() for user in user_ids}
        for batch in chunks(questions, SUBREQUESTS):
            subs = []
            for index, (user, part) in enumerate(batch):
                soql = (
                    "SELECT RecordId, HasReadAccess FROM UserRecordAccess WHERE "
                    f"UserId = {quote(user)} AND RecordId IN ({', '.join(quote(r) for r in part)})"
                )
                subs.append(
                    {"method": "GET", "referenceId": f"q{index}",
                     "url": self.client.rest_url("query/", {"q": soql})}
                )  # fmt: skip
            for (user, part), answer in zip(batch, self._composite(subs), strict=False):
                if answer.get("httpStatusCode", 500) >= 300:
                    # Unknown: wake the user rather than let a change go unseen.
                    out[user].update(part)
                    continue
                for row in (answer.get("body") or {}).get("records", []):
                    if row.get("HasReadAccess"):
                        out[user].add(str(row["RecordId"]))
        return out


def feed_username() -> str:
    """The integration user the feed reads as: LSYNC_SALESFORCE_FEED_USER, else the directory
    user. It must see every record the sync users can (e.g. "View All Data")."""
    for name in ("LSYNC_SALESFORCE_FEED_USER", "LSYNC_SALESFORCE_DIRECTORY_USER"):
        value = str(getattr(settings, name, "") or "").strip()
        if value:
            return value
    return ""


def build_feed(kind: Kind) -> SalesforceFeed | None:
    """None without an integration user: every run then reads Salesforce as before."""
    username = feed_username()
    if not username:
        return None
    from connections.providers.salesforce.stores import build_client

    second = str(getattr(settings, "LSYNC_SALESFORCE_SECOND_EMAIL_FIELD", "") or "") or None
    fields = convert.contact_select(second) if kind == "contacts" else convert.EVENT_SELECT
    return SalesforceFeed(build_client(username), kind, fields)
