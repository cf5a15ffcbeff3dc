"""The Exchange Web Services emulator: EWS at ``/EWS/Exchange.asmx``, SOAP Autodiscover at
``/autodiscover/autodiscover.svc``, and the shared ``/_control/`` surface.

Python API for tests: ``add_mailbox``, ``add_account``, ``set_impersonation``, ``add_contact``,
``add_event``, ``items``, ``deletes``, ``invitations``, ``expire_cursors``,
``drop_subscriptions``; attributes
``server_version`` ("Exchange2013" | "Exchange2016" | "Exchange2019") and ``auth.methods``.
``seed`` keys are documented in ``seed.seed``. Route names (for faults and latency) are
``ews.{Operation}`` and ``autodiscover.GetUserSettings``.
"""

from __future__ import annotations

import re
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sandbox.core import FAULT_KINDS, Emulator, FaultRule, Request, Response
from sandbox.exchange import (
    autodiscover,
    folders,
    item_ops,
    meetings,
    notifications,
    records,
    seed,
)
from sandbox.exchange.auth import Authenticator, Unauthorized
from sandbox.exchange.context import ACCEPTED_API_VERSIONS, SERVER_VERSIONS, Context, version_info
from sandbox.exchange.find_item import find_item
from sandbox.exchange.soap import EWSFault, SoapRequest, envelope, fault_body, parse
from sandbox.exchange.state import Organisation, ServiceAccount
from sandbox.exchange.sync import sync_folder_items

EWS_PATH = "/ews/exchange.asmx"
AUTODISCOVER_PATH = "/autodiscover/autodiscover.svc"
# Faults beyond the shared kinds: an EWS throttling answer, a sign-in refusal, and
# impersonation refused for the request's mailbox.
EWS_FAULT_KINDS = (*FAULT_KINDS, "server_busy", "401", "impersonation_denied", "ews_error")
_OPERATION = re.compile(rb"<(?:[A-Za-z0-9_]+:)?Body[^>]*>\s*<(?:[A-Za-z0-9_]+:)?([A-Za-z]+)")

Operation = Callable[[Context], ET.Element]
OPERATIONS: dict[str, Operation] = {
    "GetFolder": folders.get_folder,
    "FindFolder": folders.find_folder,
    "CreateFolder": folders.create_folder,
    "DeleteFolder": folders.delete_folder,
    "CreateItem": item_ops.create_item,
    "GetItem": item_ops.get_item,
    "UpdateItem": item_ops.update_item,
    "DeleteItem": item_ops.delete_item,
    "FindItem": find_item,
    "SyncFolderItems": sync_folder_items,
    "ConvertId": records.convert_id,
    "Subscribe": notifications.subscribe,
    "GetEvents": notifications.get_events,
    "Unsubscribe": notifications.unsubscribe,
}


