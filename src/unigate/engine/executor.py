"""The engine: validate → resolve provider and model → call with a deadline → normalize → price.

One engine serves the sync endpoint, the job workers and library users.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import logging
import os
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache, partial
from typing import TYPE_CHECKING, Any, Literal, Protocol, TypeVar, get_args, get_origin

from pydantic import BaseModel, ValidationError

from unigate.catalog import Subfeature, get_subfeature
from unigate.catalog.common import file_fields
from unigate.catalog.modelstring import ModelRef, ModelStringError, parse_fallback, parse_model_string
from unigate.catalog.registry import all_subfeatures
from unigate.engine.breaker import Breakers, CircuitOpen
from unigate.engine.errors import NotFound, RequestError
from unigate.engine.metrics import Metrics
from unigate.engine.pricing import ZERO, format_cost, price_usage
from unigate.engine.retry import Phase, RetryPolicy, may_retry
from unigate.engine.suggest import did_you_mean
from unigate.engine.timeouts import CallTimeouts, TimeoutOverrides, call_limits
from unigate.providers.base import (
    Artifact,
    CallContext,
    Constraints,
    Launched,
    LoadedFile,
    ModelSpec,
    Offer,
    Provider,
    ProviderResult,
)
from unigate.providers.errors import (
    ProviderBadResponse,
    ProviderError,
    ProviderTimeout,
    ProviderUnavailable,
    UnsupportedFormat,
)
from unigate.providers.registry import ProviderRegistry

if TYPE_CHECKING:
    import aiohttp

log = logging.getLogger(__name__)
T = TypeVar("T")

MAX_FALLBACKS = 3
_AVAILABILITY_TTL_S = 5.0
# (base64 field, resource URL field) pairs of the canonical outputs.
_INLINE_MEDIA = (
    ("audio", "audio_resource_url"),
    ("image", "image_resource_url"),
    ("image_b64", "image_resource_url"),
    ("file", "document_resource_url"),
)
LANGUAGE_FIELDS = ("language", "source_language", "target_language")


@dataclass(frozen=True, slots=True)
class FileMeta:
    id: str
    name: str
    size: int
    mime: str
    page_count: int | None
    duration_s: float | None = None


class FileAccess(Protocol):
    """What the engine needs from the file layer."""

    async def meta(self, owner_id: str, file_id: str) -> FileMeta | None: ...

    async def load(self, owner_id: str, file_id: str) -> LoadedFile: ...

    async def check_url(self, url: str) -> None: ...  # raises UrlRefused

    async def fetch(self, url: str) -> LoadedFile: ...  # raises FetchError / UrlRefused

    async def publish(self, owner_id: str, artifact: Artifact) -> str: ...  # stored; its signed URL


@dataclass(frozen=True, slots=True)
class Route:
    provider: Provider
    offer: Offer
    model: ModelSpec

    @property
    def constraints(self) -> Constraints:
        return self.offer.constraints_for(self.model)


@dataclass(slots=True)
class Prepared:
    sub: Subfeature
    input: BaseModel
    input_data: dict[str, Any]  # the validated input, JSON-able, as persisted in jobs
    routes: list[Route]
    provider_params: dict[str, Any]
    show_original_response: bool
    requested_model: str | None
    output_model: type[BaseModel]


@dataclass(slots=True)
class Outcome:
    """The end of a call: everything the envelope needs besides ids and times."""

    status: str  # success | fail
    provider: str
    model: str | None
    output: dict[str, Any] | None = None
    original_response: Any = None
    error: dict[str, Any] | None = None
    cost: Decimal = ZERO
    usage: dict[str, Any] = field(default_factory=dict)

    @property
    def cost_str(self) -> str:
        return format_cost(self.cost)


@dataclass(slots=True)
class Deferred:
    """A provider-side job was launched or is still running: poll again after `retry_after`."""

    route_index: int
    provider_job_id: str
    state: dict[str, Any]
    retry_after: float


class Engine:
    def __init__(
        self,
        registry: ProviderRegistry,
        files: FileAccess,
        *,
        env: Mapping[str, str] | None = None,
        cpu_workers: int | None = None,
        allowed_local_models: Sequence[str] | None = None,
        http_factory: Callable[[], aiohttp.ClientSession] | None = None,
        retry: RetryPolicy | None = None,
        breakers: Breakers | None = None,
        call_timeouts: TimeoutOverrides | None = None,
    ) -> None:
        self.registry = registry
        self.files = files
        self.env: Mapping[str, str] = env if env is not None else os.environ
        self._cpu_workers = cpu_workers or os.cpu_count() or 1
        self._pool: ThreadPoolExecutor | None = None
        self._allowed_local = set(allowed_local_models) if allowed_local_models is not None else None
        self._http_factory = http_factory or _shared_http_session
        self._availability: dict[str, tuple[float, str | None]] = {}
        self.retry = retry or RetryPolicy()
        self.breakers = breakers or Breakers()
        self.metrics = Metrics(self.breakers)
        self.call_timeouts: TimeoutOverrides = call_timeouts or {}
        self._limits_source: TimeoutOverrides = self.call_timeouts
        self._limits: dict[tuple[str, str, str, str], CallTimeouts] = {}
        self.sleep: Callable[[float], Awaitable[None]] = asyncio.sleep  # tests record backoffs here

    # ------------------------------------------------------------------ preparation

    def resolve_subfeature(self, model: str) -> tuple[ModelRef, Subfeature]:
        try:
            ref = parse_model_string(model)
        except ModelStringError as exc:
            raise RequestError.field(("body", "model"), str(exc), "invalid_model_string") from None
        sub = get_subfeature(ref.feature, ref.subfeature)
        if sub is None:
            keys = [s.key for s in all_subfeatures()]
            raise RequestError.field(
                ("body", "model"),
                f"unknown subfeature {ref.feature}/{ref.subfeature}"
                + did_you_mean(f"{ref.feature}/{ref.subfeature}", keys),
                "unknown_subfeature",
            )
        return ref, sub

    def _route(self, sub: Subfeature, ref: ModelRef, loc: tuple[str | int, ...]) -> Route:
        offer = self.registry.offer(sub.key, ref.provider)
        if offer is None:
            choices = self.registry.providers_for(sub.key)
            hint = did_you_mean(ref.provider, choices) if choices else "; no provider serves it yet"
            raise RequestError.field(
                loc, f"provider {ref.provider!r} does not serve {sub.key}{hint}", "unknown_provider"
            )
        spec = offer.model(ref.model)
        if spec is None:
            names = [m.name for m in offer.models]
            raise RequestError.field(
                loc,
                f"unknown model {ref.model!r} for {sub.key}/{ref.provider}"
                + did_you_mean(ref.model or "", names),
                "unknown_model",
            )
        if (
            ref.provider == "local"
            and self._allowed_local is not None
            and spec.name not in self._allowed_local
        ):
            raise RequestError.field(
                loc,
                f"local model {spec.name!r} is not enabled on this server (UNIGATE_LOCAL_MODELS)",
                "model_not_enabled",
            )
        return Route(self.registry.providers[ref.provider], offer, spec)

    async def prepare(
        self,
        *,
        model: str,
        input: Mapping[str, Any],
        owner_id: str,
        provider_params: Mapping[str, Any] | None = None,
        fallbacks: Sequence[str] = (),
        show_original_response: bool = False,
        asynchronous: bool = False,
    ) -> Prepared:
        ref, sub = self.resolve_subfeature(model)
        if sub.mode == "async" and not asynchronous:
            raise RequestError(
                400,
                f"{sub.key} runs as an async job: POST it to /v3/universal-ai/async and poll "
                "GET /v3/universal-ai/async/{public_id}",
                error_code="async_only",
            )
        if len(fallbacks) > MAX_FALLBACKS:
            raise RequestError.field(("body", "fallbacks"), f"at most {MAX_FALLBACKS} fallbacks", "too_many")
        try:
            validated = sub.input_model.model_validate(dict(input))
        except ValidationError as exc:
            raise RequestError(422, _validation_detail(exc, ("body", "input")), "invalid_input") from None
        routes = [self._route(sub, ref, ("body", "model"))]
        for i, fb in enumerate(fallbacks):
            try:
                fb_ref = parse_fallback(fb, sub.feature, sub.name)
            except ModelStringError as exc:
                raise RequestError.field(("body", "fallbacks", i), str(exc), "invalid_fallback") from None
            routes.append(self._route(sub, fb_ref, ("body", "fallbacks", i)))
        input_data = validated.model_dump(mode="json")
        routes = await self._check_constraints(sub, validated, input_data, routes, owner_id)
        return Prepared(
            sub=sub,
            input=validated,
            input_data=input_data,
            routes=routes,
            provider_params=dict(provider_params or {}),
            show_original_response=show_original_response,
            requested_model=ref.model,
            output_model=_output_model(sub, input_data),
        )

    async def _check_constraints(
        self,
        sub: Subfeature,
        validated: BaseModel,
        data: dict[str, Any],
        routes: list[Route],
        owner_id: str,
    ) -> list[Route]:
        """Drop routes whose constraints the input breaks; if none is left, refuse the request."""
        metas: dict[str, FileMeta | None] = {}
        for name, ref in _file_refs(validated, data):
            if ref.startswith(("http://", "https://")):
                try:
                    await self.files.check_url(ref)
                except Exception as exc:  # UrlRefused
                    raise RequestError.field(("body", "input", name), str(exc), "url_refused") from None
                metas[name] = None  # known only once fetched
            elif ref.startswith(("file://", "/")) or "://" in ref:
                raise RequestError.field(
                    ("body", "input", name),
                    f"{ref!r} is neither an uploaded file id nor an http(s) URL",
                    "invalid_file_reference",
                )
            else:
                meta = await self.files.meta(owner_id, ref)
                if meta is None:
                    raise NotFound(f"file {ref!r}")
                metas[name] = meta
        first_error: RequestError | None = None
        kept: list[Route] = []
        for route in routes:
            error = _constraint_error(route, data, metas)
            if error is None:
                kept.append(route)
            elif first_error is None:
                first_error = error
        if not kept:
            assert first_error is not None
            raise first_error
        return kept

    # ------------------------------------------------------------------ execution

    def _context(
        self,
        route: Route,
        prepared_params: Mapping[str, Any],
        owner_id: str,
        deadline: float,
        job_state: dict[str, Any] | None,
        launch_token: str | None = None,
    ) -> CallContext:
        constraints = route.constraints

        async def resolve(ref: str) -> LoadedFile:
            if ref.startswith(("http://", "https://")):
                try:
                    loaded = await self.files.fetch(ref)
                except Exception as exc:
                    raise UnsupportedFormat(f"could not fetch {ref}: {exc}") from None
            else:
                loaded = await self.files.load(owner_id, ref)
            problem = _file_problem(
                constraints, loaded.mime, loaded.size, loaded.page_count, loaded.duration_s
            )
            if problem:
                raise UnsupportedFormat(problem)
            return loaded

        return CallContext(
            provider=route.provider.name,
            model=route.model.name,
            deadline=deadline,
            credentials=route.provider.credentials(self.env),
            provider_params=prepared_params,
            files=resolve,
            http_factory=self._http_factory,
            run_blocking=self.run_blocking,
            job_state=job_state if job_state is not None else {},
            launch_token=launch_token,
        )

    def _unavailable(self, route: Route) -> str | None:
        """Why a route cannot serve, re-checked at most every few seconds (it reads the environment)."""
        now = time.monotonic()
        key = f"{route.provider.name} {route.offer.subfeature}"
        hit = self._availability.get(key)
        if hit is None or hit[0] < now:
            reason = route.provider.unavailable_reason(self.env)
            if reason is None and route.offer.unavailable_reason is not None:
                reason = route.offer.unavailable_reason(self.env)
            hit = (now + _AVAILABILITY_TTL_S, reason)
            self._availability[key] = hit
        return hit[1]

    async def run_blocking(self, fn: Callable[..., Any], *args: Any) -> Any:
        """Run CPU-bound work (local models) in a pool sized to the cores, off the event loop."""
        if self._pool is None:
            self._pool = ThreadPoolExecutor(self._cpu_workers, thread_name_prefix="unigate-cpu")
        return await asyncio.get_running_loop().run_in_executor(self._pool, partial(fn, *args))

    async def execute(
        self,
        prepared: Prepared,
        owner_id: str,
        *,
        timeout_s: float,
        start_index: int = 0,
        provider_job_id: str | None = None,
        provider_state: dict[str, Any] | None = None,
        inline_poll: bool = True,
        job_id: str | None = None,
    ) -> Outcome | Deferred:
        """Try each route in turn (primary, then fallbacks) until one succeeds.

        With `inline_poll=False` a provider-side async job returns `Deferred` after launch or a
        pending poll, so that the caller (the job runner) re-polls later as a new short job.
        """
        started = time.monotonic()
        result = await self._execute(
            prepared, owner_id, started + timeout_s, start_index, provider_job_id, provider_state,
            inline_poll, job_id,
        )  # fmt: skip
        if isinstance(result, Outcome):
            self.metrics.observe(
                prepared.sub.key, result.provider, result.status, result.cost, time.monotonic() - started
            )
        return result

    async def _execute(
        self,
        prepared: Prepared,
        owner_id: str,
        deadline: float,
        start_index: int,
        provider_job_id: str | None,
        provider_state: dict[str, Any] | None,
        inline_poll: bool,
        job_id: str | None,
    ) -> Outcome | Deferred:
        last: Outcome | None = None
        for index in range(start_index, len(prepared.routes)):
            route = prepared.routes[index]
            resume_id = provider_job_id if index == start_index else None
            resume_state = provider_state if index == start_index else None
            try:
                token = f"{job_id}-{index}" if job_id else None  # one per job and route
                result = await self._call(
                    prepared, route, owner_id, deadline, resume_id, resume_state, inline_poll, token
                )
            except ProviderError as exc:
                last = _failure(route, exc)
                log.info(
                    "provider %s failed for %s: %s", route.provider.name, prepared.sub.key, exc.error_code
                )
                continue
            if isinstance(result, Deferred):
                result.route_index = index
                return result
            try:
                return await self._success(prepared, route, result, owner_id)
            except ProviderBadResponse as exc:
                last = _failure(route, exc)
                continue
        assert last is not None
        return last

    async def _call(
        self,
        prepared: Prepared,
        route: Route,
        owner_id: str,
        deadline: float,
        provider_job_id: str | None,
        provider_state: dict[str, Any] | None,
        inline_poll: bool,
        launch_token: str | None = None,
    ) -> ProviderResult | Deferred:
        reason = self._unavailable(route)
        if reason:
            raise ProviderUnavailable(reason)
        ctx = self._context(route, prepared.provider_params, owner_id, deadline, provider_state, launch_token)
        offer = route.offer
        inp = prepared.input
        if offer.run is not None:
            # No outer timeout here: every attempt runs under its own, never past `deadline`, and a
            # backoff that would end past it is not slept (see _attempts). It saves a timer per call.
            run = offer.run
            return await self._attempts(route, "run", ctx, deadline, lambda: run(inp, ctx))
        try:
            async with asyncio.timeout(max(0.001, deadline - time.monotonic())):
                assert offer.launch is not None and offer.poll is not None
                launch, poll = offer.launch, offer.poll
                job_id = provider_job_id
                if job_id is None:
                    launched: Launched = await self._attempts(
                        route, "launch", ctx, deadline, lambda: launch(inp, ctx)
                    )
                    job_id = launched.provider_job_id
                    ctx.job_state = launched.state
                    if not inline_poll:
                        return Deferred(0, job_id, launched.state, launched.retry_after)
                    await asyncio.sleep(launched.retry_after)
                while True:
                    polled = await self._attempts(route, "poll", ctx, deadline, partial(poll, job_id, ctx))
                    if isinstance(polled, ProviderResult):
                        return polled
                    if polled.state is not None:
                        ctx.job_state = polled.state
                    if not inline_poll:
                        return Deferred(0, job_id, ctx.job_state, polled.retry_after)
                    await asyncio.sleep(polled.retry_after)
        except TimeoutError:
            raise ProviderTimeout(f"{route.provider.name} did not answer within the deadline") from None

    def _call_limits(self, route: Route) -> CallTimeouts:
        """`call_limits` for a route, computed once per route and overrides mapping (a pure function
        of both; resolving it walks five override keys per limit, measurable on microsecond calls)."""
        if self._limits_source is not self.call_timeouts:  # replaced since: forget what was cached
            self._limits_source, self._limits = self.call_timeouts, {}
        key = (route.offer.subfeature, route.provider.name, route.model.name, route.offer.compute)
        limits = self._limits.get(key)
        if limits is None:
            limits = self._limits[key] = call_limits(
                self.call_timeouts,
                route.offer.subfeature,
                route.provider.name,
                route.model.name,
                local=route.offer.compute != "io",
            )
        return limits

    async def _attempts(
        self, route: Route, phase: Phase, ctx: CallContext, deadline: float, fn: Callable[[], Awaitable[T]]
    ) -> T:
        """One provider call through its circuit breaker, with its own timeout, retried while the
        failure is transient, safe to repeat (see retry.py) and the deadline leaves room."""
        circuit = self.breakers.get(route.provider.name, route.model.name)
        limits = self._call_limits(route)
        attempt = 0
        last: ProviderError | None = None
        while True:
            attempt += 1
            try:
                circuit.before_call()  # CircuitOpen: no call, the caller moves on to the fallbacks
            except CircuitOpen:
                if last is not None:  # our own failures opened it: report what the vendor did
                    raise last from None
                raise
            budget = limits.total
            ctx.deadline = deadline if budget is None else min(deadline, time.monotonic() + budget)
            ctx.connect_timeout, ctx.read_timeout = limits.connect, limits.read
            try:
                try:
                    async with asyncio.timeout(max(0.001, ctx.remaining())):
                        result = await fn()
                except TimeoutError:
                    raise ProviderTimeout(
                        f"{route.provider.name} did not answer within the deadline"
                    ) from None
                except (ProviderError, asyncio.CancelledError):
                    raise
                except Exception as exc:  # an adapter bug must end as a failure, never a 500
                    log.exception("provider %s raised", route.provider.name)
                    raise ProviderError(f"{route.provider.name} failed: {type(exc).__name__}: {exc}") from exc
            except asyncio.CancelledError:
                circuit.abandon()
                raise
            except ProviderError as exc:
                last = exc
                if exc.transient:
                    circuit.record(False)
                else:
                    circuit.abandon()  # the vendor answered; our input or setup was wrong
                if attempt >= self.retry.max_attempts or not may_retry(exc, phase):
                    raise
                delay = self.retry.backoff(attempt, exc.retry_after)
                if time.monotonic() + delay >= deadline:
                    raise  # no room left for another try: let a fallback use the rest
                log.info(
                    "retrying %s %s after %s in %.2f s (attempt %d)",
                    route.provider.name,
                    phase,
                    exc.error_code,
                    delay,
                    attempt + 1,
                )
                await self.sleep(delay)
                continue
            circuit.record(True)
            return result

    async def _success(
        self, prepared: Prepared, route: Route, result: ProviderResult, owner_id: str
    ) -> Outcome:
        raw_output = result.output
        data = raw_output.model_dump(mode="json") if isinstance(raw_output, BaseModel) else dict(raw_output)
        try:
            output = prepared.output_model.model_validate(data).model_dump(mode="json")
        except ValidationError as exc:
            log.error(
                "provider %s returned a malformed %s output: %s", route.provider.name, prepared.sub.key, exc
            )
            raise ProviderBadResponse(
                f"{route.provider.name} returned an output that does not match {prepared.sub.key}: "
                f"{exc.error_count()} problems, first: {exc.errors()[0]['msg']}"
            ) from None
        for path, artifact in result.artifacts.items():
            _set_path(output, path, await self.files.publish(owner_id, artifact))
        if _may_carry_media(prepared.output_model):
            await self._publish_inline_media(output, owner_id)
        cost = price_usage(route.model.prices, result.usage)
        return Outcome(
            status="success",
            provider=route.provider.name,
            model=route.model.name,
            output=output,
            original_response=result.raw if prepared.show_original_response else None,
            cost=cost,
            usage={k: str(v) for k, v in result.usage.items()},
        )

    async def _publish_inline_media(self, node: Any, owner_id: str) -> None:
        """Outputs carry produced media as base64 beside an empty `*_resource_url` (the reference's
        shape): store each such file for the caller and fill in its signed URL, whoever served it."""
        if isinstance(node, list):
            for item in node:
                await self._publish_inline_media(item, owner_id)
            return
        if not isinstance(node, dict):
            return
        for data_key, url_key in _INLINE_MEDIA:
            encoded = node.get(data_key)
            if url_key in node and not node[url_key] and isinstance(encoded, str) and encoded:
                try:
                    data = base64.b64decode(encoded, validate=True)
                except (binascii.Error, ValueError):
                    continue
                node[url_key] = await self.files.publish(
                    owner_id, Artifact(data, "application/octet-stream", data_key)
                )
        for value in node.values():
            if isinstance(value, (list, dict)):
                await self._publish_inline_media(value, owner_id)

    async def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None


# ---------------------------------------------------------------------- helpers


def _set_path(data: dict[str, Any], path: str, value: Any) -> None:
    """Set `value` at a dotted path ("items.0.image_resource_url") of a JSON-like dict."""
    *parents, last = path.split(".")
    node: Any = data
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    if isinstance(node, list):
        node[int(last)] = value
    elif last in node:
        node[last] = value
    else:
        raise ProviderBadResponse(f"artifact path {path!r} is not a field of the output")


def _file_refs(validated: BaseModel, data: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(field, reference) for every file input, single or list-valued."""
    refs: list[tuple[str, str]] = []
    for name in file_fields(type(validated)):
        value = data.get(name)
        if isinstance(value, str):
            refs.append((name, value))
        elif isinstance(value, list):
            refs += [(name, v) for v in value if isinstance(v, str)]
    return refs


