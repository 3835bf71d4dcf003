"""API keys (stored hashed); every job and file belongs to one."""
