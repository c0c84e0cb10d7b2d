"""Article -> Script: chapters, announcements and the text the voice says. Pure."""
