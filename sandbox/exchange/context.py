"""What one EWS request acts on: the signed-in account, the mailbox it reaches (impersonated or
its own), and how folder and item ids in the request resolve."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass

from sandbox.exchange.soap import EWSFault, ItemError, SoapRequest, local, t
from sandbox.exchange.state import Folder, Item, Mailbox, Organisation, ServiceAccount

# (major, minor, major build, minor build, Version attribute): what each server reports.
# The "V2017_07_11" strings are what Exchange 2016/2019 CUs really send; exchangelib treats them
# as bogus and keeps the API version it asked for.
SERVER_VERSIONS = {
    "Exchange2013": ("15", "0", "1497", "2", "V2_23"),
    "Exchange2016": ("15", "1", "2507", "6", "V2017_07_11"),
    "Exchange2019": ("15", "2", "1118", "7", "V2017_07_11"),
}
# RequestServerVersion values each server accepts (newer ones get ErrorInvalidServerVersion).
_OLD = ("Exchange2007", "Exchange2007_SP1", "Exchange2010", "Exchange2010_SP1", "Exchange2010_SP2")
ACCEPTED_API_VERSIONS = {
    "Exchange2013": {*_OLD, "Exchange2013", "Exchange2013_SP1"},
    "Exchange2016": {*_OLD, "Exchange2013", "Exchange2013_SP1", "Exchange2015", "Exchange2016"},
    "Exchange2019": {*_OLD, "Exchange2013", "Exchange2013_SP1", "Exchange2015", "Exchange2016"},
}


def version_info(server_version: str) -> dict[str, str]:
    major, minor, build, revision, version = SERVER_VERSIONS[server_version]
    return {
        "MajorVersion": major,
        "MinorVersion": minor,
        "MajorBuildNumber": build,
        "MinorBuildNumber": revision,
        "Version": version,
    }


_ID = re.compile(r"AAMk[A-Za-z0-9+/=_-]{8,}")


def check_id(value: str) -> None:
    """Exchange tells an id it cannot decode (ErrorInvalidIdMalformed) from one it cannot find."""
    if not _ID.fullmatch(value):
        raise ItemError("ErrorInvalidIdMalformed", "Id is malformed.")


@dataclass
class Context:
    org: Organisation
    account: ServiceAccount
    request: SoapRequest
    mailbox: Mailbox | None  # impersonated, or the account's own

    def box(self) -> Mailbox:
        if self.mailbox is None:
            raise EWSFault(
                "ErrorMissingEmailAddress",
                "When making a request as an account that does not have a mailbox, you must "
                "specify the mailbox primary SMTP address for any distinguished folders.",
            )
        return self.mailbox

    def folder(self, elem: ET.Element) -> Folder:
        """A ``t:FolderId`` or ``t:DistinguishedFolderId`` in the reached mailbox."""
        kind = local(elem.tag)
        if kind == "DistinguishedFolderId":
            box = self._mailbox_of(elem)
            folder = box.distinguished(elem.get("Id") or "")
            if folder is None:
                raise ItemError("ErrorFolderNotFound", "The specified folder could not be found.")
            return folder
        if kind == "FolderId":
            check_id(elem.get("Id") or "")
            box = self.box()
            folder = box.folders.get(elem.get("Id") or "")
            if folder is None:
                raise ItemError("ErrorFolderNotFound", "The specified folder could not be found.")
            return folder
        raise ItemError("ErrorInvalidIdMalformed", f"Unsupported folder id {kind}.")

    def _mailbox_of(self, elem: ET.Element) -> Mailbox:
        address_elem = elem.find(f"{t('Mailbox')}/{t('EmailAddress')}")
        if address_elem is None or not (address_elem.text or "").strip():
            return self.box()
        address = (address_elem.text or "").strip().lower()
        box = self.org.mailbox(address)
        if box is None:
            raise ItemError(
                "ErrorNonExistentMailbox", "The SMTP address has no mailbox associated with it."
            )
        if self.mailbox is None or box.smtp != self.mailbox.smtp:
            # Delegate access (FullAccess permissions) is not modelled: only impersonation is.
            raise ItemError(
                "ErrorAccessDenied", "Access is denied. Check credentials and try again."
            )
        return box

    def item(self, item_id: str) -> Item:
        check_id(item_id)
        box = self.box()
        item = box.items.get(item_id)
        if item is None:
            raise ItemError("ErrorItemNotFound", "The specified object was not found in the store.")
        return item
