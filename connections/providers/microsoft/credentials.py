"""The app registration's credential as msal wants it, read from settings (no HTTP here)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from django.conf import settings

# Entra ID hosts msal knows; any other login URL (a sovereign cloud msal has not heard of, the
# sandbox) needs instance discovery and authority validation switched off (gotcha #5).
KNOWN_LOGIN_HOSTS = frozenset(
    {
        "login.microsoftonline.com",
        "login.microsoftonline.us",
        "login.chinacloudapi.cn",
        "login.partner.microsoftonline.cn",
        "login-us.microsoftonline.com",
        "login.windows.net",
        "login.microsoft.com",
        "sts.windows.net",
    }
)
KNOWN_GRAPH_HOSTS = frozenset(
    {
        "graph.microsoft.com",
        "graph.microsoft.us",
        "dod-graph.microsoft.us",
        "microsoftgraph.chinacloudapi.cn",
    }
)


class CredentialMissing(Exception):
    """lsync's Microsoft app registration is not configured on this server."""


@dataclass(frozen=True)
class AppCredential:
    client_id: str
    credential: str | dict[str, Any]
    kind: str  # "secret" | "certificate"

    @property
    def cache_key(self) -> str:
        return f"{self.kind}:{self.client_id}"


def login_url() -> str:
    return str(settings.LSYNC_MICROSOFT_LOGIN_URL).rstrip("/")


def graph_url() -> str:
    return str(settings.LSYNC_GRAPH_URL).rstrip("/")


def is_known_cloud(url: str) -> bool:
    return (urlsplit(url).hostname or "").lower() in KNOWN_LOGIN_HOSTS


def graph_scope() -> str:
    """`/.default` of the Graph resource; the sandbox issues tokens for the public one."""
    host = (urlsplit(graph_url()).hostname or "").lower()
    return f"https://{host if host in KNOWN_GRAPH_HOSTS else 'graph.microsoft.com'}/.default"


def sha1_thumbprint(pem: str) -> str:
    cert = x509.load_pem_x509_certificate(pem.encode())
    return cert.fingerprint(hashes.SHA1()).hex().upper()  # noqa: S303 - x5t is SHA-1


def app_credential() -> AppCredential:
    client_id = str(settings.LSYNC_MICROSOFT_CLIENT_ID or "")
    if not client_id:
        raise CredentialMissing(
            "lsync's Microsoft 365 app is not configured: set LSYNC_MICROSOFT_CLIENT_ID and a "
            "client secret or certificate on the server."
        )
    cert_path = str(settings.LSYNC_MICROSOFT_CERT_PATH or "")
    if cert_path:
        try:
            pem = Path(cert_path).read_text()
        except OSError as exc:
            raise CredentialMissing(
                f"The Microsoft 365 certificate file {cert_path} cannot be read ({exc.strerror})."
            ) from exc
        thumbprint = str(settings.LSYNC_MICROSOFT_CERT_THUMBPRINT or "")
        if not thumbprint and "BEGIN CERTIFICATE" in pem:
            thumbprint = sha1_thumbprint(pem[pem.index("-----BEGIN CERTIFICATE") :])
        if not thumbprint:
            raise CredentialMissing(
                "The Microsoft 365 certificate needs LSYNC_MICROSOFT_CERT_THUMBPRINT, or a PEM "
                "file that holds the certificate next to the private key."
            )
        return AppCredential(
            client_id, {"private_key": pem, "thumbprint": thumbprint}, "certificate"
        )
    secret = str(settings.LSYNC_MICROSOFT_CLIENT_SECRET or "")
    if not secret:
        raise CredentialMissing(
            "lsync's Microsoft 365 app has no credential: set LSYNC_MICROSOFT_CLIENT_SECRET or "
            "LSYNC_MICROSOFT_CERT_PATH on the server."
        )
    return AppCredential(client_id, secret, "secret")
