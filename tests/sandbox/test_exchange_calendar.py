"""Calendar items in the EWS emulator, through exchangelib: fields a sync needs, meeting
invitations and cancellations, time zones, all-day events, recurring series and calendar views."""

from __future__ import annotations

import datetime as dt

import pytest
from exchangelib import (
    Account,
    CalendarItem,
    EWSDate,
    EWSDateTime,
    EWSTimeZone,
)
from exchangelib.errors import (
    ErrorCalendarViewRangeTooBig,
    ErrorExceededFindCountLimit,
    ErrorItemNotFound,
)
from exchangelib.items import SEND_ONLY_TO_ALL, SEND_TO_NONE
from exchangelib.properties import Attendee, Mailbox
from exchangelib.recurrence import (
    AbsoluteMonthlyPattern,
    DailyPattern,
    Recurrence,
    WeeklyPattern,
)

from sandbox.exchange.app import ExchangeEmulator
from tests.sandbox.conftest import AccountFactory

PARIS = EWSTimeZone("Europe/Paris")
NEW_YORK = EWSTimeZone("America/New_York")


def at(day: int, hour: int, tz: EWSTimeZone = PARIS, month: int = 3) -> EWSDateTime:
    return EWSDateTime(2027, month, day, hour, 0, tzinfo=tz)


def meeting(account: Account, **fields: object) -> CalendarItem:
    defaults: dict[str, object] = {
        "subject": "Renewal with Globex",
        "start": at(1, 10),
        "end": at(1, 11),
        "location": "Salle Lumière",
        "body": "Pricing and renewal.",
        "legacy_free_busy_status": "Tentative",
        "required_attendees": [Attendee(mailbox=Mailbox(email_address="buyer@globex.example"))],
    }
    defaults.update(fields)
    return CalendarItem(account=account, folder=account.calendar, **defaults)


def view(account: Account, first: EWSDateTime, last: EWSDateTime) -> list[CalendarItem]:
    return list(account.calendar.view(start=first, end=last))


def test_an_event_keeps_the_fields_a_sync_needs_and_its_time_zone(
    ews_account: AccountFactory, ews: ExchangeEmulator
) -> None:
    account = ews_account()
    (made,) = account.bulk_create(
        account.calendar,
        [
            meeting(
                account, start=at(1, 9, NEW_YORK), end=at(1, 10, NEW_YORK), sensitivity="Private"
            )
        ],
        send_meeting_invitations=SEND_TO_NONE,
    )
    event = account.calendar.get(id=made.id)
    assert event.subject == "Renewal with Globex" and event.location == "Salle Lumière"
    assert event.body == "Pricing and renewal."
    assert event.start == at(1, 9, NEW_YORK) and event.end == at(1, 10, NEW_YORK)
    assert event._start_timezone == NEW_YORK
    assert event.sensitivity == "Private" and event.legacy_free_busy_status == "Tentative"
    assert [a.mailbox.email_address for a in event.required_attendees] == ["buyer@globex.example"]
    assert event.type == "Single" and event.is_meeting and not event.is_all_day
    assert event.my_response_type == "Organizer"
    assert event.organizer.email_address == account.primary_smtp_address
    assert event.uid


def test_send_to_none_records_no_invitation_and_send_to_all_does(
    ews_account: AccountFactory, ews: ExchangeEmulator
) -> None:
    account = ews_account()
    account.bulk_create(account.calendar, [meeting(account)], send_meeting_invitations=SEND_TO_NONE)
    account.bulk_create(
        account.calendar, [meeting(account)], send_meeting_invitations=SEND_ONLY_TO_ALL
    )
    modes = [(r.mode, r.recipients) for r in ews.org.invitations]
    assert modes == [("SendToNone", []), ("SendOnlyToAll", ["buyer@globex.example"])]


