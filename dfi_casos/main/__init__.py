"""The home page and pages every signed-in user shares."""