def _failure(route: Route, exc: ProviderError) -> Outcome:
    error: dict[str, Any] = {"message": exc.message, "error_code": exc.error_code}
    if exc.retry_after is not None:
        error["retry_after"] = exc.retry_after
    return Outcome(status="fail", provider=route.provider.name, model=route.model.name, error=error)


@cache
def _may_carry_media(model: type[BaseModel]) -> bool:
    """Whether a validated, dumped output of `model` can hold one of the `*_resource_url` fields that
    `_publish_inline_media` fills: a field of that name anywhere in the model's nested models, or a
    field whose type is open (Any, dict, an unknown class) or a model that allows extra keys. The
    walk of every output of every call is skipped for the (most) outputs that cannot."""
    urls = {url for _, url in _INLINE_MEDIA}
    seen: set[type[BaseModel]] = set()

    def open_type(tp: Any) -> bool:
        origin = get_origin(tp)
        if origin is None:
            if isinstance(tp, type) and issubclass(tp, BaseModel):
                return visit(tp)
            closed = tp is type(None) or (isinstance(tp, type) and issubclass(tp, (str, int, float, bool)))
            return not closed  # Any, dict, or a class the walk cannot see into
        if origin is Literal:
            return False
        if origin is dict or origin is Mapping:
            return True
        return any(open_type(arg) for arg in get_args(tp) if arg is not Ellipsis)

    def visit(m: type[BaseModel]) -> bool:
        if m in seen:
            return False
        seen.add(m)
        if m.model_config.get("extra") == "allow":
            return True
        for name, info in m.model_fields.items():
            if name in urls or info.alias in urls or info.serialization_alias in urls:
                return True
            if open_type(info.annotation):
                return True
        return False

    return visit(model)


