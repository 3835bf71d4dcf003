"""The `local` provider: open models run on this server's CPU from weights inside installed packages.

Importing this package is cheap: the heavy libraries (onnxruntime, numpy, rapidocr, faster-whisper,
pypdfium2, OpenCV) are imported inside the worker-thread calls, and each model loads on first use.
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
import pkgutil
from collections.abc import Callable, Mapping, Sequence
from functools import cache

from unigate.providers.base import Offer

log = logging.getLogger(__name__)

Family = tuple[str, tuple[str, ...], Callable[[], Sequence[Offer]]]


@cache
def _families() -> tuple[Family, ...]:
    """(extra that installs it, modules it needs, its offers) for every module of this package that
    declares `EXTRA`, `REQUIRES` and `offers()`: a new local model is one new module, nothing else."""
    found: list[Family] = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        try:
            module = importlib.import_module(f"{__name__}.{info.name}")
        except Exception:  # one broken model module must not take the others down
            log.exception("local model module %s failed to import", info.name)
            continue
        if all(hasattr(module, attr) for attr in ("EXTRA", "REQUIRES", "offers")):
            found.append((module.EXTRA, tuple(module.REQUIRES), module.offers))
    return tuple(found)


def _missing(modules: Sequence[str]) -> list[str]:
    # find_spec locates a top-level module without importing it.
    return [m for m in modules if importlib.util.find_spec(m) is None]


class LocalProvider:
    name = "local"
    display_name = "Local open models (CPU)"

    def offers(self) -> Sequence[Offer]:
        """The offers whose packages are installed (a partial install serves what it can)."""
        found: list[Offer] = []
        for _extra, modules, make in _families():
            if not _missing(modules):
                found.extend(make())
        return found

    def missing(self) -> dict[str, list[str]]:
        """Extra name -> missing modules, for the families that cannot run here."""
        out: dict[str, list[str]] = {}
        for extra, modules, _make in _families():
            for module in _missing(modules):
                listed = out.setdefault(extra, [])
                if module not in listed:
                    listed.append(module)
        return out

    def unavailable_reason(self, env: Mapping[str, str]) -> str | None:
        if self.offers():
            return None
        extras = ", ".join(f"{extra} (missing {', '.join(mods)})" for extra, mods in self.missing().items())
        return f"no local model extra is installed: pip install 'unigate[local]' or one of {extras}"

    def credentials(self, env: Mapping[str, str]) -> Mapping[str, str]:
        return {}


__all__ = ["LocalProvider"]
