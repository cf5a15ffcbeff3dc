"""What the Exchange contacts and events stores share: the mailbox opened by impersonation,
SyncFolderItems with the sync state as cursor, reading full items in chunks, bulk writes and
error translation.

Reads: SyncFolderItems asks for ids and change keys only, then GetItem fetches the changed items
in chunks (EWS does not return every property, such as bodies, from SyncFolderItems).
Writes: one CreateItem, UpdateItem and DeleteItem request per kind of op in a batch (exchangelib's
bulk_* with the whole batch as one chunk).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

from exchangelib import Account
from exchangelib.folders import BaseFolder, Root
from exchangelib.items import (
    ALL_OCCURRENCES,
    ALWAYS_OVERWRITE,
    ID_ONLY,
    MOVE_TO_DELETED_ITEMS,
    NEVER_OVERWRITE,
    SAVE_ONLY,
    SEND_TO_ALL_AND_SAVE_COPY,
    SEND_TO_NONE,
)
from exchangelib.services import SyncFolderItems
from exchangelib.services.common import EWSService
from exchangelib.util import MNS

from connections.providers.exchange.client import ExchangeClient
from connections.providers.exchange.convert import MARKER_FIELD, UnsupportedRecurrence
from connections.providers.exchange.errors import EXPIRED, store_error
from connections.providers.exchange.stores.services import BulkCreate, BulkDelete, BulkUpdate
from syncengine.stores.base import (
    Create,
    CursorExpired,
    Item,
    Kind,
    Op,
    OpResult,
    ProviderError,
    Rejected,
    Side,
    Update,
)

T = TypeVar("T")
MAX_CHANGES = 512  # EWS's largest SyncFolderItems page


class _SyncFolderItems(SyncFolderItems):
    """Exchange leaves SyncState out of an error answer (an invalid or expired state), where
    exchangelib 5.6 reads it before the response code and fails on None. Without one, the
    answer is read as any EWS answer, so ErrorInvalidSyncStateData is raised as itself."""

    def _get_element_container(self, message: Any, name: Any = None) -> Any:
        if message.find(f"{{{MNS}}}SyncState") is None:
            return EWSService._get_element_container(self, message=message, name=name)
        return super()._get_element_container(message=message, name=name)


CHUNK = 100  # EWS takes many items per request; exchangelib's default chunk


class ExchangeStore:
    side: Side = "mailbox"
    kind: Kind
    max_batch = CHUNK
    item_class: Any

    def __init__(self, client: ExchangeClient, mailbox: str, *, invitations: bool = False) -> None:
        self.client = client
        self.mailbox = mailbox.strip().lower()
        self.invitations = invitations
        self._extra_calls = 0

    @property
    def api_calls(self) -> int:
        return self.client.calls + self._extra_calls

    @api_calls.setter
    def api_calls(self, value: int) -> None:
        self._extra_calls = value - self.client.calls

    # ------------------------------------------------------------------ hooks

    def folder(self, account: Account) -> BaseFolder:
        raise NotImplementedError

    def kind_folder(self, account: Account) -> BaseFolder:
        """The distinguished folder of this kind: which fields GetItem asks for (no request)."""
        raise NotImplementedError

    def to_item(self, obj: Any) -> Item | None:
        """Our Item for a fetched exchangelib item; None to leave it out (outside the window)."""
        raise NotImplementedError

    def fill(self, obj: Any, record: Any) -> Any:
        raise NotImplementedError

    def fields_for(self, fields: frozenset[str] | None) -> list[str]:
        raise NotImplementedError

    def update_fields(self, op: Update) -> list[str]:
        """The exchangelib fields an update writes."""
        return self.fields_for(op.fields)

    def over_occurrence(self, account: Account, op: Create) -> tuple[Any, list[str]]:
        """A modified occurrence written over its occurrence: the item to update and its fields."""
        raise ValueError("only a calendar's series have occurrences")

    # ------------------------------------------------------------------ plumbing

    @contextmanager
    def translated(self) -> Iterator[None]:
        try:
            yield
        except Exception as exc:
            error = store_error(
                exc, service_account=self.client.settings.username, mailbox=self.mailbox
            )
            if error is exc:
                raise
            raise error from exc

    def run(self, action: Callable[[Account], T]) -> T:
        with self.translated():
            return self.client.run(self.mailbox, action)

    @staticmethod
    def root(account: Account) -> Root:
        # A root built locally: distinguished folders under it are addressed by name and mailbox,
        # so no GetFolder request is needed to reach Contacts or Calendar.
        return Root(account=account)

    # ------------------------------------------------------------------ reading

    def sync(self, account: Account, state: str | None) -> tuple[list[str], list[str], str]:
        """(created or updated ids, deleted ids, new sync state) since `state`: SyncFolderItems
        pages of ids and change keys until Exchange says the range is complete."""
        folder = self.folder(account)
        changed: dict[str, None] = {}
        deleted: dict[str, None] = {}
        service = _SyncFolderItems(account=account)
        while True:
            changes = service.call(
                folder=folder,
                shape=ID_ONLY,
                additional_fields=set(),
                sync_state=state,
                ignore=None,
                max_changes_returned=MAX_CHANGES,
                sync_scope=None,
            )
            for change, obj in changes:
                item_id = getattr(obj, "id", None)
                if not item_id:
                    continue
                if change == "delete":
                    changed.pop(item_id, None)
                    deleted[item_id] = None
                elif change in ("create", "update"):
                    deleted.pop(item_id, None)
                    changed[item_id] = None
            done = service.sync_state == state or service.includes_last_item_in_range
            state = service.sync_state
            if done:
                break
        return list(changed), list(deleted), str(state or "")

    def fetch(self, account: Account, ids: Sequence[str]) -> list[Any]:
        """The items for `ids` (GetItem in chunks); missing ones are left out."""
        if not ids:
            return []
        found = account.fetch(
            ids=[(i, None) for i in ids], folder=self.kind_folder(account), chunk_size=CHUNK
        )
        return [obj for obj in found if not isinstance(obj, Exception)]

    def items(self, account: Account, ids: Sequence[str]) -> list[Item]:
        out = []
        for obj in self.fetch(account, ids):
            item = self.to_item(obj)
            if item is not None:
                out.append(item)
        return out

    @staticmethod
    def parse_cursor(cursor: str) -> dict[str, Any]:
        try:
            state = json.loads(cursor)
        except ValueError:
            raise CursorExpired(EXPIRED) from None
        if not isinstance(state, dict) or not state.get("s"):
            raise CursorExpired(EXPIRED)
        return state

    # ------------------------------------------------------------------ writing

    def apply(self, ops: Sequence[Op]) -> list[OpResult]:
        if len(ops) > self.max_batch:
            raise ValueError(f"batch of {len(ops)} exceeds max_batch={self.max_batch}")
        return self.run(lambda account: self._apply(account, ops))

    def _apply(self, account: Account, ops: Sequence[Op]) -> list[OpResult]:
        results: list[OpResult | None] = [None] * len(ops)
        creates: list[tuple[int, Any]] = []
        updates: dict[bool, list[tuple[int, Any, list[str]]]] = {True: [], False: []}
        deletes: list[tuple[int, tuple[str, str | None]]] = []
        moved: list[tuple[int, Any, list[str]]] = []
        for n, op in enumerate(ops):
            try:
                if isinstance(op, Create) and op.occurrence is not None:
                    # Never a second meeting: written over its occurrence (docs/series.md).
                    obj, names = self.over_occurrence(account, op)
                    obj.clean(version=account.version)
                    moved.append((n, obj, names))
                elif isinstance(op, Create):
                    obj = self.fill(self.item_class(account=account), op.record)
                    if op.marker:
                        setattr(obj, MARKER_FIELD, op.marker)
                    # Field checks now (a value too long for its field), so one item's problem
                    # is its own result instead of failing the whole request.
                    obj.clean(version=account.version)
                    creates.append((n, obj))
                elif isinstance(op, Update):
                    obj = self.item_class(
                        account=account, id=op.id, changekey=op.expected_version or None
                    )
                    self.fill(obj, op.record)
                    obj.clean(version=account.version)
                    names = self.update_fields(op)
                    if not names:  # nothing of the item itself to write (see update_fields)
                        results[n] = OpResult(True, op.id, op.expected_version)
                        continue
                    updates[bool(op.expected_version)].append((n, obj, names))
                else:
                    deletes.append((n, (op.id, None)))
            except (UnsupportedRecurrence, ValueError) as exc:
                results[n] = OpResult(False, getattr(op, "id", None), error=Rejected(str(exc)))
        if moved:  # first: the series' exdates written after them would delete them
            self._updates(account, moved, False, results)
        if creates:
            self._creates(account, creates, results)
        for checked, group in updates.items():
            if group:
                self._updates(account, group, checked, results)
        if deletes:
            self._deletes(account, deletes, results)
        return [r or OpResult(False, error=ProviderError("not applied")) for r in results]

    def _error(self, exc: BaseException) -> ProviderError:
        return store_error(exc, service_account=self.client.settings.username, mailbox=self.mailbox)

    @property
    def _send(self) -> str:
        return SEND_TO_ALL_AND_SAVE_COPY if self.invitations else SEND_TO_NONE

    def _creates(
        self, account: Account, creates: list[tuple[int, Any]], results: list[OpResult | None]
    ) -> None:
        answers = BulkCreate(account=account, chunk_size=CHUNK).call(
            items=[obj for _, obj in creates],
            folder=self.folder(account),
            message_disposition=SAVE_ONLY,
            send_meeting_invitations=self._send,
        )
        for (n, _), answer in zip(creates, answers, strict=True):
            if isinstance(answer, Exception):
                results[n] = OpResult(False, None, error=self._error(answer))
            else:
                results[n] = OpResult(True, str(answer.id), str(answer.changekey or ""))

    def _updates(
        self,
        account: Account,
        group: list[tuple[int, Any, list[str]]],
        checked: bool,
        results: list[OpResult | None],
    ) -> None:
        answers = BulkUpdate(account=account, chunk_size=CHUNK).call(
            items=[(obj, fields) for _, obj, fields in group],
            conflict_resolution=NEVER_OVERWRITE if checked else ALWAYS_OVERWRITE,
            message_disposition=SAVE_ONLY,
            send_meeting_invitations_or_cancellations=self._send,
            suppress_read_receipts=True,
        )
        for (n, obj, _), answer in zip(group, answers, strict=True):
            if isinstance(answer, Exception):
                results[n] = OpResult(False, obj.id, error=self._error(answer))
            else:
                item_id, changekey = answer
                results[n] = OpResult(True, str(item_id), str(changekey or ""))

    def _deletes(
        self,
        account: Account,
        deletes: list[tuple[int, tuple[str, str | None]]],
        results: list[OpResult | None],
    ) -> None:
        # Moved to Deleted Items (the user can restore them); cancellations go to nobody unless
        # the configuration sends invitations.
        answers = BulkDelete(account=account, chunk_size=CHUNK).call(
            items=[ref for _, ref in deletes],
            delete_type=MOVE_TO_DELETED_ITEMS,
            send_meeting_cancellations=self._send,
            affected_task_occurrences=ALL_OCCURRENCES,
            suppress_read_receipts=True,
        )
        for (n, ref), answer in zip(deletes, answers, strict=True):
            if isinstance(answer, Exception):
                results[n] = OpResult(False, ref[0], error=self._error(answer))
            else:
                results[n] = OpResult(True, ref[0], None)
