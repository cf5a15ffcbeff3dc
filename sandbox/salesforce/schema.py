"""The objects and fields the emulator knows (provider-contracts.md §4.6), with Salesforce's
types, lengths and write rules. Field names are case-insensitive in SOQL and in writes; the
canonical spelling is the one here.

`Secondary_Email__c` on Contact stands for the custom e-mail field orgs add for a second
address (Salesforce has no standard one); it behaves as any e-mail field."""

from __future__ import annotations

from dataclasses import dataclass

TEXT_TYPES = frozenset(
    {"id", "string", "email", "phone", "textarea", "url", "reference", "picklist"}
)


@dataclass(frozen=True)
class Field:
    name: str
    type: str
    length: int = 0
    required: bool = False
    createable: bool = True
    updateable: bool = True
    targets: tuple[str, ...] = ()
    relationship: str = ""
    values: tuple[str, ...] = ()  # a restricted picklist's values

    @property
    def polymorphic(self) -> bool:
        return len(self.targets) > 1


def _s(name: str, length: int = 255, **kw: object) -> Field:
    return Field(name, "string", length, **kw)  # type: ignore[arg-type]


def _ro(name: str, type_: str, **kw: object) -> Field:
    return Field(name, type_, createable=False, updateable=False, **kw)  # type: ignore[arg-type]


def _ref(name: str, *targets: str, writable: bool = True, required: bool = False) -> Field:
    return Field(
        name,
        "reference",
        18,
        required=required,
        createable=writable,
        updateable=writable,
        targets=targets,
        relationship=name[:-2],
    )


def _address(prefix: str) -> list[Field]:
    return [
        Field(f"{prefix}Street", "textarea", 255),
        _s(f"{prefix}City", 40),
        _s(f"{prefix}State", 80),
        _s(f"{prefix}PostalCode", 20),
        _s(f"{prefix}Country", 80),
        Field(f"{prefix}Latitude", "double"),
        Field(f"{prefix}Longitude", "double"),
    ]


def _system(owner: tuple[str, ...] = ("User",)) -> list[Field]:
    fields = [
        _ro("Id", "id", length=18),
        _ro("IsDeleted", "boolean"),
        _ro("CreatedDate", "datetime"),
        _ref("CreatedById", "User", writable=False),
        _ro("LastModifiedDate", "datetime"),
        _ref("LastModifiedById", "User", writable=False),
        _ro("SystemModstamp", "datetime"),
    ]
    if owner:
        fields.append(_ref("OwnerId", *owner))
    return fields


_NAME = _ro("Name", "string", length=121)

