"""Response headers every lsync page gets."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers

# Setup and status pages show the organisation's configuration and its users' state: no
# browser or proxy may keep a copy (a shared computer's back button, a caching proxy).
PRIVATE_PREFIXES = ("/setup/", "/status/", "/admin/", "/accounts/")


class NoStoreMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.path == "/" or request.path.startswith(PRIVATE_PREFIXES):
            add_never_cache_headers(response)  # no-store, private, max-age=0
        return response
