"""The local demo: a small seeded office on the emulator, used by `officebot demo`."""
