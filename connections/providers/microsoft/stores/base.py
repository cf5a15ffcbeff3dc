"""What the contacts and events stores share: batching writes, reading items in batches,
marker look-ups and error translation."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager
from typing import Any
from urllib.parse import quote, urlencode

from connections.providers.microsoft.client import (
    BATCH_LIMIT,
    BatchResult,
    GraphClient,
    GraphError,
)
from connections.providers.microsoft.convert import MARKER_PROPERTY
from connections.providers.microsoft.errors import store_error
from syncengine.stores.base import (
    Create,
    CursorExpired,
    Delete,
    Item,
    Kind,
    MatchKey,
    Op,
    OpResult,
    ProviderError,
    Rejected,
    Side,
    Update,
    translating,
)
from syncengine.stores.matching import first_matches

EXPAND_MARKER = f"singleValueExtendedProperties($filter=id eq '{MARKER_PROPERTY}')"
Step = dict[str, Any]
# Graph serves at most 4 concurrent requests per mailbox and app: a write batch of the engine
# goes out as up to 4 $batch requests of 20 at once.
CONCURRENT_REQUESTS = 4


def translated() -> AbstractContextManager[None]:
    return translating(GraphError, store_error)


def query(params: dict[str, str]) -> str:
    return urlencode(params, quote_via=quote, safe="$(),'=/:")


def chunks(values: Sequence[str], size: int = BATCH_LIMIT) -> Iterator[list[str]]:
    for i in range(0, len(values), size):
        yield list(values[i : i + size])


_pools: dict[tuple[int, int], ThreadPoolExecutor] = {}


def _pool(size: int) -> ThreadPoolExecutor:
    """Threads kept for the life of the worker process (starting them per batch cost more than
    the requests' wait); per process id, as a forked worker cannot use its parent's threads."""
    key = (os.getpid(), size)
    pool = _pools.get(key)
    if pool is None:
        pool = _pools[key] = ThreadPoolExecutor(max_workers=size, thread_name_prefix="graph")
    return pool


class GraphStore:
    side: Side = "mailbox"
    kind: Kind
    max_batch = BATCH_LIMIT * CONCURRENT_REQUESTS
    concurrent_requests = CONCURRENT_REQUESTS

    def __init__(self, client: GraphClient, mailbox: str) -> None:
        self.client = client
        self.mailbox = mailbox.strip().lower()
        self.user_path = f"/users/{quote(self.mailbox, safe='@')}"
        self._extra_calls = 0
        # What this store wrote: item id -> the version its write returned (None: deleted).
        self.own_writes: dict[str, str | None] = {}

    @property
    def api_calls(self) -> int:
        return self.client.calls + self._extra_calls

    @api_calls.setter
    def api_calls(self, value: int) -> None:
        self._extra_calls = value - self.client.calls

    # ------------------------------------------------------------------ hooks

    def create_step(self, op: Create) -> Step:
        raise NotImplementedError

    def update_step(self, op: Update) -> Step:
        raise NotImplementedError

    def item_path(self, item_id: str) -> str:
        raise NotImplementedError

    # ------------------------------------------------------------------ writing

    def apply(self, ops: Sequence[Op]) -> list[OpResult]:
        if len(ops) > self.max_batch:
            raise ValueError(f"batch of {len(ops)} exceeds max_batch={self.max_batch}")
        results: list[OpResult | None] = [None] * len(ops)
        steps: list[Step] = []
        where: list[int] = []
        for n, op in enumerate(ops):
            try:
                step = self._step(op)
            except ValueError as exc:
                results[n] = OpResult(False, getattr(op, "id", None), error=Rejected(str(exc)))
                continue
            steps.append(step)
            where.append(n)
        answers = self._batches(steps)
        for n, answer in zip(where, answers, strict=True):
            op = ops[n]
            op_id = None if isinstance(op, Create) else op.id
            error = answer if isinstance(answer, GraphError) else answer.error
            if isinstance(answer, GraphError):
                results[n] = OpResult(False, op_id, error=store_error(answer))
            elif error is not None:
                results[n] = OpResult(False, op_id, error=self._op_error(op, error))
            elif isinstance(op, Delete):
                results[n] = OpResult(True, op.id, None)
            else:
                body = answer.body
                results[n] = OpResult(
                    True, str(body.get("id") or op_id), str(body.get("changeKey") or "")
                )
        for op, result in zip(ops, results, strict=True):
            if result is not None and result.ok and result.id:
                self.own_writes[result.id] = None if isinstance(op, Delete) else result.version
        return [
            r if r is not None else OpResult(False, error=ProviderError("not applied"))
            for r in results
        ]

    def _batches(self, steps: list[Step]) -> list[BatchResult | GraphError]:
        """Every step's answer, the steps sent as $batch requests of 20, up to
        CONCURRENT_REQUESTS at once. When every request failed as a whole, that error is raised
        (nothing was written); when only some did, their steps carry the error and the others
        their answers, since those landed."""
        parts = [steps[i : i + BATCH_LIMIT] for i in range(0, len(steps), BATCH_LIMIT)]
        if len(parts) <= 1:
            with translated():
                return list(self.client.batch(steps)) if steps else []
        with translated():
            self.client.token()  # one sign-in before the requests share it
        outcomes = list(_pool(self.concurrent_requests).map(self._one_batch, parts))
        failed = [o for o in outcomes if isinstance(o, GraphError)]
        if len(failed) == len(outcomes):
            raise store_error(failed[0]) from failed[0]
        answers: list[BatchResult | GraphError] = []
        for part, outcome in zip(parts, outcomes, strict=True):
            answers += [outcome] * len(part) if isinstance(outcome, GraphError) else outcome
        return answers

    def _one_batch(self, part: list[Step]) -> list[BatchResult] | GraphError:
        try:
            return self.client.batch(part)
        except GraphError as error:
            return error

    def _op_error(self, op: Op, error: GraphError) -> ProviderError:
        return store_error(error)

    def _step(self, op: Op) -> Step:
        if isinstance(op, Create):
            return self.create_step(op)
        if isinstance(op, Update):
            step = self.update_step(op)
        else:
            step = {"method": "DELETE", "url": self.item_path(op.id)}
        if op.expected_version:
            step["headers"] = {**step.get("headers", {}), "If-Match": f'W/"{op.expected_version}"'}
        return step

    # ------------------------------------------------------------------ reading

    def fetch(
        self, ids: Sequence[str], params: dict[str, str], prefer: str = ""
    ) -> dict[str, dict[str, Any]]:
        """GET each item in batches of 20; missing items are left out."""
        found: dict[str, dict[str, Any]] = {}
        headers = {"Prefer": prefer} if prefer else {}
        for part in chunks(list(dict.fromkeys(ids))):
            steps = [
                {
                    "method": "GET",
                    "url": f"{self.item_path(i)}?{query(params)}",
                    **({"headers": headers} if headers else {}),
                }
                for i in part
            ]
            with translated():
                answers = self.client.batch(steps)
            for item_id, answer in zip(part, answers, strict=True):
                if answer.status == 404 or (
                    answer.status == 400 and "malformed" in str(answer.body).lower()
                ):
                    continue
                if answer.error is not None:
                    raise store_error(answer.error)
                found[item_id] = answer.body
        return found

    def list_all(self, path: str, params: dict[str, str], prefer: str = "") -> list[dict[str, Any]]:
        headers = {"Prefer": prefer} if prefer else None
        out: list[dict[str, Any]] = []
        with translated():
            for page in self.client.pages(f"{path}?{query(params)}", headers=headers):
                out.extend(v for v in page.get("value") or [] if isinstance(v, dict))
        return out

    def delta_pages(
        self,
        url: str,
        prefer: str,
        expiring: bool,
        shape: Callable[[dict[str, Any]], Any] | None = None,
    ) -> tuple[list[Any], str]:
        """Every entry of one delta round (later entries for an id win) and its deltaLink. With
        `shape`, each entry that is not a removal is shaped as its page arrives, so a round of
        50,000 items never holds all of their JSON at once."""
        entries: dict[str, Any] = {}
        link = ""
        try:
            for page in self.client.pages(url, headers={"Prefer": prefer}):
                for entry in page.get("value") or []:
                    if isinstance(entry, dict) and entry.get("id"):
                        entries.pop(str(entry["id"]), None)
                        shaped = entry if shape is None or "@removed" in entry else shape(entry)
                        entries[str(entry["id"])] = shaped
                link = str(page.get("@odata.deltaLink") or link)
        except GraphError as error:
            translated_error = store_error(error)
            if expiring and (
                error.status in (404, 400) or isinstance(translated_error, CursorExpired)
            ):
                raise CursorExpired("the Microsoft 365 sync state has expired") from error
            raise translated_error from error
        return list(entries.values()), link

    @staticmethod
    def match(
        items: Sequence[Item], keys: Sequence[MatchKey], key_of: Callable[[Item], list[MatchKey]]
    ) -> dict[MatchKey, str]:
        return first_matches(items, keys, key_of)
