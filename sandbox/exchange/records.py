"""What tests read back: the emulator's state summary, recorded invitations and deletes, and
ConvertId (which exchangelib sends only to guess the server version)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from sandbox.exchange.context import Context
from sandbox.exchange.soap import ItemError, ResponseBuilder, m
from sandbox.exchange.state import Organisation

if TYPE_CHECKING:
    from sandbox.exchange.app import ExchangeEmulator


def convert_id(ctx: Context) -> ET.Element:
    out = ResponseBuilder("ConvertId")
    ids = ctx.request.body.find(m("SourceIds"))
    for _ in ids if ids is not None else []:
        # Id conversion is not modelled; the answer still carries ServerVersionInfo.
        out.error(ItemError("ErrorInvalidIdMalformed", "Id is malformed."))
    return out.root


def as_json(org: Organisation, mailbox: str | None) -> dict[str, Any]:
    wanted = mailbox.lower() if mailbox else None
    return {
        "invitations": [asdict(r) for r in org.invitations if wanted in (None, r.mailbox)],
        "deletes": [asdict(r) for r in org.deletes if wanted in (None, r.mailbox)],
    }


def state(app: ExchangeEmulator) -> dict[str, Any]:
    org = app.org
    return {
        "server_version": app.server_version,
        "auth_methods": sorted(app.auth.methods),
        "domains": org.domains,
        "accounts": [
            {
                "upn": a.upn,
                "netbios_domain": a.netbios_domain,
                "mailbox": a.mailbox,
            }
            for a in org.accounts
        ],
        "role_assignments": [
            {
                "name": r.name,
                "role": r.role,
                "user": r.user,
                "recipients": sorted(r.recipients) if r.recipients is not None else None,
            }
            for r in org.role_assignments
        ],
        "mailboxes": [
            {
                "smtp": box.smtp,
                "folders": len(box.folders),
                "contacts": sum(1 for i in box.items.values() if i.kind == "Contact"),
                "calendar_items": sum(1 for i in box.items.values() if i.kind == "CalendarItem"),
            }
            for box in org.mailboxes.values()
        ],
        "sync_generation": org.sync_generation,
        "operations": len(app.operations),
        "invitations": len(org.invitations),
        "deletes": len(org.deletes),
        "now": app.clock.now().isoformat(),
    }
