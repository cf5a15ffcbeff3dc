"""Issue 12 item 8: no page of the demo is wider than the window, and nothing overflows its card.

The demo's company is built in-process (tests/browser/demo_org.py), then every page reachable
by a link from the start page is visited at 1280 px, plus the states no link leads to: a failed
connection test, a form with errors. Every page must also pass the Content-Security-Policy
without a single violation (issue 12 item 9)."""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import urldefrag, urlsplit

import pytest
from django.contrib.auth.models import Permission, User

from tests.browser.demo_org import ADMIN_PASSWORD, build_demo
from tests.conftest import SandboxHandle
from tests.providers.conftest import sandbox_product  # noqa: F401  (fixture)

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]
SCREENSHOTS = os.environ.get("LSYNC_SCREENSHOT_DIR", "")
# Pages that change state on GET do not exist; these are left out because they are Django's
# own (the admin) or end the session.
SKIPPED_PREFIXES = ("/admin/", "/accounts/logout", "/static/")
MAX_PAGES = 80

# What overflows: the document, and any card whose content is wider than the card.
MEASURE = """() => {
  const doc = document.documentElement;
  const cards = [...document.querySelectorAll('.lsync-card, .slds-page-header, .lsync-nav')]
    .filter((el) => el.scrollWidth > el.clientWidth + 1)
    .map((el) => (el.querySelector('h1, h2')?.textContent || el.className).trim().slice(0, 60)
         + ` (${el.scrollWidth} px in ${el.clientWidth} px)`);
  return {page: doc.scrollWidth, window: window.innerWidth, cards};
}"""
RECORD_CSP = """document.addEventListener('securitypolicyviolation', (e) => {
  (window.__cspViolations = window.__cspViolations || []).push(
    e.violatedDirective + ' ' + (e.blockedURI || 'inline') + ' ' + (e.sourceFile || '') + ':' + e.lineNumber);
});"""


class Visits:
    def __init__(self, page: Any, base: str) -> None:
        self.page = page
        self.base = base
        self.problems: list[str] = []
        self.seen: list[str] = []
        self.console_csp: list[str] = []
        page.add_init_script(RECORD_CSP)
        page.on(
            "console",
            lambda msg: (
                self.console_csp.append(f"{page.url}: {msg.text}")
                if "Content Security Policy" in msg.text
                else None
            ),
        )

    def check(self, label: str) -> None:
        size = self.page.evaluate(MEASURE)
        if size["page"] > size["window"]:
            self.problems.append(
                f"{label}: page {size['page']} px wide in a {size['window']} px window"
            )
        for card in size["cards"]:
            self.problems.append(f"{label}: overflows its card: {card}")
        violations = self.page.evaluate("() => window.__cspViolations || []")
        for violation in violations:
            self.problems.append(f"{label}: Content-Security-Policy violation: {violation}")
        self.seen.append(label)
        if SCREENSHOTS:
            name = label.strip("/").replace("/", "_").replace("?", "_") or "home"
            self.page.screenshot(path=f"{SCREENSHOTS}/fit-{name}.png", full_page=True)

    def links(self) -> list[str]:
        hrefs = self.page.eval_on_selector_all("a[href]", "els => els.map((a) => a.href)")
        found = []
        for href in hrefs:
            url, _ = urldefrag(href)
            parts = urlsplit(url)
            if f"{parts.scheme}://{parts.netloc}" != self.base:
                continue
            path = parts.path + (f"?{parts.query}" if parts.query else "")
            if not path.startswith(SKIPPED_PREFIXES):
                found.append(path)
        return found

    def crawl(self, start: str) -> None:
        queue, queued = [start], {start}
        while queue and len(self.seen) < MAX_PAGES:
            path = queue.pop(0)
            response = self.page.goto(self.base + path)
            assert response is not None and response.status == 200, (
                f"{path}: {response and response.status}"
            )
            self.check(path)
            for link in self.links():
                if link not in queued:
                    queued.add(link)
                    queue.append(link)


def test_no_page_of_the_demo_is_wider_than_the_window_or_breaks_the_content_security_policy(
    page: Any,
    live_server: Any,
    sandbox_product: SandboxHandle,  # noqa: F811
    settings: Any,
) -> None:
    build_demo(sandbox_product, settings)
    visits = Visits(page, live_server.url)
    page.goto(f"{live_server.url}/")
    page.get_by_label("User name").fill("admin")
    page.get_by_label("Password").fill(ADMIN_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server.url}/setup/")

    visits.crawl("/setup/")
    assert len(visits.seen) >= 15, visits.seen  # setup, configurations, status, every user

    # States no link leads to: a failed connection test, then the setup home that reports it.
    page.goto(f"{live_server.url}/setup/salesforce/")
    page.get_by_label("Test as user (e-mail)").fill("nobody.at.all@example.com")
    page.get_by_role("button", name="Test connection").click()
    page.locator("#connection-test").wait_for()
    visits.check("/setup/salesforce/ after a failed test")
    page.goto(f"{live_server.url}/setup/outlook/")
    page.get_by_role("button", name="Test connection").click()
    page.locator("#connection-test").wait_for()
    visits.check("/setup/outlook/ after a test")
    page.goto(f"{live_server.url}/setup/")
    visits.check("/setup/ after the tests")
    # A form sent back with errors on every field.
    page.goto(f"{live_server.url}/setup/salesforce/")
    page.locator("#id_login_url").fill("")
    page.locator("#id_api_version").fill("x" * 40)
    page.get_by_role("button", name="Save", exact=True).click()
    page.get_by_text("Nothing was saved").wait_for()
    visits.check("/setup/salesforce/ with errors")

    assert not visits.problems, "\n".join(visits.problems)
    assert not visits.console_csp, "\n".join(visits.console_csp)


def test_a_status_viewer_lands_on_status_and_every_link_they_see_opens(
    page: Any,
    live_server: Any,
    sandbox_product: SandboxHandle,  # noqa: F811
    settings: Any,
) -> None:
    """Issue 12 item 8: the navigation shows only what the user may open; the crawl asserts
    that every link reachable from the start page answers 200, never 403."""
    build_demo(sandbox_product, settings)
    viewer = User.objects.create_user("viewer", "viewer@example.com", "pw-viewer-long")
    viewer.user_permissions.add(Permission.objects.get(codename="view_sync_status"))
    visits = Visits(page, live_server.url)
    page.goto(f"{live_server.url}/")
    page.get_by_label("User name").fill("viewer")
    page.get_by_label("Password").fill("pw-viewer-long")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server.url}/status/")
    visits.crawl("/status/")
    assert len([path for path in visits.seen if path.startswith("/status/users/")]) >= 6
    assert not [path for path in visits.seen if path.startswith("/setup/")]
    assert not visits.problems, "\n".join(visits.problems)
