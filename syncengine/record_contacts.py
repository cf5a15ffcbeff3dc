"""The normalized contact (see `syncengine.records` for what is hashed and why)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import date
from typing import Any, ClassVar

from syncengine.record_values import norm_date, norm_emails, norm_text, value_hash
from syncengine.stores.base import Kind, MatchKey


@dataclass(frozen=True)
class Address:
    street: str = ""  # may hold several lines, LF-separated
    city: str = ""
    state: str = ""
    postal_code: str = ""
    country: str = ""

    @classmethod
    def normalized(
        cls,
        street: Any = "",
        city: Any = "",
        state: Any = "",
        postal_code: Any = "",
        country: Any = "",
    ) -> Address | None:
        a = cls(
            street=norm_text(street, multiline=True),
            city=norm_text(city),
            state=norm_text(state),
            postal_code=norm_text(postal_code),
            country=norm_text(country),
        )
        return None if a == cls() else a

    def one_line(self) -> str:
        parts = [
            self.street.replace("\n", ", "),
            self.postal_code,
            self.city,
            self.state,
            self.country,
        ]
        return ", ".join(p for p in parts if p)


def _norm_address(value: Address | dict[str, Any] | None) -> Address | None:
    if value is None:
        return None
    if isinstance(value, dict):
        return Address.normalized(**value)
    return Address.normalized(
        value.street, value.city, value.state, value.postal_code, value.country
    )


@dataclass(frozen=True)
class Contact:
    """A contact in normalized form. Build it with `Contact.normalized(...)`."""

    KIND: ClassVar[Kind] = "contacts"
    # Fields never hashed (see the module docstring): none for contacts.
    UNHASHED: ClassVar[frozenset[str]] = frozenset()

    salutation: str = ""
    first_name: str = ""
    last_name: str = ""
    emails: tuple[str, ...] = ()  # lower-case; the first is the primary e-mail
    business_phone: str = ""
    mobile_phone: str = ""
    home_phone: str = ""
    other_phone: str = ""
    fax: str = ""
    title: str = ""
    department: str = ""
    company: str = ""  # the Account name in Salesforce
    mailing_address: Address | None = None
    other_address: Address | None = None
    birthdate: date | None = None
    assistant_name: str = ""
    assistant_phone: str = ""
    description: str = ""

    @classmethod
    def normalized(
        cls,
        *,
        salutation: Any = "",
        first_name: Any = "",
        last_name: Any = "",
        emails: Iterable[Any] | str | None = (),
        business_phone: Any = "",
        mobile_phone: Any = "",
        home_phone: Any = "",
        other_phone: Any = "",
        fax: Any = "",
        title: Any = "",
        department: Any = "",
        company: Any = "",
        mailing_address: Address | dict[str, Any] | None = None,
        other_address: Address | dict[str, Any] | None = None,
        birthdate: Any = None,
        assistant_name: Any = "",
        assistant_phone: Any = "",
        description: Any = "",
    ) -> Contact:
        return cls(
            salutation=norm_text(salutation),
            first_name=norm_text(first_name),
            last_name=norm_text(last_name),
            emails=norm_emails(emails),
            business_phone=norm_text(business_phone),
            mobile_phone=norm_text(mobile_phone),
            home_phone=norm_text(home_phone),
            other_phone=norm_text(other_phone),
            fax=norm_text(fax),
            title=norm_text(title),
            department=norm_text(department),
            company=norm_text(company),
            mailing_address=_norm_address(mailing_address),
            other_address=_norm_address(other_address),
            birthdate=norm_date(birthdate),
            assistant_name=norm_text(assistant_name),
            assistant_phone=norm_text(assistant_phone),
            description=norm_text(description, multiline=True),
        )

    def normalize(self) -> Contact:
        return Contact.normalized(**{f.name: getattr(self, f.name) for f in fields(self)})

    @property
    def email(self) -> str:
        return self.emails[0] if self.emails else ""

    def hashed_fields(self) -> tuple[str, ...]:
        return CONTACT_FIELDS

    def field_hashes(self) -> dict[str, str]:
        return {name: value_hash(getattr(self, name)) for name in CONTACT_FIELDS}

    def match_keys(self) -> list[MatchKey]:
        """In matching order: every e-mail, then first+last+company."""
        keys: list[MatchKey] = [("email", e) for e in self.emails]
        if self.first_name or self.last_name:
            keys.append(
                ("name", *(s.casefold() for s in (self.first_name, self.last_name, self.company)))
            )
        return keys

    def label(self) -> str:
        name = " ".join(p for p in (self.first_name, self.last_name) if p) or "(no name)"
        return f"Contact '{name}'" + (f" <{self.email}>" if self.email else "")


# Every contact field is hashed (Contact.UNHASHED is empty).
CONTACT_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(Contact))
