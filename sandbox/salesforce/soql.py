"""A tokenizer and recursive-descent parser for the SOQL subset the product sends.

Grammar (keywords are case-insensitive)::

    query     := SELECT select FROM name [WHERE cond] [ORDER BY order {, order}]
                 [LIMIT int] [OFFSET int]
    select    := COUNT ( ) | path {, path}
    path      := name {. name}
    cond      := unary {AND unary} | unary {OR unary}     -- mixing needs parentheses, as in SOQL
    unary     := NOT unary | ( cond ) | path op value | path [NOT] IN ( value {, value} )
                 | path LIKE string
    op        := = | != | <> | < | <= | > | >=
    value     := 'string' | number | TRUE | FALSE | NULL | 2026-01-01 | 2026-01-01T00:00:00Z
    order     := path [ASC | DESC] [NULLS FIRST | NULLS LAST]

Anything else fails with Salesforce's MALFORMED_QUERY message ("unexpected token: ...").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

Path = tuple[str, ...]


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


@dataclass(frozen=True)
class Literal:
    kind: str  # string, number, boolean, null, date, datetime
    value: Any


@dataclass(frozen=True)
class Compare:
    path: Path
    op: str  # = != < <= > >= LIKE
    value: Literal


@dataclass(frozen=True)
class InList:
    path: Path
    negated: bool
    values: tuple[Literal, ...]


@dataclass(frozen=True)
class Not:
    operand: Condition


@dataclass(frozen=True)
class And:
    operands: tuple[Condition, ...]


@dataclass(frozen=True)
class Or:
    operands: tuple[Condition, ...]


Condition = Compare | InList | Not | And | Or


@dataclass(frozen=True)
class Order:
    path: Path
    descending: bool = False
    nulls_last: bool = False


@dataclass
class Query:
    object: str
    fields: list[Path] = field(default_factory=list)
    count: bool = False
    where: Condition | None = None
    order: list[Order] = field(default_factory=list)
    limit: int | None = None
    offset: int | None = None


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


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = tokenize(text)
        self.index = 0

    @property
    def current(self) -> Token:
        return self.tokens[self.index]

    def fail(self, token: Token | None = None) -> SoqlError:
        token = token or self.current
        return SoqlError(f"unexpected token: {token.text}", self.text, token.position)

    def is_word(self, *words: str) -> bool:
        return self.current.kind == "word" and self.current.text.upper() in words

    def take(self) -> Token:
        token = self.current
        self.index += 1
        return token

    def expect_word(self, word: str) -> None:
        if not self.is_word(word):
            raise self.fail()
        self.take()

    def expect_punct(self, char: str) -> None:
        if self.current.kind != "punct" or self.current.text != char:
            raise self.fail()
        self.take()

    def name(self) -> str:
        if self.current.kind != "word" or self.current.text.upper() in RESERVED:
            raise self.fail()
        return self.take().text

    def path(self) -> Path:
        parts = [self.name()]
        while self.current.kind == "punct" and self.current.text == ".":
            self.take()
            parts.append(self.name())
        return tuple(parts)

    def query(self) -> Query:
        self.expect_word("SELECT")
        query = Query(object="")
        if self.is_word("COUNT") and self.tokens[self.index + 1].text == "(":
            self.take()
            self.expect_punct("(")
            self.expect_punct(")")
            query.count = True
        else:
            query.fields.append(self.path())
            while self.current.text == ",":
                self.take()
                query.fields.append(self.path())
        self.expect_word("FROM")
        query.object = self.name()
        if self.is_word("WHERE"):
            self.take()
            query.where = self.condition()
        if self.is_word("ORDER"):
            self.take()
            self.expect_word("BY")
            query.order.append(self.order())
            while self.current.text == ",":
                self.take()
                query.order.append(self.order())
        if self.is_word("LIMIT"):
            self.take()
            query.limit = self.integer()
        if self.is_word("OFFSET"):
            self.take()
            query.offset = self.integer()
        if self.current.kind != "eof":
            raise self.fail()
        return query

    def integer(self) -> int:
        token = self.current
        if token.kind != "number" or not isinstance(token.value, int) or token.value < 0:
            raise self.fail()
        self.take()
        return int(token.value)

    def order(self) -> Order:
        path = self.path()
        descending = False
        if self.is_word("ASC", "DESC"):
            descending = self.take().text.upper() == "DESC"
        nulls_last = descending
        if self.is_word("NULLS"):
            self.take()
            if not self.is_word("FIRST", "LAST"):
                raise self.fail()
            nulls_last = self.take().text.upper() == "LAST"
        return Order(path, descending, nulls_last)

    def condition(self) -> Condition:
        first = self.unary()
        if not self.is_word("AND", "OR"):
            return first
        joiner = self.current.text.upper()
        operands = [first]
        while self.is_word("AND", "OR"):
            if self.current.text.upper() != joiner:
                raise self.fail()
            self.take()
            operands.append(self.unary())
        return And(tuple(operands)) if joiner == "AND" else Or(tuple(operands))

    def unary(self) -> Condition:
        if self.is_word("NOT"):
            self.take()
            return Not(self.unary())
        if self.current.text == "(":
            self.take()
            inner = self.condition()
            self.expect_punct(")")
            return inner
        path = self.path()
        if self.current.kind == "op":
            op = self.take().text
            return Compare(path, "!=" if op == "<>" else op, self.value())
        negated = False
        if self.is_word("NOT"):
            self.take()
            negated = True
            if not self.is_word("IN"):
                raise self.fail()
        if self.is_word("IN"):
            self.take()
            self.expect_punct("(")
            values = [self.value()]
            while self.current.text == ",":
                self.take()
                values.append(self.value())
            self.expect_punct(")")
            return InList(path, negated, tuple(values))
        if self.is_word("LIKE"):
            self.take()
            if self.current.kind != "string":
                raise self.fail()
            return Compare(path, "LIKE", Literal("string", self.take().value))
        raise self.fail()

    def value(self) -> Literal:
        token = self.current
        if token.kind in ("string", "number", "date", "datetime"):
            self.take()
            return Literal(token.kind, token.value)
        if self.is_word("TRUE", "FALSE"):
            self.take()
            return Literal("boolean", token.text.upper() == "TRUE")
        if self.is_word("NULL"):
            self.take()
            return Literal("null", None)
        raise self.fail()


def parse(text: str) -> Query:
    return _Parser(text).query()


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
