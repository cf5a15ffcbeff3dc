"""People API contact groups: list, create (409 on a duplicate name), get, update, delete and
members:modify."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sandbox.core import Request, Response
from sandbox.google.errors import int_arg, people_error, people_invalid, people_not_found
from sandbox.google.store import Group, Mailbox, Page, SyncToken, rfc3339

if TYPE_CHECKING:
    from sandbox.google.app import GoogleEmulator

SYSTEM_GROUPS = {
    "chatBuddies": "Chat contacts",
    "all": "All Contacts",
    "friends": "Friends",
    "family": "Family",
    "coworkers": "Coworkers",
    "blocked": "Blocked",
    "myContacts": "My Contacts",
    "starred": "Starred",
}
SYSTEM_CREATED = datetime(2020, 1, 1, tzinfo=UTC)
ADDABLE_SYSTEM = ("contactGroups/myContacts", "contactGroups/starred")
GROUP_FIELDS = frozenset({"clientData", "groupType", "memberCount", "metadata", "name"})
DEFAULT_FIELDS = frozenset({"groupType", "memberCount", "metadata", "name"})
MAX_MODIFY = 1000


def system_groups(mailbox: Mailbox) -> None:
    for key in SYSTEM_GROUPS:
        name = "contactGroups/" + key
        mailbox.groups[name] = Group(name, key, 0, SYSTEM_CREATED, system=True)


def members(mailbox: Mailbox, name: str) -> list[str]:
    return [
        c.resource_name for c in mailbox.contacts.values() if not c.deleted and name in c.groups
    ]


def group_etag(group: Group) -> str:
    digest = hashlib.sha256(f"{group.resource_name}/{group.seq}/{group.name}".encode()).hexdigest()
    return digest[:16]


def render_group(
    mailbox: Mailbox, group: Group, fields: frozenset[str], max_members: int = 0
) -> dict[str, Any]:
    out: dict[str, Any] = {"resourceName": group.resource_name, "etag": group_etag(group)}
    if "metadata" in fields:
        out["metadata"] = {"updateTime": rfc3339(group.update_time, micros=True)}
        if group.deleted:
            out["metadata"]["deleted"] = True
    if group.deleted:
        return out
    if "groupType" in fields:
        out["groupType"] = "SYSTEM_CONTACT_GROUP" if group.system else "USER_CONTACT_GROUP"
    if "name" in fields:
        out["name"] = group.name
        out["formattedName"] = (
            SYSTEM_GROUPS.get(group.name, group.name) if group.system else group.name
        )
    if "clientData" in fields and group.client_data:
        out["clientData"] = group.client_data
    names = members(mailbox, group.resource_name)
    if "memberCount" in fields and names:
        out["memberCount"] = len(names)
    if max_members and names:
        out["memberResourceNames"] = names[:max_members]
    return out


def _fields(value: str | None) -> frozenset[str]:
    if not value:
        return DEFAULT_FIELDS
    fields = frozenset(p.strip() for p in value.split(",") if p.strip())
    unknown = sorted(fields - GROUP_FIELDS)
    if unknown:
        raise people_invalid(f'Invalid groupFields mask path: "{unknown[0]}".')
    return fields


class GroupsApi:
    def __init__(self, emulator: GoogleEmulator) -> None:
        self.emu = emulator

    def list_groups(self, request: Request) -> Response:
        mailbox = self.emu.people_mailbox(request, write=False)
        fields = _fields(request.arg("groupFields"))
        size = int_arg(request, "pageSize", 30)
        if not 1 <= size <= 1000:
            raise people_invalid("pageSize must be between 1 and 1000.")
        token = request.arg("pageToken")
        offset = 0
        if token:
            found = self.emu.pages.take(token, mailbox.email, "groups")
            if found is None:
                raise people_invalid("Page token is invalid.")
            page, offset = found
        else:
            since = self._since(mailbox, request.arg("syncToken"))
            chosen = [
                g
                for g in mailbox.groups.values()
                if (g.seq > since if since is not None else not g.deleted)
            ]
            items = [render_group(mailbox, g, fields) for g in chosen]
            page = Page(mailbox.email, "groups", items, mailbox.seq, {"total": len(items)})
        body: dict[str, Any] = {
            "contactGroups": page.items[offset : offset + size],
            "totalItems": page.extra["total"],
        }
        if offset + size < len(page.items):
            body["nextPageToken"] = self.emu.pages.put(page, offset + size)
        else:
            stamp = self.emu.clock.timestamp()
            body["nextSyncToken"] = SyncToken(
                "groups", mailbox.email, page.sync_seq or 0, self.emu.cursor_epoch, stamp
            ).encode()
        return Response.json(body)

    def _since(self, mailbox: Mailbox, text: str | None) -> int | None:
        if not text:
            return None
        token = SyncToken.decode(text)
        if token is None or token.kind != "groups" or token.email != mailbox.email:
            raise people_invalid("Sync token is invalid.")
        if token.epoch != self.emu.cursor_epoch:
            raise people_error(
                400,
                "Sync token is expired. Clear local cache and retry call without the sync token.",
                "FAILED_PRECONDITION",
                "EXPIRED_SYNC_TOKEN",
                method="ContactGroupService.ListContactGroups",
            )
        return token.seq

    def create(self, request: Request) -> Response:
        mailbox = self.emu.people_mailbox(request, write=True)
        body = request.json() or {}
        spec = body.get("contactGroup") or {}
        name = str(spec.get("name") or "").strip()
        self._check_name(mailbox, name, None)
        group = self.emu.new_group(mailbox, name)
        group.client_data = list(spec.get("clientData") or [])
        fields = _fields(body.get("readGroupFields"))
        return Response.json(render_group(mailbox, group, fields))

    def _check_name(self, mailbox: Mailbox, name: str, own: str | None) -> None:
        if not name:
            raise people_invalid("Contact group name must not be empty.")
        for group in mailbox.groups.values():
            if group.name == name and not group.deleted and group.resource_name != own:
                raise people_error(409, "Contact group name already exists.", "ALREADY_EXISTS")

    def _group(self, mailbox: Mailbox, group_id: str) -> Group:
        group = mailbox.groups.get("contactGroups/" + group_id)
        if group is None or group.deleted:
            raise people_not_found()
        return group

    def get(self, request: Request, group_id: str) -> Response:
        mailbox = self.emu.people_mailbox(request, write=False)
        group = self._group(mailbox, group_id)
        max_members = int_arg(request, "maxMembers", 0)
        fields = _fields(request.arg("groupFields"))
        return Response.json(render_group(mailbox, group, fields, max_members))

    def update(self, request: Request, group_id: str) -> Response:
        mailbox = self.emu.people_mailbox(request, write=True)
        group = self._group(mailbox, group_id)
        if group.system:
            raise people_error(403, "Cannot modify a system contact group.", "PERMISSION_DENIED")
        body = request.json() or {}
        spec = body.get("contactGroup") or {}
        sent = spec.get("etag")
        if sent and sent != group_etag(group):
            raise people_error(
                400,
                "Request contactGroup.etag is different than the current contactGroup.etag. "
                "Clear local cache and get the latest contact group.",
                "FAILED_PRECONDITION",
            )
        name = str(spec.get("name") or "").strip()
        self._check_name(mailbox, name, group.resource_name)
        group.name = name
        self.emu.touch_group(mailbox, group)
        return Response.json(render_group(mailbox, group, _fields(body.get("readGroupFields"))))

    def delete(self, request: Request, group_id: str) -> Response:
        mailbox = self.emu.people_mailbox(request, write=True)
        group = self._group(mailbox, group_id)
        if group.system:
            raise people_error(403, "Cannot delete a system contact group.", "PERMISSION_DENIED")
        drop = request.arg("deleteContacts", "false") == "true"
        for contact in mailbox.contacts.values():
            if contact.deleted or group.resource_name not in contact.groups:
                continue
            contact.groups.remove(group.resource_name)
            contact.deleted = contact.deleted or drop
            self.emu.touch(mailbox, contact)
        group.deleted = True
        self.emu.touch_group(mailbox, group)
        return Response.json({})

    def modify(self, request: Request, group_id: str) -> Response:
        mailbox = self.emu.people_mailbox(request, write=True)
        group = self._group(mailbox, group_id)
        body = request.json() or {}
        add = list(body.get("resourceNamesToAdd") or [])
        remove = list(body.get("resourceNamesToRemove") or [])
        if len(add) + len(remove) > MAX_MODIFY:
            raise people_invalid("Too many resource names; the maximum is 1000.")
        if add and group.system and group.resource_name not in ADDABLE_SYSTEM:
            raise people_invalid(
                f"Cannot add contacts to system contact group {group.resource_name}."
            )
        not_found: list[str] = []
        last_group: list[str] = []
        for name in add:
            contact = mailbox.contacts.get(name)
            if contact is None or contact.deleted:
                not_found.append(name)
            elif group.resource_name not in contact.groups:
                contact.groups.append(group.resource_name)
                self.emu.touch(mailbox, contact)
        for name in remove:
            contact = mailbox.contacts.get(name)
            if contact is None or contact.deleted:
                not_found.append(name)
            elif group.resource_name in contact.groups:
                if len(contact.groups) == 1:
                    last_group.append(name)
                    continue
                contact.groups.remove(group.resource_name)
                self.emu.touch(mailbox, contact)
        answer: dict[str, Any] = {}
        if not_found:
            answer["notFoundResourceNames"] = not_found
        if last_group:
            answer["canNotRemoveLastContactGroupResourceNames"] = last_group
        return Response.json(answer)
