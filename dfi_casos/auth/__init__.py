"""Users, login, logout and the session rules."""
