"""Salesforce, sync half: pure mapping between REST JSON and records (convert.py, recurrence.py)
and the contact and event stores (adapters.py)."""
