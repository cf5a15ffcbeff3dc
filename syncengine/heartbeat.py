"""A sync's heartbeat: provider clients call `beat()` after every response, and the run that set
a callback with `on_each_response` renews its lease there.

Why a context variable here and not in the HTTP seam: the engine must not import the
connections layer, and a provider client paging through a long listing cannot be interrupted to
renew the lease; the client only needs to say "a response arrived"."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_on_response: ContextVar[Callable[[], None] | None] = ContextVar("lsync_on_response", default=None)


@contextmanager
def on_each_response(callback: Callable[[], None]) -> Iterator[None]:
    token = _on_response.set(callback)
    try:
        yield
    finally:
        _on_response.reset(token)


def beat() -> None:
    callback = _on_response.get()
    if callback is not None:
        callback()
