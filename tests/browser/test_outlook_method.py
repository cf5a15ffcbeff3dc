from __future__ import annotations

from typing import Any

import pytest

from tests.browser.test_setup_pages import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_only_the_chosen_methods_settings_are_shown(page: Any, live_server: Any) -> None:
    log_in(page, live_server)
    page.goto(f"{live_server.url}/setup/outlook/")
    # SLDS draws the radio over the input, so click its label as a person would.
    page.locator("label[for=id_method_1]").click()
    assert page.get_by_label("OAuth 2.0").is_checked()
    assert page.get_by_label("User name").is_hidden()
    assert page.get_by_role("button", name="Log in to Microsoft 365").is_visible()

    page.locator("label[for=id_method_0]").click()
    assert page.get_by_label("Service Account").is_checked()
    assert page.get_by_label("User name").is_visible()
    assert page.get_by_role("button", name="Log in to Microsoft 365").is_hidden()


def test_in_hybrid_mode_both_methods_settings_are_shown(page: Any, live_server: Any) -> None:
    log_in(page, live_server)
    page.goto(f"{live_server.url}/setup/outlook/")
    page.locator("label[for=id_method_1]").click()
    assert page.get_by_label("User name").is_hidden()

    page.locator("label[for=id_hybrid]").click()
    assert page.get_by_label("User name").is_visible()
    assert page.get_by_role("button", name="Log in to Microsoft 365").is_visible()
    assert page.get_by_label("Microsoft 365 domains").is_visible()
