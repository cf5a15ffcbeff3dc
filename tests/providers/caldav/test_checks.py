"""Test Connection against Radicale: every step passes for a real user, and a wrong password or
an unknown user stops at the step that names the problem."""

from __future__ import annotations

import pytest

from connections.models import MailConnection
from connections.providers.caldav.checks import run_checks
from tests.providers.caldav.conftest import USER, Dav

pytestmark = pytest.mark.django_db


def test_every_step_passes_and_the_address_book_is_created(caldav_product: Dav) -> None:
    steps = run_checks(USER)
    assert [(s.name, s.ok) for s in steps] == [
        ("Server", True), ("User found", True), ("Calendar", True),
        ("Address book", True), ("Write permission", True),
    ]  # fmt: skip
    assert caldav_product.server.collection_path(USER, "Salesforce_Sync").is_dir()


def test_a_wrong_password_stops_at_the_server_step(caldav_product: Dav) -> None:
    row = MailConnection.objects.get(method="caldav")
    row.password = "wrong-password-here"
    row.save()
    (step,) = run_checks(USER)
    assert step.name == "Server" and not step.ok and "refused the service account" in step.message


def test_an_unknown_user_fails_the_user_step_only(caldav_product: Dav) -> None:
    steps = run_checks("nobody@nordvik.example")
    assert steps[0].ok and steps[-1].name == "User found" and steps[-1].user


def test_with_app_passwords_the_steps_sign_in_as_the_user(caldav_product: Dav) -> None:
    from connections.providers.caldav.models import PER_USER, write_user_passwords
    from tests.providers.caldav.conftest import BASE, USER_PASSWORD

    MailConnection.objects.filter(method="caldav").update(
        dav_auth=PER_USER, dav_url_template=BASE + "/",
        dav_user_passwords=write_user_passwords({USER: (USER, USER_PASSWORD)}),
    )  # fmt: skip
    steps = run_checks(USER)
    assert all(s.ok for s in steps) and len(steps) == 5, steps
    assert USER in steps[0].message
    (missing,) = run_checks("kari@nordvik.example")
    assert not missing.ok and missing.user and "No app password" in missing.message
