"""Settings for the test suite: the product's settings with test-only keys and a fast hasher."""

from __future__ import annotations

import os
import tempfile

# Test-only values: they protect nothing, and are never used outside the suite.
os.environ.setdefault("LSYNC_SECRET_KEY", "tests-only-secret-key-0123456789-abcdefghijklmnop")
os.environ.setdefault("LSYNC_ENCRYPTION_KEY", "tests-only-encryption-key-0123456789-abcdefghij")
os.environ.setdefault("LSYNC_VAR_DIR", tempfile.mkdtemp(prefix="lsync-tests-"))

from lsync_site.settings import *  # noqa: E402,F403
from lsync_site.settings import Q_CLUSTER  # noqa: E402

LSYNC_DEMO = True
# Engine and console tests run on seeded memory stores; provider tests wire the sandbox in.
LSYNC_STORE_BACKEND = "memory"
# Most tests exercise runs that read Salesforce every time; the change feed's tests turn it on.
LSYNC_CHANGE_FEED = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
Q_CLUSTER = {**Q_CLUSTER, "sync": True}
