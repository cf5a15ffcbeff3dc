"""Issue 12 item 9: the browser enforces the Content-Security-Policy, so an injected inline
script does not run, and the recorder the page-overflow test relies on does see violations."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Permission, User

from tests.browser.test_pages_fit_the_window import Visits

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_injected_inline_script_is_refused_and_reported(page: Any, live_server: Any) -> None:
    user = User.objects.create_user("ops", "ops@example.com", "pw-ops-long")
    user.user_permissions.add(Permission.objects.get(codename="manage_sync"))
    visits = Visits(page, live_server.url)
    page.goto(f"{live_server.url}/setup/")
    page.get_by_label("User name").fill("ops")
    page.get_by_label("Password").fill("pw-ops-long")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server.url}/setup/")
    visits.check("/setup/")
    assert visits.problems == []

    ran = page.evaluate(
        """() => new Promise((done) => {
          const script = document.createElement('script');
          script.textContent = 'window.injected = true';
          document.body.appendChild(script);
          setTimeout(() => done(window.injected === true), 200);
        })"""
    )
    assert ran is False
    visits.check("/setup/ with an injected script")
    assert any("script-src" in problem for problem in visits.problems), visits.problems
