"""Issue 12 items 8 and 9: logging in says what is missing, each user lands on a page they may
open and sees only those pages in the navigation; failed logins are logged, slowed and locked."""

from __future__ import annotations

import logging
import re
from datetime import timedelta
from typing import Any

import pytest
from axes.models import AccessAttempt, AccessFailureLog
from django.contrib.auth.models import Permission, User
from django.test import Client
from django.utils import timezone

from lsync_site import login_guard

pytestmark = pytest.mark.django_db
LOGIN = "/accounts/login/"


def make(username: str, *codenames: str, **extra: object) -> User:
    user = User.objects.create_user(username, f"{username}@example.com", f"pw-{username}-long")
    for codename in codenames:
        user.user_permissions.add(Permission.objects.get(codename=codename))
    for name, value in extra.items():
        setattr(user, name, value)
    user.save()
    return user


def log_in(client: Client, username: str, password: str, address: str = "10.0.0.1") -> object:
    return client.post(
        LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address, follow=True
    )


def test_the_login_page_says_which_field_is_empty() -> None:
    body = Client().post(LOGIN, {"username": "", "password": ""}).content.decode()
    assert "User name: enter your user name." in body
    assert "Password: enter your password." in body
    assert 'aria-describedby="id_username_error" aria-invalid="true"' in body
    body = Client().post(LOGIN, {"username": "ops", "password": ""}).content.decode()
    assert "Password: enter your password." in body
    assert "User name: enter your user name." not in body


def test_a_user_who_may_only_view_status_lands_on_status_and_sees_only_status_in_the_menu() -> None:
    make("viewer", "view_sync_status")
    client = Client()
    response = log_in(client, "viewer", "pw-viewer-long")
    assert response.redirect_chain[-1][0] == "/status/"  # type: ignore[attr-defined]
    nav = response.content.decode().split('aria-label="Setup"', 1)[1].split("</nav>", 1)[0]  # type: ignore[attr-defined]
    assert 'href="/status/"' in nav
    for page in ("/setup/", "/setup/salesforce/", "/setup/sync-configurations/", "/admin/"):
        assert f'href="{page}"' not in nav


def test_a_manager_lands_on_setup_and_sees_every_setup_page_but_not_the_admin() -> None:
    make("ops", "manage_sync")
    client = Client()
    response = log_in(client, "ops", "pw-ops-long")
    assert response.redirect_chain[-1][0] == "/setup/"  # type: ignore[attr-defined]
    nav = response.content.decode().split('aria-label="Setup"', 1)[1].split("</nav>", 1)[0]  # type: ignore[attr-defined]
    for page in ("/setup/", "/setup/salesforce/", "/setup/sync-configurations/", "/status/"):
        assert f'href="{page}"' in nav
    assert 'href="/admin/"' not in nav  # not staff


def test_failed_logins_are_logged_with_user_name_and_address_never_the_password(
    caplog: pytest.LogCaptureFixture,
) -> None:
    make("ops", "manage_sync")
    with caplog.at_level(logging.INFO, logger="axes"):
        log_in(Client(), "ops", "Wrong-Guess-123", address="10.1.2.3")
    failures = [r.getMessage() for r in caplog.records if "login failure" in r.getMessage()]
    assert failures and '"ops"' in failures[0] and "10.1.2.3" in failures[0]
    assert "Wrong-Guess-123" not in caplog.text
    assert AccessFailureLog.objects.filter(username="ops", ip_address="10.1.2.3").count() == 1


def test_repeated_failures_for_one_user_name_lock_it_from_every_address() -> None:
    make("ops", "manage_sync")
    for n in range(5):
        log_in(Client(), "ops", f"guess-{n}", address=f"10.0.0.{n + 1}")
    # The right password, from yet another address, is refused while the lock lasts.
    response = log_in(Client(), "ops", "pw-ops-long", address="10.9.9.9")
    assert response.status_code == 429  # type: ignore[attr-defined]
    body = response.content.decode()  # type: ignore[attr-defined]
    assert "Too many failed logins" in body and "failed to log in 5 times" in body
    assert re.search(r"Try again in (1 minute|[1-5]?[0-9] seconds)\.", body), body
    assert "_auth_user_id" not in Client().session


