"""Stateful emulators of Salesforce, Microsoft identity + Graph and Google Workspace.

Imports nothing from the product: the product reaches the emulators only through the
endpoint settings, exactly as it reaches the real services.
"""