def _output_model(sub: Subfeature, data: Mapping[str, Any]) -> type[BaseModel]:
    phase = data.get("phase")
    if sub.phases and isinstance(phase, str) and phase in sub.phases:
        return sub.phases[phase][1]
    return sub.output_model


def _validation_detail(exc: ValidationError, prefix: tuple[str, ...]) -> list[dict[str, Any]]:
    return [
        {"loc": [*prefix, *err["loc"]], "msg": err["msg"], "type": err["type"]}
        for err in exc.errors(include_url=False, include_context=False, include_input=False)
    ]


def _language_ok(value: str, allowed: frozenset[str]) -> bool:
    base = value.replace("_", "-").split("-")[0].lower()
    return value in allowed or value.lower() in allowed or base in allowed


def _constraint_error(
    route: Route, data: Mapping[str, Any], metas: Mapping[str, FileMeta | None]
) -> RequestError | None:
    c = route.constraints
    who = f"{route.offer.subfeature}/{route.provider.name}/{route.model.name}"
    if c.languages is not None:
        for name in LANGUAGE_FIELDS:
            value = data.get(name)
            if isinstance(value, str) and value and not _language_ok(value, c.languages):
                return RequestError.field(
                    ("body", "input", name),
                    f"{who} does not support language {value!r}; supported: {', '.join(sorted(c.languages))}",
                    "unsupported_language",
                )
    if c.max_text_chars is not None:
        text = data.get("text")
        if isinstance(text, str) and len(text) > c.max_text_chars:
            return RequestError.field(
                ("body", "input", "text"),
                f"{who} accepts at most {c.max_text_chars} characters, got {len(text)}",
                "text_too_long",
            )
    if c.max_items is not None:
        texts = data.get("texts")
        if isinstance(texts, list) and len(texts) > c.max_items:
            return RequestError.field(
                ("body", "input", "texts"),
                f"{who} accepts at most {c.max_items} texts, got {len(texts)}",
                "too_many",
            )
    for name, meta in metas.items():
        if meta is None:
            continue
        problem = _file_problem(c, meta.mime, meta.size, meta.page_count, meta.duration_s)
        if problem:
            status = 415 if problem.startswith("unsupported file type") else 422
            return RequestError.field(
                ("body", "input", name), f"{who}: {problem}", "unsupported_file", status
            )
    return None


