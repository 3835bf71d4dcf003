"""Catalogue tests: make `unigate` importable from a plain checkout."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

# The package may not be installed in the environment yet; fall back to the source tree.
if importlib.util.find_spec("unigate") is None:  # pragma: no cover
    sys.path.insert(0, str(Path(__file__).parents[2] / "src"))
