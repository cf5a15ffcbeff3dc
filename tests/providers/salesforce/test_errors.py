"""Salesforce error codes as store errors: whether a retry can help, and when."""

from __future__ import annotations

import pytest

from connections.providers.salesforce.client import LoginError, SalesforceError
from connections.providers.salesforce.errors import from_code, from_result, translate
from syncengine.stores.base import (
    AuthFailed,
    CursorExpired,
    NotFound,
    ProviderError,
    RateLimited,
    Rejected,
)


@pytest.mark.parametrize(
    ("code", "message", "status", "kind", "permanent"),
    [
        ("REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.", 403, RateLimited, False),
        (
            "REQUEST_LIMIT_EXCEEDED",
            "ConcurrentPerOrgLongTxn Limit exceeded.",
            403,
            RateLimited,
            False,
        ),
        ("SERVER_UNAVAILABLE", "retry later", 503, ProviderError, False),
        ("UNKNOWN_EXCEPTION", "ErrorId 1", 500, ProviderError, False),
        ("ENTITY_IS_DELETED", "entity is deleted", 404, NotFound, True),
        ("INVALID_REPLICATION_DATE", "too old", 400, CursorExpired, False),
        ("INVALID_QUERY_LOCATOR", "invalid query locator", 400, CursorExpired, False),
        ("API_DISABLED_FOR_ORG", "API is not enabled", 403, AuthFailed, True),
        ("INSUFFICIENT_ACCESS_OR_READONLY", "no access", 400, Rejected, True),
        ("FIELD_CUSTOM_VALIDATION_EXCEPTION", "Phone must be E.164", 400, Rejected, True),
    ],
)
def test_codes_map_to_store_errors(
    code: str, message: str, status: int, kind: type, permanent: bool
) -> None:
    error = from_code(code, message, status)
    assert type(error) is kind and error.permanent is permanent


def test_the_daily_limit_waits_an_hour_and_the_concurrency_limit_a_minute() -> None:
    daily = from_code("REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.")
    concurrent = from_code("REQUEST_LIMIT_EXCEEDED", "ConcurrentPerOrgLongTxn Limit exceeded.")
    assert isinstance(daily, RateLimited) and daily.retry_after == 3600
    assert isinstance(concurrent, RateLimited) and concurrent.retry_after == 60


def test_a_failed_collection_result_names_the_fields() -> None:
    error = from_result(
        {
            "success": False,
            "errors": [
                {
                    "statusCode": "STRING_TOO_LONG",
                    "message": "LastName: data value too large",
                    "fields": ["LastName"],
                }
            ],
        }  # fmt: skip
    )
    assert isinstance(error, Rejected) and "(fields: LastName)" in error.message


def test_login_failures_are_auth_failed_unless_the_server_was_unreachable() -> None:
    refused = translate(LoginError("invalid_client_id", "client identifier invalid", 400), "a", "u")
    unreachable = translate(LoginError("unreachable", "timeout"), "a", "https://x")
    assert isinstance(refused, AuthFailed) and "consumer key" in refused.message
    assert type(unreachable) is ProviderError and not unreachable.permanent
    assert isinstance(translate(SalesforceError("NOT_FOUND", "gone", 404)), NotFound)