def test_deletes_record_whether_cancellations_were_sent(
    ews_account: AccountFactory, ews: ExchangeEmulator
) -> None:
    account = ews_account()
    quiet, loud = account.bulk_create(
        account.calendar,
        [meeting(account), meeting(account)],
        send_meeting_invitations=SEND_TO_NONE,
    )
    account.bulk_delete([quiet], send_meeting_cancellations=SEND_TO_NONE)
    account.bulk_delete([loud], send_meeting_cancellations=SEND_ONLY_TO_ALL)
    sent = [(d.send_meeting_cancellations, d.cancellations_sent) for d in ews.org.deletes]
    assert sent == [("SendToNone", []), ("SendOnlyToAll", ["buyer@globex.example"])]
    with pytest.raises(ErrorItemNotFound):
        account.calendar.get(id=quiet.id)


def test_an_all_day_event_reads_back_as_dates(ews_account: AccountFactory) -> None:
    account = ews_account()
    (made,) = account.bulk_create(
        account.calendar,
        [
            meeting(
                account,
                start=EWSDate(2027, 3, 8),
                end=EWSDate(2027, 3, 9),
                is_all_day=True,
                required_attendees=None,
            )
        ],  # fmt: skip
        send_meeting_invitations=SEND_TO_NONE,
    )
    event = account.calendar.get(id=made.id)
    assert event.is_all_day is True
    assert (event.start, event.end) == (EWSDate(2027, 3, 8), EWSDate(2027, 3, 9))


def test_a_weekly_series_expands_in_a_calendar_view_across_a_dst_change(
    ews_account: AccountFactory,
) -> None:
    account = ews_account()
    pattern = WeeklyPattern(interval=1, weekdays=["Monday"])
    (made,) = account.bulk_create(
        account.calendar,
        [
            meeting(
                account,
                subject="Pipeline",
                start=at(15, 9),
                end=at(15, 10),
                recurrence=Recurrence(pattern=pattern, start=EWSDate(2027, 3, 15), number=4),
            )
        ],  # fmt: skip
        send_meeting_invitations=SEND_TO_NONE,
    )
    found = [e for e in view(account, at(1, 0), at(30, 0, month=4)) if e.subject == "Pipeline"]
    # Paris moves to summer time on 28 March; the series stays at 09:00 local time.
    assert [e.start.astimezone(PARIS).hour for e in found] == [9, 9, 9, 9]
    assert [e.start.astimezone(PARIS).day for e in found] == [15, 22, 29, 5]
    assert {e.type for e in found} == {"Occurrence"}
    master = account.calendar.get(id=made.id)
    assert master.type == "RecurringMaster"
    assert master.first_occurrence.start == found[0].start
    assert master.last_occurrence.start == found[-1].start


def test_changed_and_deleted_occurrences_show_on_the_master_and_in_the_view(
    ews_account: AccountFactory,
) -> None:
    account = ews_account()
    series = Recurrence(pattern=DailyPattern(interval=1), start=EWSDate(2027, 3, 1), number=5)
    (made,) = account.bulk_create(
        account.calendar,
        [meeting(account, subject="Stand-up", recurrence=series)],
        send_meeting_invitations=SEND_TO_NONE,
    )
    occurrences = [e for e in view(account, at(1, 0), at(6, 0)) if e.subject == "Stand-up"]
    assert len(occurrences) == 5
    moved, dropped = occurrences[1], occurrences[3]
    moved.subject = "Stand-up (moved)"
    moved.start, moved.end = at(2, 14), at(2, 15)
    moved.save(update_fields=["subject", "start", "end"])
    dropped.delete(send_meeting_cancellations=SEND_TO_NONE)
    master = account.calendar.get(id=made.id)
    assert [o.original_start for o in master.modified_occurrences] == [at(2, 10)]
    assert [o.start for o in master.modified_occurrences] == [at(2, 14)]
    assert [d.start for d in master.deleted_occurrences] == [at(4, 10)]
    again = [e for e in view(account, at(1, 0), at(6, 0)) if e.subject.startswith("Stand-up")]
    assert [(e.subject, e.start.day, e.type) for e in again] == [
        ("Stand-up", 1, "Occurrence"),
        ("Stand-up (moved)", 2, "Exception"),
        ("Stand-up", 3, "Occurrence"),
        ("Stand-up", 5, "Occurrence"),
    ]
    assert account.calendar.get(id=moved.id).subject == "Stand-up (moved)"