OBJECTS: dict[str, list[Field]] = {
    "Account": [
        *_system(),
        _s("Name", 255, required=True),
        Field("Phone", "phone", 40),
        Field("Website", "url", 255),
        Field("Description", "textarea", 32000),
        *_address("Billing"),
    ],
    "Contact": [
        *_system(),
        _ref("AccountId", "Account"),
        _s("Salutation", 40),
        _s("FirstName", 40),
        _s("MiddleName", 40),
        _s("LastName", 80, required=True),
        _s("Suffix", 40),
        _NAME,
        Field("Email", "email", 80),
        Field("Secondary_Email__c", "email", 80),
        Field("Phone", "phone", 40),
        Field("MobilePhone", "phone", 40),
        Field("HomePhone", "phone", 40),
        Field("OtherPhone", "phone", 40),
        Field("Fax", "phone", 40),
        _s("AssistantName", 40),
        Field("AssistantPhone", "phone", 40),
        _s("Title", 128),
        _s("Department", 80),
        *_address("Mailing"),
        *_address("Other"),
        Field("Birthdate", "date"),
        Field("Description", "textarea", 32000),
        _s("LeadSource", 255),
        Field("HasOptedOutOfEmail", "boolean"),
        Field("DoNotCall", "boolean"),
        _ref("MasterRecordId", "Contact", writable=False),
    ],
    "Lead": [
        *_system(owner=("User", "Group")),
        _s("Salutation", 40),
        _s("FirstName", 40),
        _s("LastName", 80, required=True),
        _NAME,
        _s("Company", 255, required=True),
        _s("Status", 255),
        Field("Email", "email", 80),
        Field("Phone", "phone", 40),
        Field("MobilePhone", "phone", 40),
        _s("Title", 128),
        *_address(""),
        _s("LeadSource", 255),
        _s("Industry", 255),
        _s("Rating", 255),
        Field("Description", "textarea", 32000),
        _ro("IsConverted", "boolean"),
        _ref("ConvertedContactId", "Contact", writable=False),
        _ref("ConvertedAccountId", "Account", writable=False),
        _ro("ConvertedDate", "date"),
    ],
    "Event": [
        *_system(owner=("User", "Calendar")),
        _s("Subject", 255),
        Field("StartDateTime", "datetime"),
        Field("EndDateTime", "datetime"),
        Field("ActivityDateTime", "datetime"),
        Field("ActivityDate", "date"),
        _ro("EndDate", "date"),
        Field("DurationInMinutes", "int"),
        Field("IsAllDayEvent", "boolean"),
        _s("Location", 255),
        Field("Description", "textarea", 32000),
        Field("ShowAs", "picklist", 40, values=("Busy", "OutOfOffice", "Free")),
        Field("IsPrivate", "boolean"),
        _ref("WhoId", "Contact", "Lead"),
        _ref("WhatId", "Account"),
        Field("WhoCount", "int", createable=False, updateable=False),
        _ref("AccountId", "Account", writable=False),
        Field("IsReminderSet", "boolean"),
        Field("ReminderDateTime", "datetime"),
        _s("Type", 40),
        Field("EventSubtype", "picklist", 40, values=("Event",)),
        _ro("IsGroupEvent", "boolean"),
        _ro("IsChild", "boolean"),
        Field("IsRecurrence2", "boolean"),
        Field("Recurrence2PatternText", "textarea", 1024),
        _s("Recurrence2PatternVersion", 40),
        Field("Recurrence2PatternStartDate", "datetime"),
        _s("Recurrence2PatternTimeZone", 40),
        _ro("IsRecurrence2Exception", "boolean"),
        _ro("IsRecurrence2Exclusion", "boolean"),
        _ref("RecurrenceActivityId", "Event", writable=False),
    ],
    "EventRelation": [
        *_system(owner=()),
        _ref("EventId", "Event", required=True),
        _ref("RelationId", "User", "Contact", "Lead", required=True),
        Field("Status", "picklist", 40, values=("New", "Accepted", "Declined", "Maybe")),
        Field("Response", "string", 255),
        Field("RespondedDate", "datetime"),
        Field("IsInvitee", "boolean"),
        Field("IsParent", "boolean"),
        Field("IsWhat", "boolean"),
        _ref("AccountId", "Account", writable=False),
    ],
    # Shared Activities only (shared_activities.py): derived from EventRelation, read-only.
    "EventWhoRelation": [
        *_system(owner=()),
        _ref("EventId", "Event", writable=False),
        _ref("RelationId", "Contact", "Lead", writable=False),
        _ro("Type", "string", length=50),
        _ref("AccountId", "Account", writable=False),
    ],
    "User": [
        *_system(owner=()),
        _s("Username", 80, required=True),
        Field("Email", "email", 128, required=True),
        _s("FirstName", 40),
        _s("LastName", 80, required=True),
        _NAME,
        _s("Alias", 8),
        Field("IsActive", "boolean"),
        _ref("ProfileId", "Profile", required=True),
        _s("TimeZoneSidKey", 40),
        _s("LanguageLocaleKey", 40),
        _s("UserType", 40),
    ],
    "Profile": [
        *_system(owner=()),
        _s("Name", 255, required=True),
        _s("UserType", 40),
    ],
    # Computed per query by sharing.py (no stored rows, no system fields).
    "UserRecordAccess": [
        _ro("Id", "id", length=18),
        _ref("UserId", "User", writable=False),
        _ref("RecordId", "Account", "Contact", "Event", "Lead", writable=False),
        _ro("HasReadAccess", "boolean"),
        _ro("HasEditAccess", "boolean"),
        _ro("MaxAccessLevel", "picklist"),
    ],
}

# What a polymorphic relationship (Who, What, Relation, Event.Owner, Lead.Owner) exposes: the "Name" pseudo-object.
NAME_FIELDS = ("Id", "Name", "FirstName", "LastName", "Email", "Phone", "Title", "Type", "Username")

_BY_LOWER = {obj: {f.name.lower(): f for f in fields} for obj, fields in OBJECTS.items()}
_RELATIONSHIPS = {
    obj: {f.relationship.lower(): f for f in fields if f.relationship}
    for obj, fields in OBJECTS.items()
}
_OBJECT_NAMES = {name.lower(): name for name in OBJECTS}


def object_name(name: str) -> str | None:
    return _OBJECT_NAMES.get(name.lower())


def field(obj: str, name: str) -> Field | None:
    return _BY_LOWER[obj].get(name.lower())


def relationship(obj: str, name: str) -> Field | None:
    """The reference field behind a relationship name (``Account`` -> ``AccountId``)."""
    return _RELATIONSHIPS[obj].get(name.lower())


def fields(obj: str) -> list[Field]:
    return OBJECTS[obj]
