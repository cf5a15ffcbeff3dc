"""Microsoft 365 through Microsoft Graph: the sync half (records <-> Graph JSON, the stores)."""
