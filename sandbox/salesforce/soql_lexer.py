"""SOQL's lexical layer: tokens (words, quoted strings with escapes, numbers, date and
date-time literals, operators), Salesforce-style syntax errors pointing at a row and column,
and the LIKE pattern matcher."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any


class SoqlError(Exception):
    def __init__(self, message: str, text: str = "", position: int | None = None) -> None:
        if position is not None:
            row = text.count("\n", 0, position) + 1
            line_start = text.rfind("\n", 0, position) + 1
            column = position - line_start
            line_end = text.find("\n", position)
            line = text[line_start : line_end if line_end >= 0 else len(text)]
            message = (
                f"\n{line}\n{' ' * column}^\nERROR at Row:{row}:Column:{column + 1}\n{message}"
            )
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Token:
    kind: str  # word, string, number, date, datetime, op, punct, eof
    text: str
    value: Any
    position: int


_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<datetime>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?(?:Z|[+-]\d{2}:?\d{2}))
  | (?P<date>\d{4}-\d{2}-\d{2}(?![\d:T]))
  | (?P<number>-?\d+(?:\.\d+)?(?![\w-]))
  | (?P<word>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<string>')
  | (?P<op><=|>=|!=|<>|=|<|>)
  | (?P<punct>[(),.])
    """,
    re.VERBOSE,
)
RESERVED = frozenset(
    [
        "AND",
        "ASC",
        "DESC",
        "EXCLUDES",
        "FIRST",
        "FROM",
        "GROUP",
        "HAVING",
        "IN",
        "INCLUDES",
        "LAST",
        "LIKE",
        "LIMIT",
        "NOT",
        "NULL",
        "NULLS",
        "OR",
        "SELECT",
        "WHERE",
        "WITH",
        "TRUE",
        "FALSE",
        "ORDER",
        "BY",
        "OFFSET",
    ]
)
_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "b": "\b", "f": "\f", "'": "'", '"': '"', "\\": "\\"}


def parse_datetime(text: str) -> datetime:
    text = text.replace("Z", "+00:00")
    if re.search(r"[+-]\d{4}$", text):
        text = text[:-2] + ":" + text[-2:]
    value = datetime.fromisoformat(text)
    if value.tzinfo is None:
        raise ValueError(f"no offset in {text!r}")
    return value.astimezone(UTC)


def _read_string(text: str, start: int) -> tuple[str, int]:
    out: list[str] = []
    i = start + 1
    while i < len(text):
        char = text[i]
        if char == "'":
            return "".join(out), i + 1
        if char == "\\":
            if i + 1 >= len(text):
                break
            nxt = text[i + 1]
            if nxt in "%_":  # LIKE escapes stay escaped for the matcher
                out.append("\\" + nxt)
            elif nxt in _ESCAPES:
                out.append(_ESCAPES[nxt])
            else:
                raise SoqlError("Invalid string literal: invalid escape sequence", text, i)
            i += 2
            continue
        out.append(char)
        i += 1
    raise SoqlError("unexpected token: <EOF>: unterminated string literal", text, start)


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    position = 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:
            raise SoqlError(f"unexpected token: '{text[position]}'", text, position)
        kind = match.lastgroup or ""
        raw = match.group()
        if kind == "string":
            value, end = _read_string(text, position)
            tokens.append(Token("string", text[position:end], value, position))
            position = end
            continue
        if kind == "datetime":
            tokens.append(Token(kind, raw, parse_datetime(raw), position))
        elif kind == "date":
            tokens.append(Token(kind, raw, date.fromisoformat(raw), position))
        elif kind == "number":
            tokens.append(Token(kind, raw, float(raw) if "." in raw else int(raw), position))
        elif kind != "space":
            tokens.append(Token(kind, raw, raw, position))
        position = match.end()
    tokens.append(Token("eof", "<EOF>", None, len(text)))
    return tokens


def like_pattern(pattern: str) -> re.Pattern[str]:
    """SOQL LIKE: % and _ wildcards, backslash escapes them; always case-insensitive."""
    out = []
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\" and i + 1 < len(pattern):
            out.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        out.append(".*" if char == "%" else "." if char == "_" else re.escape(char))
        i += 1
    return re.compile("".join(out) + r"\Z", re.IGNORECASE | re.DOTALL)
