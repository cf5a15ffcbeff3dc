"""Finding a user's collections (RFC 4791 §6.2, RFC 6352 §7.1.1, RFC 6764): the principal URL from
the connection's template, its calendar-home-set and addressbook-home-set, the default calendar
in the one and the `Salesforce Sync` address book in the other (made when missing)."""

from __future__ import annotations

from dataclasses import dataclass

from connections.providers.caldav import webdav
from connections.providers.caldav.client import DavClient, DavError

ADDRESS_BOOK_NAME = "Salesforce Sync"
ADDRESS_BOOK_SEGMENT = "Salesforce_Sync"
PLACEHOLDERS = ("{email}", "{user}", "{domain}")


def principal_url(template: str, email: str) -> str:
    """`template` with {email}, {user} (the part before the @) and {domain} filled in."""
    user, _, domain = email.lower().partition("@")
    return (
        template.replace("{email}", email.lower())
        .replace("{user}", user)
        .replace("{domain}", domain)
    )


def find_principal(client: DavClient, template: str, email: str) -> str:
    """The user's principal: from the template when it names one; else, signed in as the user,
    through `.well-known/caldav` and DAV:current-user-principal (RFC 6764, RFC 5397)."""
    if any(p in template for p in PLACEHOLDERS):
        return principal_url(template, email)
    context = client.well_known("caldav")
    answer = client.propfind(context, [webdav.CURRENT_USER_PRINCIPAL])
    found = answer.resources[0].hrefs(webdav.CURRENT_USER_PRINCIPAL) if answer.resources else []
    if not found:
        raise DavError(404, f"the server names no principal for {email}")
    return found[0]


@dataclass(frozen=True)
class Homes:
    principal: str
    calendars: str
    address_books: str


def homes(client: DavClient, principal: str) -> Homes:
    """The user's home collections, read as the service account; NotFound-like DavErrors when
    the principal does not exist (the user never signed in, or the template is wrong)."""
    answer = client.propfind(
        principal, [webdav.CALENDAR_HOME_SET, webdav.ADDRESSBOOK_HOME_SET, webdav.RESOURCETYPE]
    )
    if not answer.resources or answer.resources[0].status != 200:
        raise DavError(404, f"no principal at {principal}")
    resource = answer.resources[0]
    path = webdav.path_of(principal)
    calendars = resource.hrefs(webdav.CALENDAR_HOME_SET)
    books = resource.hrefs(webdav.ADDRESSBOOK_HOME_SET)
    return Homes(path, calendars[0] if calendars else path, books[0] if books else path)


def default_calendar(client: DavClient, home: str) -> str:
    """The first calendar (by path) of the home that holds events: servers name the one they
    create first (Radicale, Nextcloud "personal", SOGo "personal") so it sorts as the default."""
    listing = client.propfind(
        home, [webdav.RESOURCETYPE, webdav.SUPPORTED_COMPONENTS, webdav.DISPLAYNAME], depth=1
    )
    calendars = sorted(
        r.path
        for r in listing.resources
        if r.status == 200
        and r.is_a(webdav.CALENDAR)
        and (not r.components() or "VEVENT" in r.components())
    )
    if not calendars:
        raise DavError(404, f"no calendar for events under {home}")
    return calendars[0]


def address_book(client: DavClient, home: str, *, create: bool = True) -> str:
    """The `Salesforce Sync` address book (by display name, else by path), made when missing."""
    listing = client.propfind(home, [webdav.RESOURCETYPE, webdav.DISPLAYNAME], depth=1)
    books = [r for r in listing.resources if r.status == 200 and r.is_a(webdav.ADDRESSBOOK)]
    for book in books:
        if book.text(webdav.DISPLAYNAME) == ADDRESS_BOOK_NAME:
            return book.path
    path = home.rstrip("/") + "/" + ADDRESS_BOOK_SEGMENT + "/"
    if any(b.path.rstrip("/") == path.rstrip("/") for b in books):
        return path
    if not create:
        raise DavError(404, f"no {ADDRESS_BOOK_NAME} address book under {home}")
    client.mkcol_addressbook(path, ADDRESS_BOOK_NAME)
    return path
