from __future__ import annotations

import logging

from syncengine.redaction import redact

__all__ = ["RedactSecrets", "redact"]


class RedactSecrets(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True
