"""The `unigate` command: serve, worker, run, models, keys, migrate."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

app = typer.Typer(
    help="unigate: one gateway for every AI provider.", no_args_is_help=True, add_completion=False
)
keys_app = typer.Typer(help="Manage API keys.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")


@app.command()
def serve(
    host: Annotated[Optional[str], typer.Option(help="Bind address (UNIGATE_HOST)")] = None,  # noqa: UP045
    port: Annotated[Optional[int], typer.Option(help="Port (UNIGATE_PORT)")] = None,  # noqa: UP045
    workers: Annotated[
        bool, typer.Option("--workers/--no-workers", help="Run job workers in-process")
    ] = True,
    log_level: Annotated[str, typer.Option(help="uvicorn log level")] = "warning",
) -> None:
    """Start the HTTP server (embedded default: SQLite, in-process workers, local files)."""
    import uvicorn

    from unigate.api.app import create_app
    from unigate.gateway import Gateway
    from unigate.settings import get_settings

    settings = get_settings()
    gateway = Gateway(settings, run_workers=workers and settings.workers)
    bind_host = host or settings.host
    bind_port = port or settings.port
    print(f"unigate listening on http://{bind_host}:{bind_port} (docs at /docs)", flush=True)
    uvicorn.run(
        create_app(gateway),
        host=bind_host,
        port=bind_port,
        log_level=log_level,
        loop="uvloop" if sys.platform != "win32" else "asyncio",
        http="httptools",
        access_log=False,
    )


QUEUE_NAMES = ("io", "cpu", "gpu")


@app.command()
def worker(
    queue: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Option("--queue", "-q", help="A queue to serve: io, cpu or gpu (repeat; default: all three)"),
    ] = None,
    concurrency: Annotated[
        Optional[int],  # noqa: UP045
        typer.Option(
            min=1,
            help="Jobs run at once per queue (default: UNIGATE_IO/CPU/GPU_CONCURRENCY)",
        ),
    ] = None,
    metrics_port: Annotated[
        Optional[int],  # noqa: UP045
        typer.Option(help="Serve this worker's Prometheus metrics at http://HOST:PORT/metrics"),
    ] = None,
    metrics_host: Annotated[str, typer.Option(help="Address for --metrics-port")] = "127.0.0.1",
) -> None:
    """Run job workers without the HTTP server (as many processes, on as many machines, as needed).

    Stops gracefully on SIGTERM or Ctrl-C: running jobs are handed back to the queue.
    """
    from unigate.settings import get_settings

    queues = list(dict.fromkeys(queue or QUEUE_NAMES))
    unknown = [q for q in queues if q not in QUEUE_NAMES]
    if unknown:
        raise typer.BadParameter(
            f"unknown queue {unknown[0]!r}: choose from io, cpu, gpu", param_hint="--queue"
        )
    settings = get_settings()
    defaults = {
        "io": settings.io_concurrency,
        "cpu": settings.cpu_concurrency,
        "gpu": settings.gpu_concurrency,
    }
    limits = {q: concurrency or defaults[q] for q in queues}
    metrics = (metrics_host, metrics_port) if metrics_port is not None else None
    asyncio.run(_run_worker(settings, limits, metrics))


async def _run_worker(settings: Any, limits: dict[str, int], metrics: tuple[str, int] | None) -> None:
    import signal

    from unigate.gateway import Gateway

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    gateway = Gateway(settings, run_workers=True, concurrency=limits)
    await gateway.start()
    if metrics is not None:
        from prometheus_client import start_http_server

        # A small server thread: outcomes, cost, latency and breakers of the jobs this process runs.
        start_http_server(metrics[1], metrics[0], registry=gateway.engine.metrics.registry)
    served = ", ".join(f"{q} ({n} at once)" for q, n in limits.items())
    typer.echo(f"unigate worker serving {served}", err=False)
    sys.stdout.flush()
    try:
        await stop.wait()
    finally:
        await gateway.aclose()
    typer.echo("unigate worker stopped")


@app.command()
def run(
    model: Annotated[str, typer.Argument(help="feature/subfeature/provider[/model]")],
    file: Annotated[Optional[Path], typer.Option(help="A local file for the `file` input")] = None,  # noqa: UP045
    text: Annotated[Optional[str], typer.Option(help="The `text` input")] = None,  # noqa: UP045
    input: Annotated[Optional[str], typer.Option("--input", help="The input as a JSON object")] = None,  # noqa: UP045
    set_: Annotated[
        list[str] | None,
        typer.Option("--set", help="key=value input field (value parsed as JSON if it can be)"),
    ] = None,
    show_original_response: Annotated[bool, typer.Option(help="Include the raw provider response")] = False,
) -> None:
    """Run a subfeature without a server and print the envelope as JSON."""
    from unigate.engine.errors import RequestError
    from unigate.gateway import Gateway

    data: dict[str, Any] = json.loads(input) if input else {}
    if file is not None:
        if not file.is_file():
            raise typer.BadParameter(f"{file} is not a file", param_hint="--file")
        data["file"] = str(file)
    if text is not None:
        data["text"] = text
    for item in set_ or []:
        key, sep, value = item.partition("=")
        if not sep:
            raise typer.BadParameter(f"{item!r} must be key=value", param_hint="--set")
        try:
            data[key] = json.loads(value)
        except json.JSONDecodeError:
            data[key] = value

    async def go() -> dict[str, Any]:
        async with Gateway() as gw:
            return await gw.arun(model, data, show_original_response=show_original_response)

    try:
        result = asyncio.run(go())
    except RequestError as exc:
        typer.echo(json.dumps({"detail": exc.detail}, indent=2), err=True)
        raise typer.Exit(2) from None
    typer.echo(json.dumps(result, indent=2, ensure_ascii=False))
    if result.get("status") == "fail":
        raise typer.Exit(1)


@app.command()
def models(
    local: Annotated[bool, typer.Option("--local", help="Only local models, with memory estimates")] = False,
    feature: Annotated[Optional[str], typer.Option(help="Only this feature")] = None,  # noqa: UP045
    as_json: Annotated[bool, typer.Option("--json", help="JSON output")] = False,
) -> None:
    """List every model string this installation can serve."""
    import os

    from unigate.catalog import all_subfeatures
    from unigate.providers.registry import default_registry
    from unigate.settings import get_settings

    registry = default_registry(tuple(get_settings().extra_providers))
    rows: list[dict[str, Any]] = []
    for sub in all_subfeatures():
        if feature and sub.feature != feature:
            continue
        for name in registry.providers_for(sub.key):
            if local and name != "local":
                continue
            offer = registry.offer(sub.key, name)
            assert offer is not None
            reason = registry.providers[name].unavailable_reason(os.environ)
            for m in offer.models:
                rows.append(
                    {
                        "model": f"{sub.key}/{name}/{m.name}",
                        "default": m.name == offer.default_model,
                        "mode": sub.mode,
                        "memory_mb": m.memory_mb,
                        "available": reason is None,
                        "unavailable_reason": reason,
                    }
                )
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    for r in rows:
        extra = " (default)" if r["default"] else ""
        mem = f"  ~{r['memory_mb']} MB" if local and r["memory_mb"] else ""
        avail = "" if r["available"] else f"  [unavailable: {r['unavailable_reason']}]"
        typer.echo(f"{r['model']}{extra}  {r['mode']}{mem}{avail}")


@app.command()
def migrate() -> None:
    """Apply database migrations now (servers also apply them at start)."""
    from unigate.db.database import Database
    from unigate.db.migrate import upgrade
    from unigate.settings import get_settings

    async def go() -> bool:
        settings = get_settings()
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        db = Database(settings.resolved_database_url)
        try:
            applied = await upgrade(db)
            if db.is_postgres:  # distributed mode: Procrastinate's tables and functions too
                from unigate.jobs.procrastinate_queue import apply_schema

                applied = await asyncio.to_thread(apply_schema, db) or applied
            return applied
        finally:
            await db.close()

    typer.echo("migrations applied" if asyncio.run(go()) else "schema already up to date")


def _with_keys(fn: Any) -> Any:
    from unigate.accounts.keys import KeyStore
    from unigate.db.database import Database
    from unigate.db.migrate import upgrade
    from unigate.settings import get_settings

    async def go() -> Any:
        settings = get_settings()
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        db = Database(settings.resolved_database_url)
        try:
            await upgrade(db)
            return await fn(KeyStore(db))
        finally:
            await db.close()

    return asyncio.run(go())


@keys_app.command("create")
def keys_create(
    name: Annotated[str, typer.Argument(help="A label for the key")],
    admin: Annotated[bool, typer.Option(help="Admin key")] = False,
) -> None:
    """Create a key and print its secret (shown only once)."""

    async def go(store: Any) -> Any:
        return await store.create(name, is_admin=admin)

    key, secret = _with_keys(go)
    typer.echo(f"id: {key.id}\nname: {key.name}\nadmin: {key.is_admin}\nkey: {secret}")


@keys_app.command("list")
def keys_list() -> None:
    """List keys (never their secrets)."""

    async def go(store: Any) -> Any:
        return await store.list()

    for key in _with_keys(go):
        if key.name == "__library__":
            continue
        state = "revoked" if key.revoked_at else "active"
        typer.echo(f"{key.id}  {key.prefix}…  {key.name}  {'admin' if key.is_admin else 'user'}  {state}")


@keys_app.command("revoke")
def keys_revoke(key_id: Annotated[str, typer.Argument(help="Key id or its displayed prefix")]) -> None:
    """Revoke a key."""

    async def go(store: Any) -> Any:
        return await store.revoke(key_id)

    if not _with_keys(go):
        typer.echo(f"no active key {key_id}", err=True)
        raise typer.Exit(1)
    typer.echo(f"revoked {key_id}")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
