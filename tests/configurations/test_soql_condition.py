"""The light checks of the extra SOQL filter, before Salesforce is asked."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from connections.providers.salesforce.directory import plain_query_error
from connections.providers.salesforce.soql import like_pattern, quote
from lsync_site.configurations.forms import check_soql_condition


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("", ""),
        ("  WHERE MailingCountry = 'FR'  ", "MailingCountry = 'FR'"),
        ("Title = 'Head (Sales); EMEA'", "Title = 'Head (Sales); EMEA'"),
        ("LastName = 'O\\'Brien' AND (A = 1 OR B = 2)", "LastName = 'O\\'Brien' AND (A = 1 OR B = 2)"),
    ],
)  # fmt: skip
def test_parentheses_and_semicolons_inside_quotes_are_values(text: str, kept: str) -> None:
    assert check_soql_condition(text) == kept


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("A = 1; DELETE", "semicolon"),
        ("((A = 1)", "parentheses"),
        ("A = 1)", "parentheses"),
        ("LastName = 'O\\'", "quote"),
    ],
)
def test_a_broken_condition_is_refused(text: str, code: str) -> None:
    with pytest.raises(ValidationError) as caught:
        check_soql_condition(text)
    assert caught.value.code == code


def test_search_text_is_quoted_and_its_wildcards_taken_literally() -> None:
    assert quote("O'Brien\\") == "'O\\'Brien\\\\'"
    assert like_pattern("50%_off") == "'%50\\%\\_off%'"


def test_salesforce_query_errors_lose_the_echoed_query() -> None:
    message = (
        "\nSELECT Id FROM Contact WHERE (Email = ) LIMIT 1\n"
        "                                          ^\nERROR at Row:1:Column:43\nunexpected token: )"
    )
    assert plain_query_error(message) == (
        "unexpected token: ) (near character 43 of the query lsync built around your filter)"
    )
