"""Validate, route, call with a deadline, normalize, price, wrap in the envelope."""
