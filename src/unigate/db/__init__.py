"""Tables and migrations (used by jobs, accounts and files only)."""
