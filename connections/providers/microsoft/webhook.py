"""The webhook Microsoft Graph posts change notifications to (`LSYNC_PUBLIC_URL`/hooks/microsoft/).

No login (Graph has none): a request is trusted only through the clientState of a subscription we
made (push.py). The validation handshake echoes `validationToken` as plain text, as Graph requires
(text/plain and nosniff, so a crafted token is never rendered as a page). Valid notifications make
their users due now and dispatch them; a burst for one user makes one run, since a user due now
is claimed once.
"""

from __future__ import annotations

import json

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from connections.providers.microsoft import push
from syncengine import tasks

MAX_TOKEN = 512


@csrf_exempt
@require_POST
def notifications(request: HttpRequest) -> HttpResponse:
    token = request.GET.get("validationToken")
    if token is not None:
        if len(token) > MAX_TOKEN:
            return HttpResponse("validationToken too long", status=400, content_type="text/plain")
        response = HttpResponse(token, content_type="text/plain; charset=utf-8")
        response["X-Content-Type-Options"] = "nosniff"
        return response
    try:
        payload = json.loads(request.body or b"{}")
    except ValueError:
        return HttpResponse("not JSON", status=400, content_type="text/plain")
    users, refused = push.receive(payload)
    if not users:
        status = 403 if refused else 400
        return HttpResponse("no valid notification", status=status, content_type="text/plain")
    tasks.queue_users(users)
    return HttpResponse(status=202)
