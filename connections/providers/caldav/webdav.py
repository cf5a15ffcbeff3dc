"""WebDAV, CalDAV and CardDAV request bodies and multistatus answers (pure: no network).

Bodies are built with ElementTree; answers are parsed with defusedxml, since they come from a
server the admin typed in (no entity expansion, no external entities).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import unquote, urlsplit
from xml.etree import ElementTree as ET  # noqa: S405 - building only; parsing is defusedxml's

from defusedxml import ElementTree as SafeET

DAV = "DAV:"
CALDAV = "urn:ietf:params:xml:ns:caldav"
CARDDAV = "urn:ietf:params:xml:ns:carddav"
CALSERVER = "http://calendarserver.org/ns/"
PREFIXES = {DAV: "D", CALDAV: "C", CARDDAV: "CR", CALSERVER: "CS"}
for _uri, _prefix in PREFIXES.items():
    ET.register_namespace(_prefix, _uri)


def name(namespace: str, local: str) -> str:
    return f"{{{namespace}}}{local}"


GETETAG = name(DAV, "getetag")
SYNC_TOKEN = name(DAV, "sync-token")
GETCTAG = name(CALSERVER, "getctag")
RESOURCETYPE = name(DAV, "resourcetype")
DISPLAYNAME = name(DAV, "displayname")
CURRENT_USER_PRINCIPAL = name(DAV, "current-user-principal")
CALENDAR_HOME_SET = name(CALDAV, "calendar-home-set")
ADDRESSBOOK_HOME_SET = name(CARDDAV, "addressbook-home-set")
SCHEDULE_DEFAULT_CALENDAR = name(CALDAV, "schedule-default-calendar-URL")
SUPPORTED_COMPONENTS = name(CALDAV, "supported-calendar-component-set")
CALENDAR_DATA = name(CALDAV, "calendar-data")
ADDRESS_DATA = name(CARDDAV, "address-data")
CALENDAR = name(CALDAV, "calendar")
ADDRESSBOOK = name(CARDDAV, "addressbook")
VALID_SYNC_TOKEN = name(DAV, "valid-sync-token")


def path_of(href: str) -> str:
    """The decoded path of an href (servers answer with absolute URLs or paths, encoded or not)."""
    return unquote(urlsplit(href.strip()).path)


@dataclass(frozen=True)
class Resource:
    """One <response> of a multistatus: its path, its status and its properties found (200)."""

    path: str
    status: int
    props: dict[str, ET.Element] = field(default_factory=dict)

    def text(self, prop: str) -> str:
        element = self.props.get(prop)
        return (element.text or "").strip() if element is not None else ""

    def hrefs(self, prop: str) -> list[str]:
        element = self.props.get(prop)
        if element is None:
            return []
        return [path_of(h.text or "") for h in element.iter(name(DAV, "href")) if h.text]

    def is_a(self, resource_type: str) -> bool:
        element = self.props.get(RESOURCETYPE)
        return element is not None and element.find(resource_type) is not None

    def components(self) -> set[str]:
        element = self.props.get(SUPPORTED_COMPONENTS)
        if element is None:
            return set()
        return {str(c.get("name", "")).upper() for c in element}


@dataclass(frozen=True)
class Multistatus:
    resources: list[Resource]
    sync_token: str = ""


def _status_code(element: ET.Element | None) -> int:
    if element is None or not element.text:
        return 200
    parts = element.text.split()
    return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 500


def parse_multistatus(body: bytes) -> Multistatus:
    root = SafeET.fromstring(body)
    if root.tag != name(DAV, "multistatus"):
        raise ValueError(f"expected a DAV:multistatus answer, got {root.tag}")
    resources = []
    for response in root.findall(name(DAV, "response")):
        href = response.findtext(name(DAV, "href")) or ""
        props: dict[str, ET.Element] = {}
        status = _status_code(response.find(name(DAV, "status")))
        found = False
        for propstat in response.findall(name(DAV, "propstat")):
            if _status_code(propstat.find(name(DAV, "status"))) != 200:
                continue
            found = True
            prop = propstat.find(name(DAV, "prop"))
            for element in prop if prop is not None else []:
                props[element.tag] = element
        if response.find(name(DAV, "status")) is None and not found:
            status = 404
        resources.append(Resource(path_of(href), status, props))
    token = (root.findtext(SYNC_TOKEN) or "").strip()
    return Multistatus(resources, token)


def error_conditions(body: bytes) -> set[str]:
    """The precondition names of a DAV:error body (RFC 4918 §16), e.g. DAV:valid-sync-token."""
    try:
        root = SafeET.fromstring(body)
    except (SafeET.ParseError, ValueError):
        return set()
    if root.tag != name(DAV, "error"):
        return set()
    return {child.tag for child in root}


def _document(root: ET.Element) -> bytes:
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def _props(parent: ET.Element, props: Iterable[str]) -> None:
    prop = ET.SubElement(parent, name(DAV, "prop"))
    for item in props:
        ET.SubElement(prop, item)


def propfind(props: Iterable[str]) -> bytes:
    root = ET.Element(name(DAV, "propfind"))
    _props(root, props)
    return _document(root)


def sync_collection(token: str) -> bytes:
    """RFC 6578 §3.2: members changed or removed since `token` ("" for all), with their etags."""
    root = ET.Element(name(DAV, "sync-collection"))
    ET.SubElement(root, SYNC_TOKEN).text = token
    ET.SubElement(root, name(DAV, "sync-level")).text = "1"
    _props(root, [GETETAG])
    return _document(root)


def multiget(kind: str, paths: Sequence[str]) -> bytes:
    """calendar-multiget (RFC 4791 §7.9) or addressbook-multiget (RFC 6352 §8.7)."""
    namespace, tag, data = (
        (CALDAV, "calendar-multiget", CALENDAR_DATA)
        if kind == "events"
        else (CARDDAV, "addressbook-multiget", ADDRESS_DATA)
    )
    root = ET.Element(name(namespace, tag))
    _props(root, [GETETAG, data])
    for path in paths:
        ET.SubElement(root, name(DAV, "href")).text = path
    return _document(root)


def _utc(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def calendar_query(start: datetime, end: datetime) -> bytes:
    """RFC 4791 §7.8: the events that overlap [start, end), occurrences of series included."""
    root = ET.Element(name(CALDAV, "calendar-query"))
    _props(root, [GETETAG, CALENDAR_DATA])
    calendar = ET.SubElement(
        ET.SubElement(root, name(CALDAV, "filter")), name(CALDAV, "comp-filter"), name="VCALENDAR"
    )
    event = ET.SubElement(calendar, name(CALDAV, "comp-filter"), name="VEVENT")
    ET.SubElement(event, name(CALDAV, "time-range"), start=_utc(start), end=_utc(end))
    return _document(root)


def mkcol_addressbook(display_name: str) -> bytes:
    """Extended MKCOL (RFC 5689) of an address book (RFC 6352 §6.3.1)."""
    root = ET.Element(name(DAV, "mkcol"))
    prop = ET.SubElement(ET.SubElement(root, name(DAV, "set")), name(DAV, "prop"))
    kind = ET.SubElement(prop, RESOURCETYPE)
    ET.SubElement(kind, name(DAV, "collection"))
    ET.SubElement(kind, ADDRESSBOOK)
    ET.SubElement(prop, DISPLAYNAME).text = display_name
    return _document(root)
