"""How long a user name or address stays locked out after too many failed logins, and what the
lockout page says about it.

django-axes counts the failures and locks; this chooses the cool-off. It grows with the
failures of the last day (recorded by axes in AccessFailureLog): the first lockout lasts a
minute, each further one twice as long, up to an hour. A mistyped password costs a minute; a
password-guessing run is slowed to a handful of tries an hour. Attempts during a lockout are
refused unchecked and not recorded (AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT off), so they
neither restart the pause nor count towards the next one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from axes.helpers import get_client_username, get_failure_limit
from axes.models import AccessAttempt, AccessFailureLog
from django.conf import settings
from django.db.models import Max, Q, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

FIRST_LOCKOUT = timedelta(minutes=1)
LONGEST_LOCKOUT = timedelta(hours=1)
MEMORY = timedelta(days=1)


def lockout_for(failures: int, limit: int) -> timedelta:
    """The cool-off after ``failures`` recent failures, with a lockout every ``limit``."""
    lockouts = max(1, failures // max(1, limit))
    return min(LONGEST_LOCKOUT, FIRST_LOCKOUT * 2 ** min(lockouts - 1, 16))


def cool_off(request: HttpRequest | None) -> timedelta:
    if request is None:
        return FIRST_LOCKOUT
    match = Q(pk__in=[])
    username = get_client_username(request)
    if username:
        match |= Q(username=username)
    address = getattr(request, "axes_ip_address", None)
    if address:
        match |= Q(ip_address=address)
    since = timezone.now() - MEMORY
    failures = AccessFailureLog.objects.filter(match, attempt_time__gte=since).count()
    return lockout_for(failures, int(settings.AXES_FAILURE_LIMIT))


@dataclass(frozen=True)
class Pause:
    failures: int  # the failures that caused it, as axes counts them
    until: datetime


def pause_of(request: HttpRequest, credentials: dict[str, Any] | None) -> Pause | None:
    """The lockout in force for the request's user name or address (the longer one when both
    are locked), read from the attempts axes counts, as axes decides it."""
    length = cool_off(request)
    limit = get_failure_limit(request, credentials)
    username = get_client_username(request, credentials)
    address = getattr(request, "axes_ip_address", None)
    matches = [Q(username=username)] if username else []
    matches += [Q(ip_address=address)] if address else []
    pauses = []
    for match in matches:
        found = AccessAttempt.objects.filter(
            match, attempt_time__gte=timezone.now() - length
        ).aggregate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
        if (found["failures"] or 0) >= limit:
            pauses.append(Pause(found["failures"], found["last"] + length))
    return max(pauses, key=lambda p: p.until, default=None)


def in_words(wait: timedelta) -> str:
    """The wait in whole seconds rounded up, in minutes and seconds ("1 minute 5 seconds")."""
    minutes, seconds = divmod(max(1, math.ceil(wait.total_seconds())), 60)
    parts = [f"{minutes} minute{'s' * (minutes != 1)}"] if minutes else []
    parts += [f"{seconds} second{'s' * (seconds != 1)}"] if seconds else []
    return " ".join(parts)


def locked_out(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    """axes' lockout response (AXES_LOCKOUT_CALLABLE): the real count and the real wait left."""
    pause = pause_of(request, credentials)
    context = {
        "username": get_client_username(request, credentials) or "",
        "failures": pause.failures if pause else get_failure_limit(request, credentials),
        "wait": in_words(pause.until - timezone.now()) if pause else "",
    }
    return render(
        request,
        "registration/locked_out.html",
        context,
        status=int(getattr(settings, "AXES_HTTP_RESPONSE_CODE", 429)),
    )
