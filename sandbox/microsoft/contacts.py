"""``/users/{u}/contactFolders`` and contacts, including the per-folder delta query."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sandbox.core import Request, Response
from sandbox.microsoft import delta
from sandbox.microsoft.access import open_mailbox
from sandbox.microsoft.common import (
    body_json,
    check_if_match,
    check_properties,
    find,
    iso,
    write_extended,
)
from sandbox.microsoft.directory import Directory
from sandbox.microsoft.errors import GraphError
from sandbox.microsoft.odata import expand, paged, paged_lazily, parse_filter, select
from sandbox.microsoft.state import Item, Mailbox

ROLE = "Contacts.ReadWrite"
LISTS = {"emailAddresses", "businessPhones", "homePhones", "imAddresses", "children", "categories"}
ADDRESSES = {"businessAddress", "homeAddress", "otherAddress"}
TEXT = {
    "givenName", "middleName", "surname", "displayName", "fileAs", "nickName", "initials",
    "title", "generation", "jobTitle", "companyName", "department", "officeLocation",
    "profession", "manager", "assistantName", "mobilePhone", "personalNotes",
    "businessHomePage", "spouseName", "yomiGivenName", "yomiSurname", "yomiCompanyName",
}  # fmt: skip
FIELDS = LISTS | ADDRESSES | TEXT | {"birthday"}


def _folder_json(folder: Item) -> dict[str, Any]:
    return {
        "id": folder.id,
        "displayName": folder.data["displayName"],
        "parentFolderId": folder.data.get("parentFolderId"),
    }


def contact_json(item: Item) -> dict[str, Any]:
    obj: dict[str, Any] = {
        "@odata.etag": item.etag,
        "id": item.id,
        "createdDateTime": iso(item.created),
        "lastModifiedDateTime": iso(item.modified),
        "changeKey": item.change_key,
        "parentFolderId": item.parent_id,
    }
    for name in sorted(FIELDS):
        default: Any = [] if name in LISTS else None
        value = item.data.get(name, default)
        if name in ADDRESSES and value is None:
            value = {}
        obj[name] = value
    return obj


def validate_contact(data: dict[str, Any]) -> None:
    check_properties(data, FIELDS, "contact")
    for key, value in data.items():
        bad = (
            (key in TEXT and value is not None and not isinstance(value, str))
            or (key in LISTS and value is not None and not isinstance(value, list))
            or (key in ADDRESSES and value is not None and not isinstance(value, dict))
        )
        if bad:
            raise GraphError(
                400,
                "RequestBodyRead",
                f"Cannot convert the literal '{value}' for property '{key}'.",
            )


def apply_contact(item: Item, data: dict[str, Any]) -> None:
    for key, value in data.items():
        if key == "emailAddresses" and value:
            # Outlook fills in a missing display name with the address itself.
            value = [
                {"name": e.get("name") or e.get("address"), "address": e.get("address")}
                for e in value
            ]
        if key in FIELDS:
            item.data[key] = value
    if not item.data.get("displayName") and ("givenName" in data or "surname" in data):
        parts = [item.data.get("givenName"), item.data.get("surname")]
        item.data["displayName"] = " ".join(p for p in parts if p)
    write_extended(item, data)


def _folder(box: Mailbox, folder_id: str | None) -> Item:
    return find(box.folders, folder_id or box.default_folder_id)


def list_folders(directory: Directory, request: Request, user: str) -> Response:
    box = open_mailbox(directory, request, user, ROLE)
    keep = parse_filter(request.arg("$filter"))
    values = []
    for folder in box.folders.values():
        if folder.id == box.default_folder_id:
            continue  # the list holds the children of the default Contacts folder
        obj = _folder_json(folder)
        if keep is None or keep(obj, folder):
            values.append(select(obj, request.arg("$select")))
    context = f"{request.base_url}/v1.0/$metadata#users('{user}')/contactFolders"
    return Response.json(paged(request, values, 10, context))


def create_folder(directory: Directory, request: Request, user: str) -> Response:
    box = open_mailbox(directory, request, user, ROLE)
    data = body_json(request)
    check_properties(data, {"displayName"}, "contactFolder")
    name = data.get("displayName")
    if not isinstance(name, str) or not name.strip():
        raise GraphError(400, "ErrorInvalidRequest", "The folder name cannot be empty.")
    for folder in box.folders.values():
        if (
            folder.id != box.default_folder_id
            and folder.data["displayName"].lower() == name.lower()
        ):
            raise GraphError(
                409, "ErrorFolderExists", "A folder with the specified name already exists."
            )
    now = directory.clock.now()
    folder = Item(
        directory.make.item(), {"displayName": name}, directory.make.change_key(), now, now
    )
    folder.data["parentFolderId"] = box.default_folder_id
    write_extended(folder, data)
    box.folders[folder.id] = folder
    return Response.json(_folder_json(folder), 201)


def get_folder(directory: Directory, request: Request, user: str, folder: str) -> Response:
    box = open_mailbox(directory, request, user, ROLE)
    item = find(box.folders, folder)
    return Response.json(expand(_folder_json(item), item, request.arg("$expand")))


def rename_folder(directory: Directory, request: Request, user: str, folder: str) -> Response:
    box = open_mailbox(directory, request, user, ROLE)
    item = find(box.folders, folder)
    data = body_json(request)
    check_properties(data, {"displayName"}, "contactFolder")
    name = data.get("displayName", item.data["displayName"])
    if not isinstance(name, str) or not name.strip():
        raise GraphError(400, "ErrorInvalidRequest", "The folder name cannot be empty.")
    for other in box.folders.values():
        if other.id != item.id and other.data["displayName"].lower() == name.lower():
            raise GraphError(
                409, "ErrorFolderExists", "A folder with the specified name already exists."
            )
    item.data["displayName"] = name
    write_extended(item, data)
    item.change_key, item.modified = directory.make.change_key(), directory.clock.now()
    return Response.json(_folder_json(item))


def delete_folder(directory: Directory, request: Request, user: str, folder: str) -> Response:
    box = open_mailbox(directory, request, user, ROLE)
    item = find(box.folders, folder)
    if item.id == box.default_folder_id:
        raise GraphError(
            403, "ErrorDeleteDistinguishedFolder", "Distinguished folders cannot be deleted."
        )
    del box.folders[item.id]
    for contact_id in [c.id for c in box.contacts.values() if c.parent_id == item.id]:
        del box.contacts[contact_id]
    return Response.empty()


def _contacts_in(box: Mailbox, folder: Item) -> list[Item]:
    return [c for c in box.contacts.values() if c.parent_id == folder.id]


def list_contacts(
    directory: Directory, request: Request, user: str, folder: str | None = None
) -> Response:
    box = open_mailbox(directory, request, user, ROLE)
    where = _folder(box, folder)
    test = parse_filter(request.arg("$filter"))
    keep = None if test is None else (lambda item: test(contact_json(item), item))
    context = f"{request.base_url}/v1.0/$metadata#users('{user}')/contacts"
    return Response.json(
        paged_lazily(
            request,
            _contacts_in(box, where),
            lambda item: expand(
                select(contact_json(item), request.arg("$select")), item, request.arg("$expand")
            ),
            10,
            context,
            keep,
        )
    )


def create_contact(
    directory: Directory, request: Request, user: str, folder: str | None = None
) -> Response:
    box = open_mailbox(directory, request, user, ROLE)
    where = _folder(box, folder)
    data = body_json(request)
    validate_contact(data)
    now = directory.clock.now()
    item = Item(
        directory.make.item(), {}, directory.make.change_key(), now, now, parent_id=where.id
    )
    apply_contact(item, data)
    box.contacts[item.id] = item
    return Response.json(contact_json(item), 201)


def _contact(box: Mailbox, contact: str, folder: str | None) -> Item:
    item = find(box.contacts, contact)
    if folder is not None and item.parent_id != _folder(box, folder).id:
        raise GraphError(
            404, "ErrorItemNotFound", "The specified object was not found in the store."
        )
    return item


def get_contact(
    directory: Directory, request: Request, user: str, contact: str, folder: str | None = None
) -> Response:
    box = open_mailbox(directory, request, user, ROLE)
    item = _contact(box, contact, folder)
    obj = select(contact_json(item), request.arg("$select"))
    return Response.json(expand(obj, item, request.arg("$expand")))


def update_contact(
    directory: Directory, request: Request, user: str, contact: str, folder: str | None = None
) -> Response:
    box = open_mailbox(directory, request, user, ROLE)
    item = _contact(box, contact, folder)
    check_if_match(request, item)
    data = body_json(request)
    validate_contact(data)
    apply_contact(item, data)
    item.change_key, item.modified = directory.make.change_key(), directory.clock.now()
    return Response.json(contact_json(item))


def delete_contact(
    directory: Directory, request: Request, user: str, contact: str, folder: str | None = None
) -> Response:
    box = open_mailbox(directory, request, user, ROLE)
    item = _contact(box, contact, folder)
    check_if_match(request, item)
    del box.contacts[item.id]
    return Response.empty()


def contacts_delta(
    directory: Directory, request: Request, user: str, folder: str | None = None
) -> Response:
    box = open_mailbox(directory, request, user, ROLE)
    where = _folder(box, folder)

    def current(
        scope: dict[str, str],
    ) -> tuple[dict[str, str], Callable[[str], dict[str, Any]]]:
        if where.id not in box.folders:
            raise GraphError(
                404, "ErrorItemNotFound", "The specified object was not found in the store."
            )

        def shape(item_id: str) -> dict[str, Any]:
            return {
                "@odata.type": "#microsoft.graph.contact",
                **select(contact_json(box.contacts[item_id]), scope.get("$select")),
            }

        return {c.id: c.change_key for c in _contacts_in(box, where)}, shape

    scope = {"$select": request.arg("$select") or ""}
    context = f"{request.base_url}/v1.0/$metadata#Collection(contact)"
    return delta.run(directory, request, box, current, "#microsoft.graph.contact", scope, context)
