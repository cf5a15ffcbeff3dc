from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from sandbox.salesforce import soql
from sandbox.salesforce.soql import And, Compare, InList, Literal, Not, Or, Order, SoqlError, parse


def test_it_tokenizes_literals_of_every_kind() -> None:
    tokens = soql.tokenize(
        "x = 'it''s' 12 -3.5 2026-01-02 2026-01-02T03:04:05Z 2026-01-02T03:04:05.123+01:00"
    )
    kinds = [t.kind for t in tokens]
    assert kinds == [
        "word", "op", "string", "string", "number", "number", "date", "datetime", "datetime", "eof",
    ]  # fmt: skip
    assert tokens[4].value == 12 and tokens[5].value == -3.5
    assert tokens[6].value == date(2026, 1, 2)
    assert tokens[7].value == datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert tokens[8].value == datetime(2026, 1, 2, 2, 4, 5, 123000, tzinfo=UTC)


def test_string_escapes_are_decoded_and_like_escapes_kept() -> None:
    query = parse(r"SELECT Id FROM Contact WHERE LastName = 'O\'Brien\\x' AND Email LIKE 'a\_b%'")
    assert isinstance(query.where, And)
    first, second = query.where.operands
    assert first == Compare(("LastName",), "=", Literal("string", "O'Brien\\x"))
    assert second == Compare(("Email",), "LIKE", Literal("string", r"a\_b%"))


def test_it_parses_the_full_shape_the_product_sends() -> None:
    query = parse(
        "select Id, Account.Name, Owner.Email FROM Contact "
        "WHERE (OwnerId IN ('005A', '005B') OR Email = null) AND SystemModstamp >= 2026-01-01T00:00:00Z "
        "AND NOT IsDeleted = true ORDER BY SystemModstamp DESC NULLS LAST, Id LIMIT 50 OFFSET 10"
    )
    assert query.object == "Contact"
    assert query.fields == [("Id",), ("Account", "Name"), ("Owner", "Email")]
    assert isinstance(query.where, And)
    group, since, negated = query.where.operands
    assert isinstance(group, Or)
    assert group.operands[0] == InList(
        ("OwnerId",), False, (Literal("string", "005A"), Literal("string", "005B"))
    )
    assert group.operands[1] == Compare(("Email",), "=", Literal("null", None))
    assert isinstance(since, Compare) and since.value.kind == "datetime"
    assert isinstance(negated, Not)
    assert query.order == [Order(("SystemModstamp",), True, True), Order(("Id",), False, False)]
    assert (query.limit, query.offset) == (50, 10)


def test_not_in_and_count_and_angle_bracket_inequality() -> None:
    query = parse("SELECT COUNT() FROM Event WHERE Subject NOT IN ('a') AND ShowAs <> 'Free'")
    assert query.count is True
    assert isinstance(query.where, And)
    assert query.where.operands[0] == InList(("Subject",), True, (Literal("string", "a"),))
    assert query.where.operands[1] == Compare(("ShowAs",), "!=", Literal("string", "Free"))


@pytest.mark.parametrize(
    ("text", "token"),
    [
        ("SELECT Id FROM Contact WHERE a = 1 AND b = 2 OR c = 3", "OR"),
        ("SELECT Id FROM Contact WHERE", "<EOF>"),
        ("SELECT Id, FROM Contact", "FROM"),
        ("SELECT Id FROM Contact GROUP BY Id", "GROUP"),
        ("SELECT Id FROM Contact WHERE CreatedDate > TODAY", "TODAY"),
        ("SELECT Id FROM Contact LIMIT -1", "-1"),
        ("SELECT Id FROM Contact WHERE Name LIKE 5", "5"),
        ("SELECT (SELECT Id FROM Contacts) FROM Account", "("),
    ],
)
def test_unsupported_or_broken_soql_names_the_unexpected_token(text: str, token: str) -> None:
    with pytest.raises(SoqlError) as error:
        parse(text)
    assert f"unexpected token: {token}" in error.value.message
    assert "ERROR at Row:1:Column:" in error.value.message


def test_the_error_points_at_the_column_like_salesforce() -> None:
    with pytest.raises(SoqlError) as error:
        parse("SELECT Id FROM Contact WHERE")
    lines = error.value.message.split("\n")
    assert lines[1] == "SELECT Id FROM Contact WHERE"
    assert lines[2] == " " * 28 + "^"
    assert lines[3] == "ERROR at Row:1:Column:29"


def test_an_unterminated_string_is_an_error() -> None:
    with pytest.raises(SoqlError, match="unterminated"):
        parse("SELECT Id FROM Contact WHERE LastName = 'abc")


def test_like_patterns_use_percent_and_underscore_case_insensitively() -> None:
    assert soql.like_pattern("ab%").match("ABCDEF")
    assert soql.like_pattern("a_c").match("abc")
    assert not soql.like_pattern("a_c").match("abbc")
    assert soql.like_pattern(r"50\%").match("50%")
    assert not soql.like_pattern(r"50\%").match("500")
