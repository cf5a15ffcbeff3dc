"""SOQL literals: the one place that quotes a value for a query."""

from __future__ import annotations


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("'", "\\'")


def quote(value: str) -> str:
    """A SOQL string literal."""
    return f"'{_escape(value)}'"


def like_pattern(text: str) -> str:
    """A LIKE literal that matches `text` anywhere; the user's % and _ are taken literally."""
    return "'%" + _escape(text).replace("%", "\\%").replace("_", "\\_") + "%'"
