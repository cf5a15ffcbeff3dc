"""The webhook Google Calendar posts watch-channel messages to (`LSYNC_PUBLIC_URL`/hooks/google/).

No login (Google has none): a message is trusted only through the token and resource id of a
channel we made (push.py). Google sends headers and no body: X-Goog-Channel-ID,
X-Goog-Channel-Token, X-Goog-Resource-ID, X-Goog-Resource-State (`sync` right after a watch, the
handshake; `exists` / `not_exists` for changes). A valid change makes its user due now and
dispatches; the user's run reads the calendar through its sync token, so a lost or repeated
message loses and duplicates nothing, and a burst of messages makes one run.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from connections.providers.google import push
from syncengine import tasks


@csrf_exempt
@require_POST
def notifications(request: HttpRequest) -> HttpResponse:
    outcome, user = push.receive(
        request.headers.get("X-Goog-Channel-ID", ""),
        request.headers.get("X-Goog-Channel-Token", ""),
        request.headers.get("X-Goog-Resource-State", ""),
        request.headers.get("X-Goog-Resource-ID", ""),
    )
    if outcome == "refused":
        return HttpResponse("unknown channel", status=403, content_type="text/plain")
    if user is not None:
        tasks.queue_users([user])
    return HttpResponse(status=200)
