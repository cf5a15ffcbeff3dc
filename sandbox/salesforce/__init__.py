"""A stateful Salesforce REST emulator: JWT bearer login, SOQL, sObjects, collections and the
replication (updated/deleted) resources, with Salesforce's own error shapes."""

from __future__ import annotations