def test_repeated_failures_from_one_address_lock_that_address_for_every_user_name() -> None:
    make("ops", "manage_sync")
    for n in range(5):
        log_in(Client(), f"someone{n}", "guess", address="10.6.6.6")
    assert log_in(Client(), "ops", "pw-ops-long", address="10.6.6.6").status_code == 429  # type: ignore[attr-defined]
    ok = log_in(Client(), "ops", "pw-ops-long", address="10.7.7.7")
    assert ok.redirect_chain[-1][0] == "/setup/"  # type: ignore[attr-defined]


def test_the_lock_lifts_after_the_cool_off() -> None:
    make("ops", "manage_sync")
    for n in range(5):
        log_in(Client(), "ops", f"guess-{n}")
    assert log_in(Client(), "ops", "pw-ops-long").status_code == 429  # type: ignore[attr-defined]
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=2))
    AccessFailureLog.objects.update(attempt_time=timezone.now() - timedelta(days=2))
    ok = log_in(Client(), "ops", "pw-ops-long")
    assert ok.redirect_chain[-1][0] == "/setup/"  # type: ignore[attr-defined]


def shift_back(seconds: int) -> None:
    """What the clock does: every recorded failure is that much older."""
    for model in (AccessAttempt, AccessFailureLog):
        for row in model.objects.all():
            row.attempt_time -= timedelta(seconds=seconds)
            row.save(update_fields=["attempt_time"])


def fail(times: int, prefix: str) -> Any:
    """`times` wrong passwords for ops; the last answer."""
    answers = [log_in(Client(), "ops", f"{prefix}-{n}") for n in range(times)]
    return answers[-1]


def test_attempts_during_the_pause_neither_restart_nor_lengthen_it() -> None:
    make("ops", "manage_sync")
    fail(5, "guess")
    shift_back(50)
    refused = fail(5, "more")
    assert refused.status_code == 429
    body = refused.content.decode()
    assert "failed to log in 5 times" in body
    seconds = re.search(r"Try again in (\d+) seconds\.", body)
    assert seconds and 1 <= int(seconds.group(1)) <= 10, body
    shift_back(15)  # the minute after the fifth failure is over
    ok = log_in(Client(), "ops", "pw-ops-long")
    assert ok.redirect_chain[-1][0] == "/setup/"  # type: ignore[attr-defined]


def test_the_wait_is_said_in_minutes_and_seconds_rounded_up() -> None:
    assert login_guard.in_words(timedelta(seconds=0.2)) == "1 second"
    assert login_guard.in_words(timedelta(seconds=42.1)) == "43 seconds"
    assert login_guard.in_words(timedelta(seconds=60)) == "1 minute"
    assert login_guard.in_words(timedelta(seconds=61)) == "1 minute 1 second"
    assert login_guard.in_words(timedelta(minutes=59, seconds=30)) == "59 minutes 30 seconds"


def test_a_second_lockout_the_same_day_says_its_real_count_and_its_doubled_wait() -> None:
    make("ops", "manage_sync")
    fail(5, "guess")
    shift_back(61)
    refused = fail(5, "again")
    body = refused.content.decode()
    assert refused.status_code == 429 and "failed to log in 5 times" in body
    assert re.search(r"Try again in (2 minutes|1 minute 5[0-9] seconds)\.", body), body


def test_each_further_lockout_lasts_twice_as_long_up_to_an_hour() -> None:
    assert login_guard.lockout_for(5, 5) == timedelta(minutes=1)
    assert login_guard.lockout_for(9, 5) == timedelta(minutes=1)
    assert login_guard.lockout_for(10, 5) == timedelta(minutes=2)
    assert login_guard.lockout_for(15, 5) == timedelta(minutes=4)
    assert login_guard.lockout_for(35, 5) == timedelta(hours=1)
    assert login_guard.lockout_for(10_000, 5) == timedelta(hours=1)


def test_a_status_viewer_is_offered_no_link_to_a_page_they_may_not_open() -> None:
    from syncengine.models import SyncUser

    make("viewer", "view_sync_status")
    user = SyncUser.objects.create(salesforce_user_id="005000000000001AAA", email="ana@example.com")
    client = Client()
    log_in(client, "viewer", "pw-viewer-long")
    for path in ("/status/", f"/status/users/{user.pk}/"):
        body = client.get(path).content.decode()
        assert 'href="/setup/' not in body and 'href="/admin/' not in body, path
