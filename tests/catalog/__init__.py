"""Tests of the catalogue: registry completeness, input validation, output shapes."""
