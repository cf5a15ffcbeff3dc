"""The one secret-redaction function: for log lines (lsync_site.logging) and for the messages an
administrator reads in runs and issues (syncengine.service). Pure: no Django, no I/O."""

from __future__ import annotations

import re

# Tokens and keys that must never be shown, whatever a library or a provider decides to print.
_PATTERNS = [
    re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?-----END [A-Z ]*PRIVATE KEY-----", re.S),
    re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]+"),
    re.compile(
        r"(?i)((?:access_token|refresh_token|client_secret|assertion|password|session_id|"
        r"private_key|sig)[\"']?\s*[:=]\s*[\"']?)[^\s\"'&,}]+"
    ),
]


def redact(text: str) -> str:
    for pattern in _PATTERNS:
        if pattern.groups:
            text = pattern.sub(lambda m: m.group(1) + "[redacted]", text)
        else:
            text = pattern.sub("[redacted]", text)
    return text
