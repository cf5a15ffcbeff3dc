"""`translating`: the one shape every provider's `translated()` shares, each with its own table
of client errors to the engine's."""

from __future__ import annotations

import pytest

from syncengine.stores.base import NotFound, ProviderError, RateLimited, translating


class ClientError(Exception):
    def __init__(self, status: int) -> None:
        super().__init__(f"HTTP {status}")
        self.status = status


def table(error: ClientError) -> ProviderError:
    return NotFound("gone") if error.status == 404 else RateLimited("slow down", retry_after=7)


def test_a_client_error_comes_out_as_the_providers_table_says_with_its_cause() -> None:
    with pytest.raises(NotFound) as caught, translating(ClientError, table):
        raise ClientError(404)
    assert isinstance(caught.value.__cause__, ClientError)
    with pytest.raises(RateLimited) as throttled, translating(ClientError, table):
        raise ClientError(429)
    assert throttled.value.retry_after == 7


def test_other_errors_pass_through_untouched_and_a_quiet_block_raises_nothing() -> None:
    with pytest.raises(KeyError), translating(ClientError, table):
        raise KeyError("x")
    with translating(ClientError, table):
        pass
