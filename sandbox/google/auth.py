"""Service accounts, domain-wide delegation and the OAuth 2.0 JWT-bearer token endpoint.

Assertion ``iat``/``exp`` are checked against the wall clock: tests move the emulator clock to age
access tokens, and the client's clock (which signs the next assertion) does not move with it.
Delegated scopes must be listed exactly, as in the Admin console (no implied narrower scopes).
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

from sandbox.core import Clock, Request, Response
from sandbox.google.errors import ApiError, token_error
from sandbox.google.keys import GOOGLE_TOKEN_URI, load_public_key

JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
TOKEN_LIFETIME = 3599
UNAUTHORIZED_CLIENT = (
    "Client is unauthorized to retrieve access tokens using this method, or client not "
    "authorized for any of the scopes requested."
)
BAD_TIMES = (
    "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. "
    "Check your iat and exp values in the JWT claim."
)
CLOCK_SKEW = 300

#: The scopes each API family accepts, for reads and for writes.
API_SCOPES = {
    ("people", False): {
        "https://www.googleapis.com/auth/contacts",
        "https://www.googleapis.com/auth/contacts.readonly",
    },
    ("people", True): {"https://www.googleapis.com/auth/contacts"},
    ("calendar", False): {
        "https://www.googleapis.com/auth/calendar",
        "https://www.googleapis.com/auth/calendar.readonly",
        "https://www.googleapis.com/auth/calendar.events",
        "https://www.googleapis.com/auth/calendar.events.readonly",
        "https://www.googleapis.com/auth/calendar.events.owned",
    },
    ("calendar", True): {
        "https://www.googleapis.com/auth/calendar",
        "https://www.googleapis.com/auth/calendar.events",
        "https://www.googleapis.com/auth/calendar.events.owned",
    },
}


@dataclass
class ServiceAccount:
    client_email: str
    client_id: str
    keys: dict[str, rsa.RSAPublicKey] = field(default_factory=dict)


@dataclass(frozen=True)
class AccessToken:
    value: str
    subject: str
    client_email: str
    scopes: frozenset[str]
    expires_at: datetime


#: user lookup: "ok", "unknown" (or suspended) or "outside" (exists, but not in this domain).
UserLookup = Callable[[str], str]


class Authority:
    def __init__(self, clock: Clock, lookup: UserLookup) -> None:
        self.clock = clock
        self.lookup = lookup
        self.accounts: dict[str, ServiceAccount] = {}
        self.delegations: dict[str, set[str]] = {}
        self.tokens: dict[str, AccessToken] = {}
        self.token_requests = 0

    def register(
        self, client_email: str, private_key_id: str, public_key: str, client_id: str | None = None
    ) -> ServiceAccount:
        account = self.accounts.get(client_email)
        if account is None:
            numeric = client_id or str(100000000000000000000 + len(self.accounts))
            account = self.accounts[client_email] = ServiceAccount(client_email, numeric)
        elif client_id:
            account.client_id = client_id
        account.keys[private_key_id] = load_public_key(public_key)
        return account

    def grant(self, client: str, scopes: Iterable[str]) -> None:
        """Domain-wide delegation, keyed by numeric client id (client e-mail also accepted)."""
        account = self.accounts.get(client)
        client_id = account.client_id if account else client
        self.delegations.setdefault(client_id, set()).update(scopes)

    def revoke_delegation(self, client: str) -> None:
        account = self.accounts.get(client)
        self.delegations.pop(account.client_id if account else client, None)

    def revoke_tokens(self) -> None:
        self.tokens.clear()

    # --- POST /token -------------------------------------------------------------------------
    def token_endpoint(self, request: Request) -> Response:
        self.token_requests += 1
        form = request.form()
        grant_type = form.get("grant_type", "")
        if grant_type != JWT_BEARER:
            raise token_error(400, "unsupported_grant_type", f"Invalid grant_type: {grant_type}")
        assertion = form.get("assertion")
        if not assertion:
            raise token_error(400, "invalid_request", "Missing required parameter: assertion")
        claims = self._verify(assertion, {GOOGLE_TOKEN_URI, request.base_url + "/token"})
        scopes = frozenset(str(claims.get("scope") or "").split())
        if not scopes:
            raise token_error(
                400, "invalid_scope", "Invalid OAuth scope or ID token audience provided."
            )
        account = self.accounts[str(claims["iss"])]
        subject = claims.get("sub") or account.client_email
        if "sub" in claims and claims["sub"] != account.client_email:
            status = self.lookup(str(subject).lower())
            if status == "unknown":
                raise token_error(400, "invalid_grant", "Invalid email or User ID")
            granted = self.delegations.get(account.client_id, set())
            if status == "outside" or not scopes <= granted:
                raise token_error(401, "unauthorized_client", UNAUTHORIZED_CLIENT)
        value = "ya29.sandbox-" + secrets.token_urlsafe(32)
        expires = self.clock.now() + timedelta(seconds=TOKEN_LIFETIME)
        self.tokens[value] = AccessToken(
            value, str(subject).lower(), account.client_email, scopes, expires
        )
        body = {"access_token": value, "expires_in": TOKEN_LIFETIME, "token_type": "Bearer"}
        return Response.json(body, headers=[("Cache-Control", "no-cache, no-store, max-age=0")])

    def _verify(self, assertion: str, audiences: set[str]) -> dict[str, object]:
        try:
            header = jwt.get_unverified_header(assertion)
            unverified = jwt.decode(assertion, options={"verify_signature": False})
        except jwt.PyJWTError as exc:
            raise token_error(400, "invalid_grant", "Invalid JWT: malformed assertion.") from exc
        account = self.accounts.get(str(unverified.get("iss", "")))
        if account is None:
            raise token_error(400, "invalid_grant", "Invalid grant: account not found")
        key = account.keys.get(str(header.get("kid", "")))
        if key is None or header.get("alg") != "RS256":
            raise token_error(400, "invalid_grant", "Invalid JWT Signature.")
        try:
            claims: dict[str, object] = jwt.decode(
                assertion,
                key,
                algorithms=["RS256"],
                options={"verify_aud": False, "verify_exp": False, "verify_iat": False},
            )
        except jwt.PyJWTError as exc:
            raise token_error(400, "invalid_grant", "Invalid JWT Signature.") from exc
        if claims.get("aud") not in audiences:
            raise token_error(
                400,
                "invalid_grant",
                f"Invalid JWT: Failed audience check. The right audience is {GOOGLE_TOKEN_URI}",
            )
        now = time.time()
        iat, exp = claims.get("iat"), claims.get("exp")
        if not isinstance(iat, int | float) or not isinstance(exp, int | float):
            raise token_error(400, "invalid_grant", BAD_TIMES)
        if exp - iat > 3600 or exp < now - CLOCK_SKEW or iat > now + CLOCK_SKEW or exp <= iat:
            raise token_error(400, "invalid_grant", BAD_TIMES)
        return claims

    # --- bearer tokens on API calls --------------------------------------------------------
    def token_for(self, request: Request) -> AccessToken | None:
        header = request.header("authorization") or ""
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "bearer":
            return None
        token = self.tokens.get(value.strip())
        if token is None or token.expires_at <= self.clock.now():
            return None
        return token


def require(
    authority: Authority,
    request: Request,
    family: str,
    write: bool,
    unauthenticated: Callable[[], ApiError],
    insufficient: Callable[[], ApiError],
) -> AccessToken:
    token = authority.token_for(request)
    if token is None:
        raise unauthenticated()
    if not token.scopes & API_SCOPES[(family, write)]:
        raise insufficient()
    return token
