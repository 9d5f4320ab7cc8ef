"""The web sandbox page of `officebot demo`: a messenger front on the Bot API emulator."""
