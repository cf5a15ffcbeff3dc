"""Access to the setup and status pages.

Anonymous visitors go to the login page; signed-in users without the permission get the
403 page (templates/403.html, rendered by Django's permission_denied handler).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

MANAGE_SYNC = "connections.manage_sync"
VIEW_SYNC_STATUS = "connections.view_sync_status"

View = Callable[..., HttpResponse]


def _require(message: str, *perms: str) -> Callable[[View], View]:
    """Let the request through if the user holds any one of ``perms``."""

    def decorator(view: View) -> View:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not any(user.has_perm(perm) for perm in perms):
                raise PermissionDenied(message)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


manage_sync_required = _require('This page needs the "Can manage sync" permission.', MANAGE_SYNC)
# Whoever may manage sync may also look at its status.
view_sync_status_required = _require(
    'This page needs the "Can view sync status" permission.', VIEW_SYNC_STATUS, MANAGE_SYNC
)
