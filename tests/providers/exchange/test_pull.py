"""EWS pull notifications against the emulator, through the scheduled task: a mailbox edit queues
its user and a quiet mailbox queues nobody, a burst of events queues one sync, a subscription
Exchange lost is made again and its user queued, and a failure leaves the user on polling with
its reason shown, never the password."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from exchangelib import Contact, Folder

from connections.models import ExchangeSubscription, MailConnection, Status
from connections.providers.exchange import pull
from connections.providers.exchange.errors import WRONG_PASSWORD
from syncengine import tasks
from syncengine.models import SyncUser
from tests.providers.conftest import linked_push_user
from tests.providers.exchange.conftest import EWS_URL, PASSWORD, SERVICE, USER, Exchange

pytestmark = pytest.mark.django_db

OTHER = "bo.berg@nordvik.example"


@pytest.fixture
def connection(exchange: Exchange) -> MailConnection:
    return MailConnection.objects.create(
        method="exchange", username=SERVICE, password=PASSWORD, ews_url=EWS_URL,
        enabled=True, chosen=True, status=Status.VERIFIED,
    )  # fmt: skip


@pytest.fixture
def ana(connection: MailConnection) -> SyncUser:
    return linked_push_user(connection, USER)


def add_contacts(exchange: Exchange, count: int, mailbox: str = USER) -> None:
    """What the user does in Outlook: new contacts in their Salesforce_Sync folder."""
    account = exchange.as_user(mailbox)
    folder = account.contacts / "Salesforce_Sync"
    assert isinstance(folder, Folder)
    people = [
        Contact(account=account, folder=folder, display_name=f"P{n}", surname=f"P{n}")
        for n in range(count)
    ]
    account.bulk_create(folder, people)


def a_minute_later() -> None:
    """The subscriptions' interval has passed (instead of waiting for it)."""
    ExchangeSubscription.objects.update(checked_at=timezone.now() - timedelta(minutes=2))


def test_a_mailbox_edit_queues_its_user_and_a_quiet_mailbox_queues_nobody(
    exchange: Exchange, ana: SyncUser, queued: list[int]
) -> None:
    assert pull.maintain() == {"created": 1, "kept": 0, "failed": 0, "dropped": 0}
    row = ExchangeSubscription.objects.get(sync_user=ana)
    assert row.subscription_id and row.watermark and row.kinds == "contacts,events"
    a_minute_later()
    assert tasks.check_mail_events() == {"exchange": 1}
    assert queued == []

    add_contacts(exchange, 1)
    a_minute_later()
    tasks.check_mail_events()
    assert queued == [ana.pk]
    assert pull.maintain()["kept"] == 1


def test_only_the_user_whose_mailbox_changed_is_queued(
    exchange: Exchange, ana: SyncUser, connection: MailConnection, queued: list[int]
) -> None:
    exchange.emulator.add_mailbox(OTHER, "Bo Berg")
    bo = SyncUser.objects.create(
        configuration=ana.configuration, salesforce_user_id="005B", username="bo@sf",
        email=OTHER, mailbox_address=OTHER, link_status="linked", mail_connection=connection,
        next_due_at=timezone.now() + timedelta(hours=1),
    )  # fmt: skip
    assert pull.maintain()["created"] == 2
    add_contacts(exchange, 1, OTHER)
    a_minute_later()
    tasks.check_mail_events()
    assert queued == [bo.pk]


def test_a_subscription_not_yet_due_is_not_asked(
    exchange: Exchange, ana: SyncUser, queued: list[int]
) -> None:
    pull.maintain()
    add_contacts(exchange, 1)
    before = len(exchange.emulator.operations)
    assert tasks.check_mail_events() == {"exchange": 0}
    assert len(exchange.emulator.operations) == before and queued == []


def test_a_burst_of_events_for_one_user_queues_one_sync(
    exchange: Exchange, ana: SyncUser, queued: list[int]
) -> None:
    pull.maintain()
    add_contacts(exchange, 240)  # five GetEvents answers (MoreEvents)
    a_minute_later()
    tasks.check_mail_events()
    assert queued == [ana.pk]
    calls = [op for op, _, _ in exchange.emulator.operations if op == "GetEvents"]
    assert len(calls) == 5


def test_checking_the_same_subscriptions_twice_queues_the_user_once(
    exchange: Exchange, ana: SyncUser, queued: list[int]
) -> None:
    pull.maintain()
    add_contacts(exchange, 3)
    a_minute_later()
    ids = pull.due()
    assert tasks.check_mail_event_batch("exchange", ids) == 1
    # A second copy of the same task: the subscription was just checked, nothing is asked.
    before = len(exchange.emulator.operations)
    assert tasks.check_mail_event_batch("exchange", ids) == 0
    assert queued == [ana.pk] and len(exchange.emulator.operations) == before


