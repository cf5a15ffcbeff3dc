"""Microsoft identity platform (Entra ID) and Microsoft Graph v1.0 emulator."""

from __future__ import annotations
