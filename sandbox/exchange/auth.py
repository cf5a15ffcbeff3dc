"""Basic and NTLM sign-in for the EWS emulator.

NTLM is a real handshake: pyspnego's acceptor (``spnego.server(protocol="ntlm")``) checks the
client's NTLMv2 response against a credential file named by ``NTLM_USER_FILE``, with one line
per accepted form of each service account (``DOMAIN:user:password`` and
``:user@domain:password``). IIS binds an NTLM handshake to the TCP connection; the sandbox
servers close connections after each response, so the pending handshake is found again by the
challenge's timestamp, which the client copies into its NTLMv2 response.
"""

from __future__ import annotations

import base64
import binascii
import os
import shutil
import tempfile
import threading
import weakref
from pathlib import Path
from typing import Any

import spnego
from spnego._ntlm_raw.messages import (  # the parsed form of the tokens pyspnego already reads
    Authenticate,
    AvId,
    Challenge,
    NTClientChallengeV2,
)
from spnego.exceptions import SpnegoError

from sandbox.core import Request, Response
from sandbox.exchange.state import Organisation, ServiceAccount

# pyspnego reads NTLM_USER_FILE from the environment: set it only while an acceptor runs.
_ENV_LOCK = threading.Lock()
REALM = "sandbox.test"
MAX_PENDING = 256


class Unauthorized(Exception):
    def __init__(self, challenge: str | None = None) -> None:
        super().__init__("401")
        self.challenge = challenge


class Authenticator:
    def __init__(self, org: Organisation) -> None:
        self.org = org
        self.methods = {"basic", "ntlm"}
        self._pending: dict[bytes, Any] = {}
        directory = tempfile.mkdtemp(prefix="ews-ntlm-")
        weakref.finalize(self, shutil.rmtree, directory, True)
        self.user_file = Path(directory) / "ntlm_users"
        self.handshakes = 0

    def forget_handshakes(self) -> None:
        self._pending.clear()

    def write_user_file(self) -> None:
        lines = []
        for account in self.org.accounts:
            lines.append(f"{account.netbios_domain}:{account.sam}:{account.password}")
            lines.append(f":{account.upn}:{account.password}")
        self.user_file.write_text("\n".join(lines) + "\n")

    def challenge_headers(self) -> list[tuple[str, str]]:
        headers = []
        if "ntlm" in self.methods:
            headers.append(("WWW-Authenticate", "NTLM"))
        if "basic" in self.methods:
            headers.append(("WWW-Authenticate", f'Basic realm="{REALM}"'))
        return headers

    def unauthorized(self, challenge: str | None = None) -> Response:
        headers = [("WWW-Authenticate", f"NTLM {challenge}")] if challenge else []
        headers = headers or self.challenge_headers()
        return Response(401, b"", [*headers, ("Content-Type", "text/html")])

    def authenticate(self, request: Request) -> ServiceAccount:
        """The signed-in service account, or Unauthorized (with an NTLM challenge to send)."""
        header = request.header("authorization") or ""
        scheme, _, value = header.partition(" ")
        scheme = scheme.lower()
        if scheme == "basic" and "basic" in self.methods:
            return self._basic(value.strip())
        if scheme in ("ntlm", "negotiate") and "ntlm" in self.methods:
            return self._ntlm(value.strip())
        raise Unauthorized

    def _basic(self, value: str) -> ServiceAccount:
        try:
            decoded = base64.b64decode(value, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError) as exc:
            raise Unauthorized from exc
        user, _, password = decoded.partition(":")
        account = self.org.account(user)
        if account is None or account.password != password:
            raise Unauthorized
        return account

    def _ntlm(self, value: str) -> ServiceAccount:
        try:
            token = base64.b64decode(value, validate=True)
        except binascii.Error as exc:
            raise Unauthorized from exc
        if len(token) < 12 or not token.startswith(b"NTLMSSP\x00"):
            raise Unauthorized
        message_type = int.from_bytes(token[8:12], "little")
        if message_type == 1:
            raise Unauthorized(self._negotiate(token))
        if message_type == 3:
            return self._authenticate(token)
        raise Unauthorized

    def _negotiate(self, token: bytes) -> str:
        with _ENV_LOCK:
            self.write_user_file()
            previous = os.environ.get("NTLM_USER_FILE")
            os.environ["NTLM_USER_FILE"] = str(self.user_file)
            try:
                context = spnego.server(protocol="ntlm")
                challenge = context.step(token) or b""
            finally:
                _restore(previous)
        info = Challenge.unpack(challenge).target_info
        assert info is not None  # pyspnego's acceptor always sends target info
        key = bytes(info[AvId.timestamp].pack())
        if len(self._pending) >= MAX_PENDING:
            self._pending.pop(next(iter(self._pending)))
        self._pending[key] = context
        return base64.b64encode(challenge).decode()

    def _authenticate(self, token: bytes) -> ServiceAccount:
        try:
            auth = Authenticate.unpack(token)
            blob = NTClientChallengeV2.unpack((auth.nt_challenge_response or b"")[16:])
            key = bytes(blob.av_pairs[AvId.timestamp].pack())
        except (KeyError, ValueError, IndexError, TypeError) as exc:
            raise Unauthorized from exc
        context = self._pending.pop(key, None)
        if context is None:
            raise Unauthorized
        with _ENV_LOCK:
            previous = os.environ.get("NTLM_USER_FILE")
            os.environ["NTLM_USER_FILE"] = str(self.user_file)
            try:
                context.step(token)
            except SpnegoError as exc:
                raise Unauthorized from exc
            finally:
                _restore(previous)
        principal = context.client_principal or ""
        domain, _, user = principal.rpartition("\\")
        account = self.org.account(f"{domain}\\{user}" if domain else user)
        if account is None:
            raise Unauthorized
        self.handshakes += 1
        return account


def _restore(previous: str | None) -> None:
    if previous is None:
        os.environ.pop("NTLM_USER_FILE", None)
    else:
        os.environ["NTLM_USER_FILE"] = previous
