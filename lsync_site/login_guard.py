"""How long a user name or address stays locked out after too many failed logins.

django-axes counts the failures and locks; this only chooses the cool-off. It grows with the
failures of the last day (recorded by axes in AccessFailureLog): the first lockout lasts a
minute, each further one twice as long, up to an hour. A mistyped password costs a minute; a
password-guessing run is slowed to a handful of tries an hour.
"""

from __future__ import annotations

from datetime import timedelta

from axes.helpers import get_client_username
from axes.models import AccessFailureLog
from django.conf import settings
from django.db.models import Q
from django.http import HttpRequest
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
