"""Administration: accounts, roles and territories."""
