"""The OAuth 2.0 JWT bearer token endpoint and the sessions it hands out.

Checks, in Salesforce's order and with its answers (HTTP 400, ``{"error", "error_description"}``):

- grant_type other than jwt-bearer: ``unsupported_grant_type`` / "grant type not supported";
- an assertion that does not parse, lacks claims, is not RS256 or fails the signature check
  against the connected app's certificate: ``invalid_grant`` / "invalid assertion";
- ``iss`` not a registered consumer key: ``invalid_client_id`` / "client identifier invalid";
- ``aud`` not login.salesforce.com, test.salesforce.com or this host: ``invalid_grant`` /
  "audience is invalid";
- ``exp`` in the past on the emulator clock: ``invalid_grant`` / "expired authorization code";
- ``sub`` not a known username: ``invalid_grant`` / "user hasn't approved this consumer" (what
  Salesforce answers for a wrong username or environment);
- ``sub`` a deactivated user: ``inactive_user`` / "user is inactive" (unverified wording);
- user not pre-authorized for an admin-approved app: ``invalid_app_access`` /
  "user is not admin approved to access this app" (provider-contracts.md §4.1).

Sessions have no refresh token and no ``expires_in``: they time out after ``timeout`` seconds
without use (Salesforce's session-timeout policy), on the emulator clock."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import jwt
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from sandbox.salesforce.errors import session_invalid

GRANT_TYPE = "urn:ietf:params:oauth:grant-type:jwt-bearer"
LOGIN_AUDIENCES = ("https://login.salesforce.com", "https://test.salesforce.com")


class OAuthError(Exception):
    def __init__(self, error: str, description: str) -> None:
        super().__init__(f"{error}: {description}")
        self.error = error
        self.description = description


@dataclass
class ConnectedApp:
    consumer_key: str
    public_key: RSAPublicKey
    preauthorized: set[str] | None  # usernames; None: every user is pre-authorized
    scope: str = "api"


@dataclass
class Session:
    token: str
    user_id: str
    username: str
    consumer_key: str
    issued_at: datetime
    last_used: datetime


@dataclass
class Auth:
    timeout: timedelta = timedelta(hours=2)
    apps: dict[str, ConnectedApp] = field(default_factory=dict)
    sessions: dict[str, Session] = field(default_factory=dict)
    secret: bytes = field(default_factory=lambda: secrets.token_bytes(32))

    def register(
        self, consumer_key: str, certificate_pem: str | bytes, preauthorized: Any = None
    ) -> None:
        pem = certificate_pem.encode() if isinstance(certificate_pem, str) else certificate_pem
        key: object = (
            x509.load_pem_x509_certificate(pem).public_key()
            if b"CERTIFICATE" in pem
            else load_pem_public_key(pem)
        )
        if not isinstance(key, RSAPublicKey):
            raise ValueError("Salesforce connected apps need an RSA certificate")
        allowed = None if preauthorized is None else {u.lower() for u in preauthorized}
        self.apps[consumer_key] = ConnectedApp(consumer_key, key, allowed)

    def verify(self, form: dict[str, str], base_url: str, now: datetime) -> dict[str, Any]:
        """The assertion's claims once signature, issuer, audience and expiry check out."""
        if form.get("grant_type") != GRANT_TYPE:
            raise OAuthError("unsupported_grant_type", "grant type not supported")
        assertion = form.get("assertion") or ""
        try:
            header = jwt.get_unverified_header(assertion)
            claims = jwt.decode(assertion, options={"verify_signature": False})
        except jwt.PyJWTError as exc:
            raise OAuthError("invalid_grant", "invalid assertion") from exc
        if header.get("alg") != "RS256" or not all(k in claims for k in ("iss", "sub", "exp")):
            raise OAuthError("invalid_grant", "invalid assertion")
        app = self.apps.get(str(claims["iss"]))
        if app is None:
            raise OAuthError("invalid_client_id", "client identifier invalid")
        try:
            jwt.decode(
                assertion,
                app.public_key,
                algorithms=["RS256"],
                options={"verify_exp": False, "verify_aud": False, "verify_iat": False,
                         "verify_nbf": False},
            )  # fmt: skip
        except jwt.PyJWTError as exc:
            raise OAuthError("invalid_grant", "invalid assertion") from exc
        audiences = {*LOGIN_AUDIENCES, base_url.rstrip("/")}
        if str(claims.get("aud", "")).rstrip("/") not in audiences:
            raise OAuthError("invalid_grant", "audience is invalid")
        try:
            expires = float(claims["exp"])
        except (TypeError, ValueError) as exc:
            raise OAuthError("invalid_grant", "invalid assertion") from exc
        if expires <= now.timestamp():
            raise OAuthError("invalid_grant", "expired authorization code")
        return claims

    def check_user(self, claims: dict[str, Any], user: dict[str, Any] | None) -> ConnectedApp:
        app = self.apps[str(claims["iss"])]
        if user is None:
            raise OAuthError("invalid_grant", "user hasn't approved this consumer")
        if not user["IsActive"]:
            raise OAuthError("inactive_user", "user is inactive")
        if app.preauthorized is not None and user["Username"].lower() not in app.preauthorized:
            raise OAuthError("invalid_app_access", "user is not admin approved to access this app")
        return app

    def open_session(
        self, org_id: str, user: dict[str, Any], app: ConnectedApp, base_url: str, now: datetime
    ) -> dict[str, Any]:
        token = f"{org_id[:15]}!AQ{secrets.token_urlsafe(72)}"
        self.sessions[token] = Session(
            token, user["Id"], user["Username"], app.consumer_key, now, now
        )
        identity = f"{base_url}/id/{org_id}/{user['Id']}"
        issued_at = str(int(now.timestamp() * 1000))
        signature = hmac.new(self.secret, (identity + issued_at).encode(), hashlib.sha256)
        return {
            "access_token": token,
            "scope": app.scope,
            "instance_url": base_url,
            "id": identity,
            "token_type": "Bearer",
            "issued_at": issued_at,
            "signature": base64.b64encode(signature.digest()).decode(),
        }

    def session(self, authorization: str | None, now: datetime) -> Session:
        scheme, _, token = (authorization or "").partition(" ")
        found = self.sessions.get(token.strip()) if scheme.lower() in ("bearer", "oauth") else None
        if found is None:
            raise session_invalid()
        if now - found.last_used > self.timeout:
            del self.sessions[found.token]
            raise session_invalid()
        found.last_used = now
        return found

    def revoke(self, user_id: str | None = None) -> None:
        for token, found in list(self.sessions.items()):
            if user_id is None or found.user_id == user_id:
                del self.sessions[token]
