"""The soak: random edits, faults and killed workers over the HTTPS emulators (`make soak`)."""