def _file_problem(
    c: Constraints, mime: str, size: int, pages: int | None, duration_s: float | None = None
) -> str | None:
    if c.mime_types is not None and mime not in c.mime_types:
        return f"unsupported file type {mime}; accepted: {', '.join(sorted(c.mime_types))}"
    if c.max_file_bytes is not None and size > c.max_file_bytes:
        return f"file of {size} bytes is larger than the {c.max_file_bytes} bytes accepted"
    if c.max_pages is not None and pages is not None and pages > c.max_pages:
        return f"document of {pages} pages is longer than the {c.max_pages} pages accepted"
    if c.max_duration_s is not None and duration_s is not None and duration_s > c.max_duration_s:
        return f"media of {duration_s:.1f} s is longer than the {c.max_duration_s:g} s accepted"
    return None


_session: aiohttp.ClientSession | None = None


def _shared_http_session() -> aiohttp.ClientSession:
    """One aiohttp session per process for outbound provider calls (pooling, DNS cache)."""
    global _session
    if _session is None or _session.closed:
        import aiohttp

        _session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=0, ttl_dns_cache=300),
            timeout=aiohttp.ClientTimeout(total=None, sock_connect=10),
        )
    return _session


async def close_shared_http_session() -> None:
    global _session
    if _session is not None and not _session.closed:
        await _session.close()
    _session = None
