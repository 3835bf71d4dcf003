"""The local provider's tests run real inference on CPU (nothing is downloaded); they build their
own inputs. Helpers live in `_support.py`; this exposes the CallContext factory as a fixture."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from unigate.providers.base import CallContext

from ._support import make_ctx


@pytest.fixture(scope="session")
def ctx_factory() -> Callable[..., CallContext]:
    return make_ctx
