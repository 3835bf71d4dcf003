"""The HTTP API: thin routes over the `Gateway` facade."""
