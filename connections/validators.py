"""Field checks for the setup forms. Messages name the field and say what to enter."""

from __future__ import annotations

import ipaddress
import re
import socket
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError

PRODUCTION_LOGIN = "https://login.salesforce.com"
SANDBOX_LOGIN = "https://test.salesforce.com"

_LABEL = r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)"
_DOMAIN = re.compile(rf"^(?:{_LABEL}\.)+[A-Za-z]{{2,63}}$")
_LOCAL_PART = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]{1,64}$")
_NETBIOS_OR_DOMAIN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.-]{0,253}$")
_SAM_NAME = re.compile(r"^[^\\/\[\]:;|=,+*?<>\"@\s]{1,104}$")
_API_VERSION = re.compile(r"^\d{2,3}\.0$")


# Cloud metadata services and other link-local hosts: an endpoint there would hand lsync's
# requests (and the credentials they carry) to the machine's own metadata service. Private
# ranges stay allowed: on-premises Exchange lives there.
LINK_LOCAL_NETWORKS = (
    ipaddress.ip_network("169.254.0.0/16"),
    ipaddress.ip_network("fe80::/10"),
    ipaddress.ip_network("fd00:ec2::254/128"),  # AWS's IPv6 metadata address
)
METADATA_HOSTS = frozenset(
    {"metadata", "metadata.google.internal", "metadata.goog", "instance-data",
     "instance-data.ec2.internal", "metadata.azure.com"}
)  # fmt: skip


class LinkLocalAddress(ValidationError):
    """An admin-entered endpoint points at a link-local or cloud metadata address."""


def host_address(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The address a host name literally is, in any spelling a resolver accepts
    (169.254.169.254, 0xa9fea9fe, 2852039166, [fe80::1%eth0]); None for a real name."""
    host = host.strip("[]").split("%", 1)[0].rstrip(".")
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        try:
            address = ipaddress.IPv4Address(socket.inet_aton(host))
        except (OSError, ValueError):
            return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def refuse_link_local(url: str, field: str) -> None:
    host = (urlsplit(url).hostname or "").lower()
    address = host_address(host)
    if host.rstrip(".") in METADATA_HOSTS or (
        address is not None and any(address in net for net in LINK_LOCAL_NETWORKS)
    ):
        raise LinkLocalAddress(
            f"{field}: {host} is a link-local or cloud metadata address, which lsync never "
            "connects to. Enter the server's own name or address (private addresses such as "
            "10.0.0.5 are fine).",
            code="link_local",
        )


def is_domain(value: str) -> bool:
    return len(value) <= 253 and bool(_DOMAIN.match(value))


def check_exchange_username(value: str) -> str:
    value = value.strip()
    hint = (
        "User name: enter the service account as user@domain (svcacct@awcomputing.com) "
        "or DOMAIN\\user (awcomputing.com\\svcacct)."
    )
    if "@" in value and "\\" not in value:
        local, _, domain = value.rpartition("@")
        if _LOCAL_PART.match(local) and ".." not in local and is_domain(domain):
            return value
        raise ValidationError(hint, code="bad_username")
    if "\\" in value and "@" not in value:
        domain, _, user = value.partition("\\")
        if _NETBIOS_OR_DOMAIN.match(domain) and _SAM_NAME.match(user):
            return value
        raise ValidationError(hint, code="bad_username")
    raise ValidationError(hint, code="bad_username")


def check_domains(value: str, field: str = "Additional domains") -> list[str]:
    domains: list[str] = []
    for raw in value.split(","):
        entry = raw.strip().lower()
        if not entry:
            continue
        if not is_domain(entry):
            raise ValidationError(
                f'{field}: "{entry}" is not a domain name. Enter domains such as '
                "awcomputing.net, separated by commas, without @ or http://.",
                code="bad_domain",
            )
        if entry not in domains:
            domains.append(entry)
    return domains


def check_https_url(value: str, field: str, example: str) -> str:
    value = value.strip()
    parts = urlsplit(value)
    if parts.scheme != "https" or not parts.hostname:
        raise ValidationError(
            f"{field}: enter an https:// address such as {example}.", code="not_https"
        )
    if parts.username or parts.password:
        raise ValidationError(
            f"{field}: remove the user name and password from the address.", code="userinfo"
        )
    refuse_link_local(value, field)
    return value


# Exchange Online (Microsoft 365) hosts: the Service Account (EWS) method is refused there.
# Kept here, not in the Exchange provider, because the Outlook form and the client both ask.
ONLINE_HOSTS = ("outlook.office365.com", "outlook.office.com", "outlook.live.com")
ONLINE_SENTENCE = (
    "EWS URL: {url} is Exchange Online (Microsoft 365). The Service Account method is for "
    "Exchange Server on-premises; choose the OAuth 2.0 (Microsoft 365) method for Exchange Online "
    "(Basic authentication is retired there and EWS for Exchange Online ends in October 2026)."
)


def is_exchange_online(url: str) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    return host in ONLINE_HOSTS or host.endswith(".office365.com")


def check_not_exchange_online(value: str) -> str:
    """The Service Account method is for Exchange Server on-premises only."""
    if is_exchange_online(value):
        raise ValidationError(ONLINE_SENTENCE.format(url=value), code="exchange_online")
    return value


def check_login_url(value: str) -> str:
    value = check_https_url(
        value, "Login URL", "https://login.salesforce.com or https://yourcompany.my.salesforce.com"
    ).rstrip("/")
    parts = urlsplit(value)
    if parts.path or parts.query or parts.fragment:
        raise ValidationError(
            "Login URL: enter only the site address without a path, such as "
            "https://yourcompany.my.salesforce.com.",
            code="path",
        )
    return value


def check_api_version(value: str) -> str:
    value = value.strip().lstrip("vV")
    if not _API_VERSION.match(value):
        raise ValidationError(
            "API version: enter a Salesforce API version such as 62.0.", code="bad_version"
        )
    return value
