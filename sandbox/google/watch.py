"""Calendar push notifications: ``POST calendars/{id}/events/watch``, ``POST channels/stop`` and
their delivery (developers.google.com/workspace/calendar/api/guides/push).

What Google does and the emulator copies: a watch request names the channel (`id`, at most 64
characters, unique), `type` "web_hook", an https `address` and an optional `token` (at most 256
characters) echoed in every message. The answer carries an opaque `resourceId` and the channel's
`expiration` (milliseconds, as a string). Right after, Google POSTs a `sync` message; then one
`exists` message per change of the watched collection (the body is empty: the receiver reads the
changes itself). Messages carry X-Goog-Channel-ID, X-Goog-Channel-Token (when set),
X-Goog-Channel-Expiration, X-Goog-Resource-ID, X-Goog-Resource-URI, X-Goog-Resource-State and
X-Goog-Message-Number. A channel past its expiration sends nothing more and cannot be stopped
(404); there is no renewal: a new channel is made. `stop` needs the channel id and its resourceId.

Delivery needs a way to reach the product: `deliver(url, headers)` -> status, set by the test or
benchmark. Changes are found by `pump()`, which the test calls after editing a calendar.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from sandbox.core import Request, Response
from sandbox.google.errors import calendar_error, calendar_invalid
from sandbox.google.store import Mailbox

if TYPE_CHECKING:
    from sandbox.google.app import GoogleEmulator

MAX_LIFETIME = timedelta(days=7)  # the longest lifetime the emulator grants (and lsync asks for)
Deliver = Callable[[str, dict[str, str]], int]


@dataclass
class Channel:
    id: str
    resource_id: str
    address: str
    token: str
    expires: datetime
    box: Mailbox
    resource_uri: str
    seen: tuple[int, int]  # (events, highest seq) when last delivered
    sent: int = 0  # message number of the last message


def _state(box: Mailbox) -> tuple[int, int]:
    return len(box.events), max((e.seq for e in box.events.values()), default=0)


def _ms(moment: datetime) -> str:
    return str(int(moment.timestamp() * 1000))


class Channels:
    def __init__(
        self, emulator: GoogleEmulator, calendar: Callable[[Request, str, bool], Mailbox]
    ) -> None:
        self.emu = emulator
        self.calendar = calendar  # the Calendar API's own check of the caller and calendar id
        self.channels: dict[str, Channel] = {}
        self.deliver: Deliver | None = None
        self.delivered: list[dict[str, str]] = []

    def expire(self) -> None:
        now = self.emu.clock.now()
        for channel_id in [c.id for c in self.channels.values() if c.expires <= now]:
            del self.channels[channel_id]

    def watch(self, request: Request, calendar_id: str) -> Response:
        box = self.calendar(request, calendar_id, False)
        body = request.json() or {}
        if not isinstance(body, dict):
            raise calendar_invalid("Parse Error", reason="parseError")
        channel_id, address = str(body.get("id") or ""), str(body.get("address") or "")
        token = str(body.get("token") or "")
        if not channel_id or len(channel_id) > 64:
            raise calendar_invalid(
                "Channel id is missing or longer than 64 characters.", reason="required"
            )
        if body.get("type") not in ("web_hook", "webhook"):
            raise calendar_invalid("Unknown channel type.", reason="invalid")
        if not address.startswith("https://"):
            raise calendar_invalid(
                "WebHook callback must be HTTPS: " + address, reason="push.webhookUrlNotHttps"
            )
        if len(token) > 256:
            raise calendar_invalid("Channel token is longer than 256 characters.", reason="invalid")
        self.expire()
        if channel_id in self.channels:
            raise calendar_error(400, "channelIdNotUnique", f"Channel id {channel_id} not unique")
        now = self.emu.clock.now()
        expires = now + MAX_LIFETIME
        if body.get("expiration"):
            asked = datetime.fromtimestamp(int(body["expiration"]) / 1000, UTC)
            expires = max(now, min(asked, expires))
        uri = f"{request.path.rsplit('/watch', 1)[0]}?alt=json"
        channel = Channel(
            channel_id, secrets.token_urlsafe(18), address, token, expires, box, uri, _state(box)
        )
        self.channels[channel_id] = channel
        self._send(channel, "sync")
        answer = {"kind": "api#channel", "id": channel_id, "resourceId": channel.resource_id,
                  "resourceUri": uri, "expiration": _ms(expires)}  # fmt: skip
        if token:
            answer["token"] = token
        return Response.json(answer)

    def stop(self, request: Request) -> Response:
        self.emu.calendar_mailbox(request, write=False)  # signed in, as any Calendar call
        body = request.json() or {}
        channel = self.channels.get(str(body.get("id") or "")) if isinstance(body, dict) else None
        self.expire()
        if (
            channel is None
            or channel.id not in self.channels
            or body.get("resourceId") != channel.resource_id
        ):
            raise calendar_error(404, "notFound", "Channel not found.")
        del self.channels[channel.id]
        return Response.empty(204)

    # --- delivery ----------------------------------------------------------------------------
    def pump(self) -> int:
        """One `exists` message per channel whose calendar changed since the last; how many."""
        self.expire()
        sent = 0
        for channel in list(self.channels.values()):
            now = _state(channel.box)
            if now != channel.seen:
                channel.seen = now
                self._send(channel, "exists")
                sent += 1
        return sent

    def _send(self, channel: Channel, state: str) -> None:
        channel.sent += 1
        headers = {
            "X-Goog-Channel-ID": channel.id,
            "X-Goog-Channel-Expiration": channel.expires.strftime("%a, %d %b %Y %H:%M:%S GMT"),
            "X-Goog-Resource-ID": channel.resource_id,
            "X-Goog-Resource-URI": channel.resource_uri,
            "X-Goog-Resource-State": state,
            "X-Goog-Message-Number": str(channel.sent),
        }
        if channel.token:
            headers["X-Goog-Channel-Token"] = channel.token
        self.delivered.append(headers)
        if self.deliver is not None:
            self.deliver(channel.address, headers)
