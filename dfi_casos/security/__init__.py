"""The three gates (who, may you, it is written down) and the cryptography, free of views."""
