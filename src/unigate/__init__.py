"""unigate: one gateway for every AI provider. The public library API is `Gateway`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__all__ = ["Gateway"]

if TYPE_CHECKING:
    from unigate.gateway import Gateway


def __getattr__(name: str) -> Any:
    # Imported lazily so `import unigate` (and the CLI) stays light.
    if name == "Gateway":
        from unigate.gateway import Gateway

        return Gateway
    raise AttributeError(name)
