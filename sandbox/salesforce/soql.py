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

from dataclasses import dataclass, field
from typing import Any

from sandbox.salesforce.soql_lexer import (
    RESERVED,
    SoqlError,
    Token,
    like_pattern,
    parse_datetime,
    tokenize,
)

__all__ = ["SoqlError", "Token", "like_pattern", "parse", "parse_datetime", "tokenize"]

Path = tuple[str, ...]


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
