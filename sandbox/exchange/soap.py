"""SOAP 1.1 envelopes for EWS: namespaces, parsing a request, building responses and faults.

Requests are parsed with the standard library's ElementTree; elements in the EWS types namespace
are kept as received so that items can be stored and echoed back field by field.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
M = "http://schemas.microsoft.com/exchange/services/2006/messages"
T = "http://schemas.microsoft.com/exchange/services/2006/types"
E = "http://schemas.microsoft.com/exchange/services/2006/errors"
A = "http://schemas.microsoft.com/exchange/2010/Autodiscover"
WSA = "http://www.w3.org/2005/08/addressing"
XSI = "http://www.w3.org/2001/XMLSchema-instance"

for _prefix, _uri in (("s", SOAP), ("m", M), ("t", T), ("e", E), ("a", A), ("wsa", WSA)):
    ET.register_namespace(_prefix, _uri)


def m(name: str) -> str:
    return f"{{{M}}}{name}"


def t(name: str) -> str:
    return f"{{{T}}}{name}"


def local(tag: str) -> str:
    return tag.rpartition("}")[2]


class EWSFault(Exception):
    """A request-level failure: answered as a SOAP Fault (HTTP 500 unless said otherwise)."""

    def __init__(
        self, code: str, message: str, status: int = 500, back_off_ms: int | None = None
    ) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status
        self.back_off_ms = back_off_ms


class ItemError(Exception):
    """A failure of one element of a request: answered as a ResponseMessage with
    ResponseClass="Error" while the other elements of the same request go on."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


@dataclass
class SoapRequest:
    operation: str
    body: ET.Element  # the m:{Operation} element
    api_version: str | None = None
    impersonate: str | None = None  # PrimarySmtpAddress / SmtpAddress / PrincipalName
    time_zone: str | None = None
    headers: dict[str, str] = field(default_factory=dict)


def parse(raw: bytes) -> SoapRequest:
    try:
        root = ET.fromstring(raw)
    except ET.ParseError as exc:
        raise EWSFault(
            "ErrorSchemaValidation", f"The request failed schema validation: {exc}"
        ) from None
    body = root.find(f"{{{SOAP}}}Body")
    if root.tag != f"{{{SOAP}}}Envelope" or body is None or len(body) == 0:
        raise EWSFault("ErrorSchemaValidation", "The request failed schema validation.")
    operation_elem = body[0]
    request = SoapRequest(operation=local(operation_elem.tag), body=operation_elem)
    header = root.find(f"{{{SOAP}}}Header")
    if header is not None:
        version = header.find(t("RequestServerVersion"))
        if version is not None:
            request.api_version = version.get("Version")
        requested = header.find(f"{{{A}}}RequestedServerVersion")
        if requested is not None:
            request.api_version = requested.text
        sid = header.find(f"{t('ExchangeImpersonation')}/{t('ConnectingSID')}")
        if sid is not None and len(sid):
            request.impersonate = (sid[0].text or "").strip()
        tz = header.find(f"{t('TimeZoneContext')}/{t('TimeZoneDefinition')}")
        if tz is not None:
            request.time_zone = tz.get("Id")
    return request


def sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    elem = ET.SubElement(parent, tag, attrs)
    if text is not None:
        elem.text = text
    return elem


def envelope(content: ET.Element, version_info: dict[str, str] | None) -> bytes:
    root = ET.Element(f"{{{SOAP}}}Envelope")
    if version_info is not None:
        header = sub(root, f"{{{SOAP}}}Header")
        sub(header, t("ServerVersionInfo"), **version_info)
    body = sub(root, f"{{{SOAP}}}Body")
    body.append(content)
    return b"<?xml version='1.0' encoding='utf-8'?>" + ET.tostring(root, encoding="utf-8")


def fault_body(fault: EWSFault) -> bytes:
    root = ET.Element(f"{{{SOAP}}}Envelope")
    body = sub(root, f"{{{SOAP}}}Body")
    elem = sub(body, f"{{{SOAP}}}Fault")
    # Exchange qualifies the faultcode with the types namespace ("a:ErrorServerBusy").
    sub(elem, "faultcode", f"t:{fault.code}")
    sub(elem, "faultstring", fault.message)
    detail = sub(elem, "detail")
    sub(detail, f"{{{E}}}ResponseCode", fault.code)
    sub(detail, f"{{{E}}}Message", fault.message)
    if fault.back_off_ms is not None:
        xml = sub(detail, t("MessageXml"))
        sub(xml, t("Value"), str(fault.back_off_ms), Name="BackOffMilliseconds")
    return b"<?xml version='1.0' encoding='utf-8'?>" + ET.tostring(root, encoding="utf-8")


class ResponseBuilder:
    """``<m:{Op}Response><m:ResponseMessages>`` with one message per element of the request."""

    def __init__(self, operation: str) -> None:
        self.operation = operation
        self.root = ET.Element(m(f"{operation}Response"))
        self.messages = sub(self.root, m("ResponseMessages"))

    def success(self, **attrs: str) -> ET.Element:
        message = sub(self.messages, m(f"{self.operation}ResponseMessage"), ResponseClass="Success")
        message.attrib.update(attrs)
        sub(message, m("ResponseCode"), "NoError")
        return message

    def error(self, error: ItemError) -> ET.Element:
        message = sub(self.messages, m(f"{self.operation}ResponseMessage"), ResponseClass="Error")
        sub(message, m("MessageText"), error.message)
        sub(message, m("ResponseCode"), error.code)
        sub(message, m("DescriptiveLinkKey"), "0")
        return message


def text_of(elem: ET.Element | None, default: str | None = None) -> str | None:
    if elem is None:
        return default
    return elem.text if elem.text is not None else ""


def as_bool(value: str | None) -> bool:
    return (value or "").strip().lower() in ("true", "1")


def xml_bool(value: bool) -> str:
    return "true" if value else "false"
