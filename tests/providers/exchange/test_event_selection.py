"""Issue 11 item 3 on Exchange: with "only events users select", a calendar item is selected when
it carries the configured Outlook category (compared without regard to case, as Outlook does).
The user sets it through exchangelib here, as Outlook would over EWS."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from exchangelib import CalendarItem, EWSDateTime

from connections.providers.exchange.convert_meetings import has_category
from connections.providers.exchange.stores import ExchangeEventStore
from tests.providers.exchange.conftest import USER, Exchange

WINDOW = (datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 6, 1, tzinfo=UTC))
START = datetime(2026, 6, 4, 9, tzinfo=UTC)


def test_the_category_is_compared_without_regard_to_case() -> None:
    assert has_category(CalendarItem(categories=["Red", "SALESFORCE"]), "Salesforce")
    assert not has_category(CalendarItem(categories=None), "Salesforce")
    assert has_category(CalendarItem(), None)


def test_only_events_with_the_configured_category_are_selected(exchange: Exchange) -> None:
    account = exchange.as_user()
    ids = {}
    for subject, categories in (("Deal review", ["Blue", "CRM"]), ("Dentist", ["Blue"])):
        item = CalendarItem(
            account=account, folder=account.calendar, subject=subject,
            start=EWSDateTime.from_datetime(START), end=EWSDateTime.from_datetime(START + timedelta(hours=1)),
            categories=categories,
        )  # fmt: skip
        item.save(send_meeting_invitations="SendToNone")
        ids[subject] = str(item.id)
    store = ExchangeEventStore(exchange.client(), USER, *WINDOW, category="crm")
    page = store.changes(None)
    assert {it.id: it.selected for it in page.changed} == {
        ids["Deal review"]: True,
        ids["Dentist"]: False,
    }
    before = {it.id: it.record for it in page.changed}

    (marked,) = account.fetch(ids=[(ids["Deal review"], None)])
    marked.categories = ["Blue"]
    marked.save(update_fields=["categories"], send_meeting_invitations="SendToNone")
    (item,) = store.changes(page.cursor).changed
    assert (item.id, item.selected, item.record) == (
        ids["Deal review"],
        False,
        before[ids["Deal review"]],
    )
