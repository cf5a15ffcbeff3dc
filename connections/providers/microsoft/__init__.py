"""Microsoft 365 through Microsoft Graph with app-only tokens (the connection half)."""
