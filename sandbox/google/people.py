"""People API v1 contacts: connections.list (full and incremental), get/batchGet, create,
update, delete and their batch forms.

Modelled, not verified: a batch with one bad item (stale etag, unknown resource name) fails as a
whole, as a single call would, and nothing in it is applied.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from sandbox.core import Request, Response
from sandbox.google import lag
from sandbox.google.errors import people_error, people_invalid, people_not_found
from sandbox.google.person import (
    PERSON_FIELDS,
    WRITABLE_FIELDS,
    check_groups,
    clean_fields,
    etag,
    membership_groups,
    parse_mask,
    render,
)
from sandbox.google.store import Contact, Mailbox, Page, SyncToken

if TYPE_CHECKING:
    from sandbox.google.app import GoogleEmulator

SYNC_TOKEN_DAYS = 7
MAX_BATCH_WRITE = 200
MAX_BATCH_DELETE = 500
MY_CONTACTS = "contactGroups/myContacts"
STALE_ETAG = (
    "Request person.etag is different than the current person.etag. Clear local cache and get "
    "the latest person."
)


class PeopleApi:
    def __init__(self, emulator: GoogleEmulator) -> None:
        self.emu = emulator

    # --- reads -------------------------------------------------------------------------------
    def connections(self, request: Request, person: str) -> Response:
        mailbox = self.emu.people_mailbox(request, write=False)
        if person != "me":
            raise people_invalid("Only people/me is supported for connections.")
        mask = parse_mask(request.arg("personFields"), "personFields", PERSON_FIELDS)
        size = _int_arg(request, "pageSize", 100, 1, 1000)
        issue = request.arg("requestSyncToken", "false") == "true"
        page_token, sync_text = request.arg("pageToken"), request.arg("syncToken")
        offset = 0
        if page_token:
            found = self.emu.pages.take(page_token, mailbox.email, "people")
            if found is None:
                raise people_invalid("Page token is invalid.")
            page, offset = found
        else:
            shown, settled = lag.listing(mailbox, self.emu.people_sync_lag, self.emu.clock.now())
            if sync_text:
                since = self._since(mailbox, sync_text)
                chosen = [c for c in shown if c.seq > since]
            else:
                chosen = [c for c in shown if not c.deleted]
            chosen.sort(key=_sorter(request.arg("sortOrder") or "LAST_MODIFIED_ASCENDING"))
            page = Page(
                mailbox.email,
                "people",
                [render(c, mask) for c in chosen],
                settled if issue else None,
                {"total": len(chosen)},
            )
        body: dict[str, Any] = {}
        items = page.items[offset : offset + size]
        if items:
            body["connections"] = copy.deepcopy(items)
        if offset + size < len(page.items):
            body["nextPageToken"] = self.emu.pages.put(page, offset + size)
        elif page.sync_seq is not None:
            body["nextSyncToken"] = self._token(mailbox, page.sync_seq)
        body["totalPeople"] = body["totalItems"] = page.extra["total"]
        return Response.json(body)

    def _token(self, mailbox: Mailbox, seq: int) -> str:
        issued = self.emu.clock.timestamp()
        return SyncToken("people", mailbox.email, seq, self.emu.cursor_epoch, issued).encode()

    def _since(self, mailbox: Mailbox, text: str) -> int:
        token = SyncToken.decode(text)
        if token is None or token.kind != "people" or token.email != mailbox.email:
            raise people_invalid("Sync token is invalid.")
        too_old = self.emu.clock.timestamp() - token.issued > SYNC_TOKEN_DAYS * 86400
        if token.epoch != self.emu.cursor_epoch or too_old:
            raise people_error(
                400,
                "Sync token is expired. Clear local cache and retry call without the sync token.",
                "FAILED_PRECONDITION",
                "EXPIRED_SYNC_TOKEN",
                method="PeopleService.ListConnections",
            )
        return token.seq

    def get(self, request: Request, person: str) -> Response:
        mailbox = self.emu.people_mailbox(request, write=False)
        mask = parse_mask(request.arg("personFields"), "personFields", PERSON_FIELDS)
        return Response.json(render(_live(mailbox, "people/" + person), mask))

    def batch_get(self, request: Request) -> Response:
        mailbox = self.emu.people_mailbox(request, write=False)
        mask = parse_mask(request.arg("personFields"), "personFields", PERSON_FIELDS)
        names = request.query.get("resourceNames", [])
        if not names or len(names) > MAX_BATCH_WRITE:
            raise people_invalid("resourceNames must contain between 1 and 200 items.")
        responses = []
        for name in names:
            contact = mailbox.contacts.get(name)
            if contact is None or contact.deleted:
                entry: dict[str, Any] = {
                    "requestedResourceName": name,
                    "httpStatusCode": 404,
                    "status": {"code": 5, "message": "Requested entity was not found."},
                }
            else:
                entry = {
                    "requestedResourceName": name,
                    "httpStatusCode": 200,
                    "person": render(contact, mask),
                    "status": {},
                }
            responses.append(entry)
        return Response.json({"responses": responses})

    # --- writes ------------------------------------------------------------------------------
    def create(self, request: Request) -> Response:
        mailbox = self.emu.people_mailbox(request, write=True)
        mask = _optional_mask(request.arg("personFields"))
        fields, groups = self._prepare(mailbox, request.json() or {})
        contact = self.emu.new_contact(mailbox, fields, groups)
        return Response.json(render(contact, mask))

    def _prepare(
        self, mailbox: Mailbox, body: Any
    ) -> tuple[dict[str, list[dict[str, Any]]], list[str]]:
        fields = clean_fields(body, PERSON_FIELDS)
        groups = membership_groups(fields) or [MY_CONTACTS]
        check_groups(groups, mailbox.groups)
        return fields, groups

    def update(self, request: Request, person: str) -> Response:
        mailbox = self.emu.people_mailbox(request, write=True)
        contact = _live(mailbox, "people/" + person)
        mask = parse_mask(request.arg("updatePersonFields"), "updatePersonFields", WRITABLE_FIELDS)
        changes = self._check_update(mailbox, contact, request.json() or {}, mask)
        self._apply(mailbox, contact, changes)
        return Response.json(render(contact, _optional_mask(request.arg("personFields"))))

    def _check_update(
        self, mailbox: Mailbox, contact: Contact, body: Any, mask: set[str]
    ) -> dict[str, Any]:
        if not isinstance(body, dict):
            raise people_invalid("Invalid JSON payload received. Expected a Person object.")
        sent = body.get("etag") or _source_etag(body)
        if not sent:
            raise people_invalid(
                "Request must set person.etag or person.metadata.sources.etag for the source "
                "that is being updated."
            )
        if sent != etag(contact):
            raise people_error(400, STALE_ETAG, "FAILED_PRECONDITION")
        fields = clean_fields(body, PERSON_FIELDS)
        changes: dict[str, Any] = {f: fields.get(f, []) for f in mask if f != "memberships"}
        if "memberships" in mask:
            groups = membership_groups(fields) if "memberships" in fields else None
            if not groups:
                raise people_invalid("Person must have a contact group membership.")
            check_groups(groups, mailbox.groups)
            changes["memberships"] = groups
        return changes

    def _apply(self, mailbox: Mailbox, contact: Contact, changes: dict[str, Any]) -> None:
        for name, value in changes.items():
            if name == "memberships":
                contact.groups = list(value)
            elif value:
                contact.fields[name] = value
            else:
                contact.fields.pop(name, None)
        self.emu.touch(mailbox, contact)

    def delete(self, request: Request, person: str) -> Response:
        mailbox = self.emu.people_mailbox(request, write=True)
        contact = _live(mailbox, "people/" + person)
        contact.deleted = True
        self.emu.touch(mailbox, contact)
        return Response.json({})

    def batch_create(self, request: Request) -> Response:
        mailbox = self.emu.people_mailbox(request, write=True)
        body = request.json() or {}
        read_mask = parse_mask(body.get("readMask"), "readMask", PERSON_FIELDS)
        entries = body.get("contacts") or []
        _check_count(entries, MAX_BATCH_WRITE, "contacts")
        prepared = [self._prepare(mailbox, (e or {}).get("contactPerson")) for e in entries]
        created = [
            {
                "httpStatusCode": 200,
                "person": render(self.emu.new_contact(mailbox, fields, groups), read_mask),
                "status": {},
            }
            for fields, groups in prepared
        ]
        return Response.json({"createdPeople": created})

    def batch_update(self, request: Request) -> Response:
        mailbox = self.emu.people_mailbox(request, write=True)
        body = request.json() or {}
        mask = parse_mask(body.get("updateMask"), "updateMask", WRITABLE_FIELDS)
        read_mask = parse_mask(body.get("readMask"), "readMask", PERSON_FIELDS)
        people = body.get("contacts") or {}
        if not isinstance(people, dict):
            raise people_invalid("contacts must be a map of resource name to Person.")
        _check_count(list(people), MAX_BATCH_WRITE, "contacts")
        planned = []
        for name, person in people.items():
            contact = _live(mailbox, name)
            planned.append((name, contact, self._check_update(mailbox, contact, person, mask)))
        result = {}
        for name, contact, changes in planned:
            self._apply(mailbox, contact, changes)
            result[name] = {
                "httpStatusCode": 200,
                "person": render(contact, read_mask),
                "requestedResourceName": name,
                "status": {},
            }
        return Response.json({"updateResult": result})

    def batch_delete(self, request: Request) -> Response:
        mailbox = self.emu.people_mailbox(request, write=True)
        names = (request.json() or {}).get("resourceNames") or []
        _check_count(names, MAX_BATCH_DELETE, "resourceNames")
        contacts = [_live(mailbox, name) for name in names]
        for contact in contacts:
            if not contact.deleted:
                contact.deleted = True
                self.emu.touch(mailbox, contact)
        return Response.json({})


def _live(mailbox: Mailbox, name: str) -> Contact:
    contact = mailbox.contacts.get(name)
    if contact is None or contact.deleted:
        raise people_not_found()
    return contact


def _source_etag(body: dict[str, Any]) -> str | None:
    sources = (body.get("metadata") or {}).get("sources") or []
    return sources[0].get("etag") if sources and isinstance(sources[0], dict) else None


def _optional_mask(value: str | None) -> set[str] | None:
    return parse_mask(value, "personFields", PERSON_FIELDS) if value else None


def _int_arg(request: Request, name: str, default: int, low: int, high: int) -> int:
    text = request.arg(name)
    try:
        value = int(text) if text else default
    except ValueError as exc:
        raise people_invalid(f"Invalid value at '{name}' (TYPE_INT32), \"{text}\"") from exc
    if not low <= value <= high:
        raise people_invalid(f"{name} must be between {low} and {high}.")
    return value


def _check_count(items: list[Any], limit: int, name: str) -> None:
    if not items:
        raise people_invalid(f"{name} must not be empty.")
    if len(items) > limit:
        raise people_invalid(
            f"Too many {name} in the request: {len(items)}; the maximum is {limit}."
        )


def _sorter(order: str) -> Any:
    def name_key(contact: Contact, part: str) -> tuple[str, int]:
        names = contact.fields.get("names") or [{}]
        return (str(names[0].get(part, "")).casefold(), contact.seq)

    if order == "FIRST_NAME_ASCENDING":
        return lambda c: name_key(c, "givenName")
    if order == "LAST_NAME_ASCENDING":
        return lambda c: name_key(c, "familyName")
    if order == "LAST_MODIFIED_DESCENDING":
        return lambda c: -c.seq
    if order != "LAST_MODIFIED_ASCENDING":
        raise people_invalid(f"Invalid value at 'sort_order', \"{order}\"")
    return lambda c: c.seq