@pytest.mark.parametrize("loss", ["timed out", "server restarted", "watermark expired"])
def test_a_lost_subscription_is_made_again_and_its_user_queued(
    exchange: Exchange, ana: SyncUser, queued: list[int], loss: str
) -> None:
    pull.maintain()
    first = ExchangeSubscription.objects.get().subscription_id
    if loss == "timed out":
        exchange.emulator.clock.advance((pull.TIMEOUT_MINUTES + 1) * 60)
    elif loss == "server restarted":
        exchange.emulator.drop_subscriptions()
    else:
        exchange.emulator.expire_cursors()
    a_minute_later()
    tasks.check_mail_events()
    assert queued == [ana.pk]
    row = ExchangeSubscription.objects.get()
    assert row.subscription_id != first and row.failure == ""
    a_minute_later()
    tasks.check_mail_events()
    assert queued == [ana.pk]  # the new subscription is quiet


def test_a_failure_leaves_the_user_on_polling_and_never_logs_the_password(
    exchange: Exchange,
    ana: SyncUser,
    connection: MailConnection,
    queued: list[int],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    pull.maintain()
    connection.password = "a-changed-secret-Xy9"
    connection.save()
    exchange.emulator.add_account(SERVICE, "the-new-server-password")
    a_minute_later()
    tasks.check_mail_events()
    assert queued == []
    row = ExchangeSubscription.objects.get()
    assert row.failure == WRONG_PASSWORD and row.subscription_id
    state = pull.summary()
    assert (state.subscribed, state.failing, state.failure) == (0, 1, WRONG_PASSWORD)
    assert "a-changed-secret-Xy9" not in caplog.text and PASSWORD not in caplog.text
    assert caplog.text.count(WRONG_PASSWORD) == 1

    a_minute_later()
    tasks.check_mail_events()  # the same reason again: not logged twice
    assert caplog.text.count(WRONG_PASSWORD) == 1
    exchange.emulator.add_account(SERVICE, "a-changed-secret-Xy9")
    a_minute_later()
    tasks.check_mail_events()
    assert ExchangeSubscription.objects.get().failure == ""
    assert pull.summary().subscribed == 1


def test_users_who_left_lose_their_subscription_and_zero_turns_pull_off(
    exchange: Exchange, ana: SyncUser, settings: Any
) -> None:
    pull.maintain()
    SyncUser.objects.filter(pk=ana.pk).update(link_status="unlinked")
    assert pull.maintain()["dropped"] == 1
    SyncUser.objects.filter(pk=ana.pk).update(link_status="linked")
    pull.maintain()
    settings.LSYNC_EXCHANGE_PULL_SECONDS = 0
    assert pull.due() == []
    assert pull.maintain()["dropped"] == 1 and not ExchangeSubscription.objects.exists()


def test_a_user_who_syncs_only_events_subscribes_only_the_calendar(
    exchange: Exchange, ana: SyncUser, queued: list[int]
) -> None:
    config = ana.configuration
    assert config is not None
    config.contacts_direction = "off"
    config.save()
    pull.maintain()
    assert ExchangeSubscription.objects.get().kinds == "events"
    assert "Salesforce_Sync" not in [f.name for f in exchange.as_user().contacts.children]


def test_a_newly_linked_user_is_subscribed_at_the_next_check_and_queued(
    exchange: Exchange, ana: SyncUser, queued: list[int]
) -> None:
    assert tasks.check_mail_events() == {"exchange": 1}
    row = ExchangeSubscription.objects.get(sync_user=ana)
    assert row.subscription_id and row.kinds == "contacts,events" and row.failure == ""
    assert queued == [ana.pk]
    add_contacts(exchange, 1)
    a_minute_later()
    tasks.check_mail_events()
    assert queued == [ana.pk, ana.pk]


def test_exchange_busy_answering_get_events_leaves_the_user_on_polling_until_the_next_round(
    exchange: Exchange, ana: SyncUser, queued: list[int]
) -> None:
    pull.maintain()
    add_contacts(exchange, 1)
    exchange.emulator.inject("server_busy", route="ews.GetEvents", retry_after=30)
    a_minute_later()
    tasks.check_mail_events()
    assert queued == []
    assert "Exchange is busy" in ExchangeSubscription.objects.get().failure
    a_minute_later()
    tasks.check_mail_events()  # the same subscription and watermark: the edit is not lost
    assert queued == [ana.pk] and ExchangeSubscription.objects.get().failure == ""
