"""Shared fixtures for the file-layer tests."""

from __future__ import annotations

import sys
from pathlib import Path

# The package may not be installed in the venv (src layout): make `unigate` importable either way.
_SRC = Path(__file__).resolve().parents[2] / "src"
if str(_SRC) not in sys.path:
    sys.path.insert(0, str(_SRC))