def test_a_monthly_series_on_the_31st_falls_on_the_last_day_of_short_months(
    ews_account: AccountFactory,
) -> None:
    account = ews_account()
    pattern = AbsoluteMonthlyPattern(interval=1, day_of_month=31)
    account.bulk_create(
        account.calendar,
        [
            meeting(
                account,
                subject="Month end",
                start=at(31, 16, month=1),
                end=at(31, 17, month=1),
                recurrence=Recurrence(pattern=pattern, start=EWSDate(2027, 1, 31), number=3),
            )
        ],  # fmt: skip
        send_meeting_invitations=SEND_TO_NONE,
    )
    found = [
        e for e in view(account, at(1, 0, month=1), at(1, 0, month=4)) if e.subject == "Month end"
    ]
    assert [(e.start.month, e.start.day) for e in found] == [(1, 31), (2, 28), (3, 31)]


def test_the_seeded_calendar_has_meetings_organised_by_others(ews_account: AccountFactory) -> None:
    account = ews_account()
    items = list(account.calendar.all())
    invited = next(e for e in items if e.subject == "Invitation from a colleague")
    assert invited.my_response_type == "Accept"
    assert invited.organizer.email_address != account.primary_smtp_address
    private = next(e for e in items if e.subject == "Médecin")
    assert private.sensitivity == "Private"
    series = next(e for e in items if e.type == "RecurringMaster")
    assert len(series.modified_occurrences) == 1 and len(series.deleted_occurrences) == 1


def test_a_calendar_view_wider_than_two_years_is_refused(ews_account: AccountFactory) -> None:
    account = ews_account()
    with pytest.raises(ErrorCalendarViewRangeTooBig):
        view(account, at(1, 0), at(1, 0) + dt.timedelta(days=800))


def test_a_calendar_view_over_the_find_count_limit_is_refused(ews_account: AccountFactory) -> None:
    account = ews_account()
    daily = [
        meeting(account, subject=f"Shift {hour}", start=at(1, hour), end=at(1, hour + 1),
                required_attendees=None,
                recurrence=Recurrence(pattern=DailyPattern(interval=1), start=EWSDate(2027, 3, 1),
                                      number=600))
        for hour in (8, 14)
    ]  # fmt: skip
    account.bulk_create(account.calendar, daily, send_meeting_invitations=SEND_TO_NONE)
    with pytest.raises(ErrorExceededFindCountLimit):
        view(account, at(1, 0), at(1, 0) + dt.timedelta(days=700))
    assert len(view(account, at(1, 0), at(11, 0))) == 20


def test_all_day_bounds_are_local_midnights_across_a_dst_change(
    ews: ExchangeEmulator, ews_account: AccountFactory, ews_user: str
) -> None:
    account = ews_account(default_timezone=PARIS)
    (made,) = account.bulk_create(
        account.calendar,
        [
            meeting(
                account,
                subject="Trade fair",
                start=EWSDate(2027, 3, 27),
                end=EWSDate(2027, 3, 28),
                is_all_day=True,
                required_attendees=None,
            )
        ],  # fmt: skip
        send_meeting_invitations=SEND_TO_NONE,
    )
    stored = ews.org.mailboxes[ews_user].items[made.id].fields
    # 27 March 00:00 CET and 29 March 00:00 CEST (Paris switches on the 28th), in UTC.
    assert (stored["Start"].text, stored["End"].text) == (
        "2027-03-26T23:00:00Z",
        "2027-03-28T22:00:00Z",
    )
    assert account.calendar.get(id=made.id).start == EWSDate(2027, 3, 27)
