"""exchangelib's item services, answering more per-item errors in place.

exchangelib returns some per-item errors of a bulk call as exception instances and raises the
others, which would fail a whole batch for one stale change key. These subclasses also return,
per item, the errors that concern only that item; request-wide faults (ErrorServerBusy, a 401,
an invalid request) are still raised."""

from __future__ import annotations

from exchangelib import errors as ews
from exchangelib.services import CreateItem, DeleteItem, UpdateItem
from exchangelib.services.common import EWSService

PER_ITEM = (
    *EWSService.ERRORS_TO_CATCH_IN_RESPONSE,
    ews.ErrorIrresolvableConflict,
    ews.ErrorChangeKeyRequiredForWriteOperations,
    ews.ErrorCalendarOccurrenceIsDeletedFromRecurrence,
    ews.ErrorInvalidPropertySet,
    ews.ErrorInvalidPropertyRequest,
    ews.ErrorInvalidRecipients,
    ews.ErrorMailRecipientNotFound,
    ews.ErrorPropertyUpdate,
    ews.ErrorAccessDenied,
)


class BulkCreate(CreateItem):
    ERRORS_TO_CATCH_IN_RESPONSE = PER_ITEM


class BulkUpdate(UpdateItem):
    ERRORS_TO_CATCH_IN_RESPONSE = PER_ITEM


class BulkDelete(DeleteItem):
    ERRORS_TO_CATCH_IN_RESPONSE = PER_ITEM
