"""The demo's company, built in-process the way `make demo` builds it: the emulators seeded with
the demo company, lsync wired to them by lsync_site.demo, users enrolled and synced once.

The live server runs in the test's process, so it reaches the in-process emulators through
the same HTTP seam (`sandbox_product`)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User

from lsync_site.demo import wire
from sandbox.company import make_company
from syncengine import tasks
from syncengine.models import LinkStatus, SyncUser
from tests.conftest import SandboxHandle

DEMO_USERS = 5
DEMO_SEED = 1
ADMIN_PASSWORD = "pw-demo-admin-long"


def build_demo(sandbox: SandboxHandle, settings: Any, mail: str = "microsoft365") -> User:
    company = {"company": {"users": DEMO_USERS, "seed": DEMO_SEED}}
    for app in sandbox.apps.values():
        app.seed(company)
    settings.LSYNC_MICROSOFT_CLIENT_ID = "11111111-2222-3333-4444-555555555555"
    settings.LSYNC_MICROSOFT_CLIENT_SECRET = "demo-client-secret-for-tests"
    settings.LSYNC_SALESFORCE_DIRECTORY_USER = make_company(DEMO_USERS, DEMO_SEED).users[0].username
    settings.LSYNC_STORE_BACKEND = "providers"
    wire(mail)
    for user in SyncUser.objects.filter(link_status=LinkStatus.LINKED):
        tasks.sync_user_task(user.pk)
    return User.objects.create_superuser("admin", "admin@example.com", ADMIN_PASSWORD)
