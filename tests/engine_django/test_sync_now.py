from __future__ import annotations

from collections.abc import Iterator
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from mappings.models import ItemMapping, SyncRun
from syncengine import memory_backend
from syncengine.models import KindStatus, SyncUser
from tests.engine_django.conftest import MakeUser

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_memory_stores(settings: object) -> Iterator[None]:
    settings.LSYNC_STORE_BACKEND = "memory"  # type: ignore[attr-defined]
    memory_backend.forget_all()
    yield
    memory_backend.forget_all()


def _run(*args: str) -> str:
    out = StringIO()
    call_command("sync_now", *args, stdout=out)
    return out.getvalue()


def test_dry_run_prints_a_readable_plan_and_changes_nothing(make_user: MakeUser) -> None:
    make_user("ana@example.com")
    out = _run("--user", "ANA@example.com", "--kind", "contacts", "--dry-run")
    sf_contacts, mb_contacts = memory_backend.seed_contacts("ana@example.com")
    shared, sf_only, mb_only = sf_contacts[0], sf_contacts[1], mb_contacts[1]

    assert "ana@example.com · contacts" in out
    assert "would do:" in out
    assert f"link: {shared.label()}" in out
    assert f"create in mailbox: {sf_only.label()}" in out
    assert f"create in salesforce: {mb_only.label()}" in out
    assert "[##############################] 100%" in out
    assert "dry-run:" in out
    assert not ItemMapping.objects.exists()
    assert SyncRun.objects.get().status == "dry-run"
    assert SyncUser.objects.get().contacts_status == KindStatus.NOT_STARTED


def test_the_seed_is_the_same_in_every_process_and_differs_between_users() -> None:
    assert memory_backend.seed_contacts("ana@example.com") == memory_backend.seed_contacts(
        "ana@example.com"
    )
    assert memory_backend.seed_events("ana@example.com") != memory_backend.seed_events(
        "bob@example.com"
    )


def test_a_real_run_syncs_both_kinds_then_finds_nothing_to_do(make_user: MakeUser) -> None:
    make_user("ana@example.com")
    first = _run("--user", "ana@example.com")
    assert "events" in first and "ok:" in first
    # 3 + 2 contacts with one in common, 2 + 2 events with one in common.
    assert ItemMapping.objects.filter(kind="contacts").count() == 4
    assert ItemMapping.objects.filter(kind="events").count() == 3
    user = SyncUser.objects.get()
    assert (user.contacts_status, user.events_status) == (KindStatus.IN_SYNC, KindStatus.IN_SYNC)
    sf, mb = memory_backend.build_stores(user, "contacts")
    assert sorted(c.label() for c in sf.records().values()) == sorted(  # type: ignore[union-attr]
        c.label()  # type: ignore[union-attr]
        for c in mb.records().values()
    )

    again = _run("--user", "ana@example.com", "--dry-run")
    assert "would do:" not in again
    assert again.count("nothing to do") >= 2


def test_an_unknown_user_is_an_error() -> None:
    with pytest.raises(CommandError, match="No sync user"):
        _run("--user", "nobody@example.com")