class ExchangeEmulator(Emulator):
    def __init__(self, seed: int = 0) -> None:
        super().__init__(seed)
        self.org = Organisation(self.clock, seed)
        self.auth = Authenticator(self.org)
        self.server_version = "Exchange2016"
        # (operation, impersonated mailbox, HTTP status) for every authenticated SOAP call.
        self.operations: list[tuple[str, str | None, int]] = []
        self.route("GET", r"/_control/records", "control.records", self._control_records)

    # --- SOAP ----------------------------------------------------------------------------------
    def handle(self, request: Request) -> Response:
        path = request.path.lower().rstrip("/")
        if path == EWS_PATH:
            return self._soap(request, "ews")
        if path == AUTODISCOVER_PATH:
            return self._soap(request, "autodiscover")
        return super().handle(request)

    def _soap(self, request: Request, service: str) -> Response:
        if request.method != "POST":
            # IIS answers a browser's GET of the endpoint with a sign-in challenge.
            return self.auth.unauthorized()
        found = _OPERATION.search(request.body[:4096])
        operation = found.group(1).decode().removesuffix("RequestMessage") if found else "Unknown"
        route_name = f"{service}.{operation}"
        for pattern, seconds in self.latency.items():
            if re.fullmatch(pattern, route_name):
                time.sleep(seconds)
                break
        try:
            with self.lock:
                account = self.auth.authenticate(request)
        except Unauthorized as refused:
            return self.auth.unauthorized(refused.challenge)
        rule = self._take_fault(route_name)
        impersonated: str | None = None
        try:
            answer = self.apply_fault(rule, route_name) if rule is not None else None
            if answer is not None:
                response = answer
            else:
                with self.lock:
                    if service == "autodiscover":
                        response = self._respond(
                            autodiscover.get_user_settings(self, request), None
                        )
                    else:
                        soap = parse(request.body)
                        impersonated = soap.impersonate
                        response = self._dispatch(account, soap)
        except EWSFault as fault:
            response = Response(fault.status, fault_body(fault), [_XML])
        self.operations.append((operation, impersonated, response.status))
        return response

    def _dispatch(self, account: ServiceAccount, soap: SoapRequest) -> Response:
        handler = OPERATIONS.get(soap.operation)
        if handler is None:
            raise EWSFault(
                "ErrorInvalidOperation",
                f"The EWS emulator does not implement {soap.operation} (see its README).",
            )
        if soap.api_version and soap.api_version not in ACCEPTED_API_VERSIONS[self.server_version]:
            raise EWSFault("ErrorInvalidServerVersion", "The specified server version is invalid.")
        mailbox = None
        if soap.impersonate:
            mailbox = self.org.mailbox(soap.impersonate)
            if mailbox is None:
                raise EWSFault(
                    "ErrorNonExistentMailbox", "The SMTP address has no mailbox associated with it."
                )
            if not self.org.may_impersonate(account, mailbox):
                raise _impersonation_denied()
        elif account.mailbox:
            mailbox = self.org.mailbox(account.mailbox)
        ctx = Context(self.org, account, soap, mailbox)
        return self._respond(handler(ctx), version_info(self.server_version))

    def _respond(self, content: ET.Element | bytes, version: dict[str, str] | None) -> Response:
        body = content if isinstance(content, bytes) else envelope(content, version)
        return Response(200, body, [_XML])

    # --- faults --------------------------------------------------------------------------------
    def inject(self, kind: str, route: str = ".*", **options: Any) -> FaultRule:
        if kind not in EWS_FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; expected one of {EWS_FAULT_KINDS}")
        rule = EWSFaultRule(kind=kind, route=route, **options)
        with self.lock:
            self.faults.append(rule)
        return rule

    def apply_fault(self, rule: FaultRule, route_name: str) -> Response | None:
        if rule.kind in ("server_busy", "429"):
            back_off = int((rule.delay or rule.retry_after) * 1000)
            raise EWSFault(
                "ErrorServerBusy",
                "The server cannot service this request right now. Try again later.",
                back_off_ms=back_off,
            )
        if rule.kind == "impersonation_denied":
            raise _impersonation_denied()
        if rule.kind == "ews_error":
            code = (
                isinstance(rule, EWSFaultRule) and rule.code or "ErrorInternalServerTransientError"
            )
            raise EWSFault(code, f"Injected {code}.")
        if rule.kind == "401":
            return self.auth.unauthorized()
        if rule.kind == "500":
            raise EWSFault(
                "ErrorInternalServerError",
                "An internal server error occurred. The operation failed.",
            )
        if rule.kind == "503":
            return Response(
                503,
                b"<html><body><h1>Service Unavailable</h1></body></html>",
                [("Content-Type", "text/html"), ("Retry-After", str(rule.retry_after))],
            )
        return super().apply_fault(rule, route_name)

    def revoke_tokens(self) -> None:
        """EWS sessions carry no tokens; the closest is forgetting pending NTLM handshakes."""
        self.auth.forget_handshakes()

    def expire_cursors(self) -> None:
        """Every sync state and notification watermark handed out so far becomes invalid."""
        with self.lock:
            self.org.sync_generation += 1

    def drop_subscriptions(self) -> None:
        """What a mailbox server restart does: every pull subscription is forgotten."""
        with self.lock:
            self.org.subscriptions.clear()

    # --- control and Python API ----------------------------------------------------------------
    def _control_records(self, request: Request) -> Response:
        return Response.json(records.as_json(self.org, request.arg("mailbox")))

    def seed(self, payload: Any) -> Any:
        with self.lock:
            return seed.seed(self, payload or {})

    def state(self) -> Any:
        return records.state(self)

    def add_mailbox(self, smtp: str, display_name: str) -> Any:
        with self.lock:
            return self.org.add_mailbox(smtp, display_name)

    def add_account(
        self,
        upn: str,
        password: str,
        netbios_domain: str | None = None,
        impersonation: bool = True,
        mailbox: str | None = None,
    ) -> ServiceAccount:
        domain = netbios_domain or upn.partition("@")[2].split(".")[0].upper()
        with self.lock:
            account = self.org.add_account(ServiceAccount(upn, domain, password, mailbox))
            self.org.revoke_impersonation(upn)
            if impersonation:
                self.org.grant_impersonation(upn)
            return account

    def set_impersonation(
        self, upn: str, granted: bool, recipients: set[str] | None = None
    ) -> None:
        """Replaces the account's ApplicationImpersonation role assignments: none, one for the
        organisation, or one whose management scope is ``recipients``."""
        if self.org.account(upn) is None:
            raise KeyError(upn)
        with self.lock:
            self.org.revoke_impersonation(upn)
            if granted:
                self.org.grant_impersonation(upn, recipients)

    def add_contact(self, smtp: str, data: dict[str, Any], folder: str | None = None) -> str:
        with self.lock:
            return seed.add_contact(self, smtp, data, folder).id

    def add_event(self, smtp: str, data: dict[str, Any]) -> str:
        with self.lock:
            return seed.add_event(self, smtp, data).id

    def answer(self, smtp: str, copy_id: str, response: str) -> None:
        """An attendee answers a meeting in their calendar (``Accept``, ``Decline``,
        ``Tentative``): sandbox/exchange/meetings.py."""
        with self.lock:
            box = self.org.mailbox(smtp)
            if box is None:
                raise KeyError(smtp)
            meetings.answer(self.org, box, copy_id, response)

    def set_server_version(self, name: str) -> None:
        if name not in SERVER_VERSIONS:
            raise ValueError(
                f"unknown server version {name!r}; expected one of {list(SERVER_VERSIONS)}"
            )
        self.server_version = name

    @classmethod
    def product_env(cls, base_url: str) -> dict[str, str]:
        return {"LSYNC_EWS_URL": base_url + "/EWS/Exchange.asmx"}


_XML = ("Content-Type", "text/xml; charset=utf-8")


@dataclass
class EWSFaultRule(FaultRule):
    """``code``: the ResponseCode of an ``ews_error`` fault (ErrorMailboxStoreUnavailable...)."""

    code: str = ""


def _impersonation_denied() -> EWSFault:
    return EWSFault(
        "ErrorImpersonateUserDenied",
        "The account does not have permission to impersonate the requested user.",
    )
