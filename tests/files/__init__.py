"""Tests for unigate.files."""
