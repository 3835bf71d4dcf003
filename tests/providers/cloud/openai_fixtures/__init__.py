"""Wire-format fixtures and helpers for the OpenAI provider's tests."""
