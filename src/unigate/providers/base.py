"""The provider plugin interface.

A provider declares, per subfeature, an `Offer`: its models, default model, constraints and prices,
and either `run` (one call) or `launch` + `poll` (a provider-side async job). Adapters receive a
validated input model and a `CallContext` and return a `ProviderResult` with the normalized output,
the raw response and the billable units consumed. They never compute money and know nothing of
HTTP serving, jobs, accounts or the database.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol, TypeVar, runtime_checkable

from pydantic import BaseModel

if TYPE_CHECKING:
    import aiohttp

T = TypeVar("T")

# Billable units. Quantities are reported in these units; prices are per `per` of them. The usual
# ones are "request", "char", "page", "second", "token_in", "token_out", "image", "text"; a unit
# may carry a variant after a colon when the price depends on it ("image:1024x1024:hd").
Unit = str


@dataclass(frozen=True, slots=True)
class Price:
    """`amount` (USD) per `per` units, billed in steps of `step` units (rounded up)."""

    unit: Unit
    amount: Decimal
    per: int = 1
    step: int = 1
    min_units: int = 0
    note: str = ""


@dataclass(frozen=True, slots=True)
class Constraints:
    """Limits enforced before the provider is called (422 / 415 on violation). None = no limit."""

    languages: frozenset[str] | None = None
    mime_types: frozenset[str] | None = None
    max_file_bytes: int | None = None
    max_duration_s: float | None = None
    max_pages: int | None = None
    max_text_chars: int | None = None
    max_items: int | None = None


@dataclass(frozen=True, slots=True)
class ModelSpec:
    name: str
    prices: tuple[Price, ...] = ()
    constraints: Constraints | None = None  # overrides the offer's constraints when set
    memory_mb: int | None = None  # approximate resident memory once loaded (local models)
    description: str = ""


@dataclass(frozen=True, slots=True)
class LoadedFile:
    """A file input resolved from an upload id or a URL."""

    data: bytes
    mime: str
    name: str
    path: Path | None = None  # a local path when the bytes also live on disk
    page_count: int | None = None
    duration_s: float | None = None  # audio/video length, when its header says

    @property
    def size(self) -> int:
        return len(self.data)


class FileResolver(Protocol):
    async def __call__(self, ref: str) -> LoadedFile: ...


@dataclass(frozen=True, slots=True)
class Artifact:
    """A file the provider produced (audio, image, document) that the gateway stores and serves."""

    data: bytes
    mime: str
    name: str = "output"


@dataclass(slots=True)
class ProviderResult:
    output: BaseModel | Mapping[str, Any]
    raw: Any = None
    usage: Mapping[str, Decimal | int | float] = field(default_factory=dict)
    # Output path ("audio_resource_url", "items.0.image_resource_url") -> produced file. The engine
    # stores each one for the caller and writes its signed, expiring download URL at that path.
    artifacts: Mapping[str, Artifact] = field(default_factory=dict)


@dataclass(slots=True)
class Launched:
    """A provider-side job was started; `state` is persisted with the job and given back to `poll`."""

    provider_job_id: str
    retry_after: float = 2.0
    state: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class Pending:
    retry_after: float = 2.0
    state: dict[str, Any] | None = None  # replaces the persisted state when set


Compute = Literal["io", "cpu", "gpu"]


@dataclass(slots=True)
class CallContext:
    provider: str
    model: str
    deadline: float  # time.monotonic() value after which the call is abandoned
    credentials: Mapping[str, str]
    provider_params: Mapping[str, Any]
    files: FileResolver
    http_factory: Callable[[], aiohttp.ClientSession]
    run_blocking: Callable[..., Awaitable[Any]]
    job_state: dict[str, Any] = field(default_factory=dict)
    # Socket limits of this attempt (engine/timeouts.py), seconds; None: the session's own.
    connect_timeout: float | None = None  # opening the connection
    read_timeout: float | None = None  # longest silence while awaiting or reading the answer
    # Stable per async job and route (None for sync calls): adapters send it as the vendor's
    # idempotency token (Textract's ClientRequestToken...), so a launch repeated after a crash
    # between the vendor's answer and our commit finds the job already launched.
    launch_token: str | None = None

    @property
    def http(self) -> aiohttp.ClientSession:
        return self.http_factory()

    def client_timeout(self) -> aiohttp.ClientTimeout | None:
        """The attempt's connect/read limits for `session.request(..., timeout=...)`; the total is
        the caller's `asyncio.timeout(ctx.remaining())`. None when neither is set."""
        if self.connect_timeout is None and self.read_timeout is None:
            return None
        import aiohttp

        return aiohttp.ClientTimeout(
            total=None, sock_connect=self.connect_timeout or 10.0, sock_read=self.read_timeout
        )

    def remaining(self) -> float:
        return max(0.0, self.deadline - time.monotonic())


RunFn = Callable[[Any, CallContext], Awaitable[ProviderResult]]
LaunchFn = Callable[[Any, CallContext], Awaitable[Launched]]
PollFn = Callable[[str, CallContext], Awaitable["Pending | ProviderResult"]]


@dataclass(frozen=True)
class Offer:
    """What one provider serves for one subfeature (`feature/subfeature`)."""

    subfeature: str
    models: tuple[ModelSpec, ...]
    default_model: str
    constraints: Constraints = Constraints()
    run: RunFn | None = None
    launch: LaunchFn | None = None
    poll: PollFn | None = None
    compute: Compute = "io"
    notes: str = ""
    # Per-offer availability, for vendors configured per service (an Azure endpoint + key per API):
    # returns why this offer cannot serve here, or None. The provider-level check comes first.
    unavailable_reason: Callable[[Mapping[str, str]], str | None] | None = None

    def __post_init__(self) -> None:
        if (self.run is None) == (self.launch is None):
            raise ValueError(f"offer {self.subfeature}: give exactly one of run or launch+poll")
        if self.launch is not None and self.poll is None:
            raise ValueError(f"offer {self.subfeature}: launch needs poll")
        if self.default_model not in {m.name for m in self.models}:
            raise ValueError(f"offer {self.subfeature}: default model {self.default_model} not in models")

    def model(self, name: str | None) -> ModelSpec | None:
        wanted = name or self.default_model
        for m in self.models:
            if m.name == wanted:
                return m
        return None

    def constraints_for(self, model: ModelSpec) -> Constraints:
        return model.constraints or self.constraints


@runtime_checkable
class Provider(Protocol):
    """A provider plugin. Registered through the `unigate.providers` entry point group."""

    name: str
    display_name: str

    def offers(self) -> Sequence[Offer]: ...

    def unavailable_reason(self, env: Mapping[str, str]) -> str | None:
        """Why the provider cannot serve here (missing credentials, extra not installed), or None."""
        ...

    def credentials(self, env: Mapping[str, str]) -> Mapping[str, str]: ...
