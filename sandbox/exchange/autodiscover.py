"""SOAP Autodiscover (``GetUserSettings``), the protocol exchangelib 5 speaks: it posts to
``https://{domain}/autodiscover/autodiscover.svc`` (then ``autodiscover.{domain}``) and reads
``ExternalEwsUrl`` and ``EwsSupportedSchemas`` from the answer."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import TYPE_CHECKING

from sandbox.core import Request
from sandbox.exchange.context import ACCEPTED_API_VERSIONS, SERVER_VERSIONS
from sandbox.exchange.soap import SOAP, WSA, XSI, A, EWSFault, sub

if TYPE_CHECKING:
    from sandbox.exchange.app import ExchangeEmulator

ACTION = (
    "http://schemas.microsoft.com/exchange/2010/Autodiscover/Autodiscover/GetUserSettingsResponse"
)
# Newest first: what EwsSupportedSchemas lists for each server.
SCHEMA_ORDER = (
    "Exchange2007", "Exchange2007_SP1", "Exchange2010", "Exchange2010_SP1", "Exchange2010_SP2",
    "Exchange2013", "Exchange2013_SP1", "Exchange2015", "Exchange2016",
)  # fmt: skip


def a(name: str) -> str:
    return f"{{{A}}}{name}"


def _settings(app: ExchangeEmulator, request: Request, smtp: str) -> dict[str, str]:
    box = app.org.mailbox(smtp)
    assert box is not None
    ews_url = request.base_url + "/EWS/Exchange.asmx"
    accepted = ACCEPTED_API_VERSIONS[app.server_version]
    major, minor, build, revision, _ = SERVER_VERSIONS[app.server_version]
    return {
        "UserDisplayName": box.display_name,
        "UserDN": f"/o=Sandbox/ou=Exchange Administrative Group/cn=Recipients/cn={box.smtp}",
        "AutoDiscoverSMTPAddress": box.smtp,
        "InternalEwsUrl": ews_url,
        "ExternalEwsUrl": ews_url,
        "EwsSupportedSchemas": ", ".join(s for s in SCHEMA_ORDER if s in accepted),
        "CasVersion": f"{major}.{minor}.{build}.{revision}",
    }


def get_user_settings(app: ExchangeEmulator, request: Request) -> bytes:
    try:
        root = ET.fromstring(request.body)
    except ET.ParseError as exc:
        raise EWSFault("ErrorSchemaValidation", f"Invalid request: {exc}") from None
    users = [(u.text or "").strip() for u in root.iter(a("Mailbox"))]
    wanted = [(s.text or "").strip() for s in root.iter(a("Setting"))]
    envelope = ET.Element(f"{{{SOAP}}}Envelope")
    header = sub(envelope, f"{{{SOAP}}}Header")
    sub(header, f"{{{WSA}}}Action", ACTION)
    major, minor, build, revision, _ = SERVER_VERSIONS[app.server_version]
    info = sub(header, a("ServerVersionInfo"))
    for name, value in (("MajorVersion", major), ("MinorVersion", minor),
                        ("MajorBuildNumber", build), ("MinorBuildNumber", revision),
                        ("Version", "Exchange2015")):  # fmt: skip
        sub(info, a(name), value)
    body = sub(envelope, f"{{{SOAP}}}Body")
    message = sub(body, a("GetUserSettingsResponseMessage"))
    response = sub(message, a("Response"))
    sub(response, a("ErrorCode"), "NoError")
    sub(response, a("ErrorMessage"), "")
    responses = sub(response, a("UserResponses"))
    for smtp in users:
        user = sub(responses, a("UserResponse"))
        if app.org.mailbox(smtp) is None:
            sub(user, a("ErrorCode"), "InvalidUser")
            sub(user, a("ErrorMessage"), f"Invalid user: '{smtp}'")
            continue
        sub(user, a("ErrorCode"), "NoError")
        sub(user, a("ErrorMessage"), "No error.")
        known = _settings(app, request, smtp)
        errors = sub(user, a("UserSettingErrors"))
        settings = sub(user, a("UserSettings"))
        for name in wanted:
            if name in known:
                setting = sub(settings, a("UserSetting"), **{f"{{{XSI}}}type": "StringSetting"})
                sub(setting, a("Name"), name)
                sub(setting, a("Value"), known[name])
            else:
                error = sub(errors, a("UserSettingError"))
                sub(error, a("ErrorCode"), "SettingIsNotAvailable")
                sub(error, a("ErrorMessage"), f"User setting '{name}' is not available.")
                sub(error, a("SettingName"), name)
    return b"<?xml version='1.0' encoding='utf-8'?>" + ET.tostring(envelope, encoding="utf-8")
