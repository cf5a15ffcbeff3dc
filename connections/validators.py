"""Field checks for the setup forms. Messages name the field and say what to enter."""

from __future__ import annotations

import re
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


def check_domains(value: str) -> list[str]:
    domains: list[str] = []
    for raw in value.split(","):
        entry = raw.strip().lower()
        if not entry:
            continue
        if not is_domain(entry):
            raise ValidationError(
                f'Additional domains: "{entry}" is not a domain name. Enter domains such as '
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
    return value


def check_not_exchange_online(value: str) -> str:
    """The Service Account method is for Exchange Server on-premises only."""
    from connections.providers.exchange.client import ONLINE_SENTENCE, is_exchange_online

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
