"""Logging in: the login form's messages and the start page each user lands on."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from connections.permissions import MANAGE_SYNC, VIEW_SYNC_STATUS


class LoginForm(AuthenticationForm):
    """Django's login form, with messages that name the empty field."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].error_messages["required"] = "User name: enter your user name."
        self.fields["password"].error_messages["required"] = "Password: enter your password."


def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not user.is_authenticated:
        return redirect_to_login("/")
    if user.has_perm(MANAGE_SYNC):
        return redirect("setup:index")
    if user.has_perm(VIEW_SYNC_STATUS):
        return redirect("status:index")
    # Neither: the setup page's 403 says which permission to ask for.
    return redirect("setup:index")
