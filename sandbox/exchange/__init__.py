"""Exchange Web Services (EWS) emulator, driven by exchangelib in the tests."""
