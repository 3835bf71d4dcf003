"""Memory under load: leak or plateau? Loads one server for several rounds (bench/load.py's
clients and latency provider) and, after each round, records the server's RSS, the Python heap as
tracemalloc sees it, RSS again after `malloc_trim(0)` (what the C allocator kept but does not use),
and the biggest tracemalloc growths since the end of the first round. Not part of pytest.

    .venv/bin/python -m bench.memory_growth [--rounds 6] [--seconds 20] [--clients 1000] [--frames 1]
    .venv/bin/python -m bench.memory_growth --no-trace   # RSS only, without tracemalloc's overhead

The server runs in a child process (`--child`) with a thread that takes a snapshot whenever the
driver drops a request file in the snapshot folder, so no signal or endpoint is added to the server.
"""

from __future__ import annotations

import argparse
import asyncio
import ctypes
import gc
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
from pathlib import Path
from typing import Any

from bench.load import KEY, Stats, _wait_ready, client, drain
from bench.procstats import free_port, rss_mb

ROOT = Path(__file__).resolve().parents[1]


# ---------------------------------------------------------------------- in the server process


def _rss_split() -> dict[str, float]:
    """Anonymous (heaps) vs file-backed (mapped libraries, SQLite's -shm) resident memory."""
    out: dict[str, float] = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("RssAnon", "RssFile", "RssShmem"):
            out[name.lower() + "_mb"] = round(int(value.split()[0]) / 1024, 1)
    return out


def _sqlite_memory_mb() -> float | None:
    """`sqlite3_memory_used()`: page caches, schemas, statements of every connection (C heap,
    invisible to tracemalloc)."""
    import sqlite3

    for lib in (sqlite3.__file__, "libsqlite3.so.0"):
        try:
            fn = ctypes.CDLL(lib).sqlite3_memory_used
        except (OSError, AttributeError):
            continue
        fn.restype = ctypes.c_int64
        return round(fn() / 2**20, 2)
    return None


def _pymalloc() -> dict[str, float]:
    """Python's small-object allocator (pymalloc): arenas held, their total size and the bytes in
    use in them; held but unused space is fragmentation, not live objects."""
    with tempfile.TemporaryFile() as tmp:
        saved = os.dup(2)
        try:
            os.dup2(tmp.fileno(), 2)
            sys._debugmallocstats()
        finally:
            os.dup2(saved, 2)
            os.close(saved)
        tmp.seek(0)
        text = tmp.read().decode(errors="replace")
    out: dict[str, float] = {}
    for line in text.splitlines():
        name, _, value = line.partition("=")
        value = value.strip().replace(",", "")
        if name.startswith("# arenas allocated current"):
            out["pymalloc_arenas"] = int(value)
        elif name.startswith("# bytes in allocated blocks"):
            out["pymalloc_used_mb"] = round(int(value) / 2**20, 1)
        elif name.startswith("Total") and "pymalloc_total_mb" not in out:
            out["pymalloc_total_mb"] = round(int(value) / 2**20, 1)
    return out


def _watch(snapdir: Path, trace: bool) -> None:
    """Serve snapshot requests: `<n>.req` -> `<n>.json` (numbers) and `<n>.dump` (tracemalloc)."""
    libc = ctypes.CDLL("libc.so.6") if sys.platform.startswith("linux") else None
    done: set[str] = set()
    while True:
        for req in sorted(snapdir.glob("*.req")):
            if req.stem in done:
                continue
            done.add(req.stem)
            gc.collect()
            info: dict[str, Any] = {"rss_mb": rss_mb(os.getpid()), **_rss_split()}
            info["gc_objects"] = len(gc.get_objects())
            info["sqlite_mb"] = _sqlite_memory_mb()
            info.update(_pymalloc())
            if trace:
                current, peak = tracemalloc.get_traced_memory()
                info["traced_mb"] = round(current / 2**20, 2)
                info["traced_peak_mb"] = round(peak / 2**20, 2)
                tracemalloc.take_snapshot().dump(str(snapdir / f"{req.stem}.dump"))
            if libc is not None:
                libc.malloc_trim(0)
                info["rss_after_trim_mb"] = rss_mb(os.getpid())
            (snapdir / f"{req.stem}.json").write_text(json.dumps(info))
        time.sleep(0.1)


def child(port: int, snapdir: Path, frames: int) -> None:
    if frames:
        tracemalloc.start(frames)
    threading.Thread(target=_watch, args=(snapdir, frames > 0), daemon=True).start()
    from unigate.cli import app

    app(["serve", "--host", "127.0.0.1", "--port", str(port)])


# ---------------------------------------------------------------------- the driver


async def _snapshot(snapdir: Path, name: str, proc: subprocess.Popen[bytes]) -> dict[str, Any]:
    (snapdir / f"{name}.req").touch()
    out = snapdir / f"{name}.json"
    while not out.exists():
        if proc.poll() is not None:
            raise SystemExit("server exited")
        await asyncio.sleep(0.1)
    await asyncio.sleep(0.05)
    info: dict[str, Any] = json.loads(out.read_text())
    return info


def _top(snapdir: Path, old: str, new: str, key: str, limit: int = 15) -> list[str]:
    a = tracemalloc.Snapshot.load(str(snapdir / f"{old}.dump"))
    b = tracemalloc.Snapshot.load(str(snapdir / f"{new}.dump"))
    filters = [tracemalloc.Filter(False, tracemalloc.__file__)]
    a, b = a.filter_traces(filters), b.filter_traces(filters)
    lines = []
    for stat in b.compare_to(a, key)[:limit]:
        where = (
            stat.traceback.format()[-1].strip()
            if key == "lineno"
            else " <- ".join(f.strip() for f in stat.traceback.format()[::-2][:6])
        )
        lines.append(f"{stat.size_diff / 1024:+9.1f} KiB {stat.count_diff:+8d} blocks  {where}")
    return lines


async def drive(args: argparse.Namespace) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    data_dir = Path(tempfile.mkdtemp(prefix="unigate-mem-"))
    snapdir = data_dir / "snaps"
    snapdir.mkdir()
    frames = 0 if args.no_trace else args.frames
    env = {
        **os.environ,
        "UNIGATE_DATA_DIR": str(data_dir),
        "UNIGATE_ADMIN_KEY": KEY,
        "UNIGATE_EXTRA_PROVIDERS": '["bench.latency_provider:LatencyProvider"]',
        "PYTHONPATH": str(ROOT),
    }
    log = open(data_dir / "server.log", "wb")  # noqa: SIM115 - closed in finally
    cmd = [sys.executable, "-m", "bench.memory_growth", "--child", str(port), str(snapdir), str(frames)]
    proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=log)
    rounds: list[dict[str, Any]] = []
    stats = Stats()
    diffs: dict[str, list[str]] = {}
    try:
        await _wait_ready(base, proc)
        await asyncio.sleep(1.0)
        rounds.append({"round": 0, **await _snapshot(snapdir, "r0", proc)})
        print(json.dumps(rounds[-1]), flush=True)
        for n in range(1, args.rounds + 1):
            before = sum(stats.done.values())
            stop = time.monotonic() + args.seconds
            await asyncio.gather(*(client(i, base, stop, stats) for i in range(args.clients)))
            drained = await drain(base)
            info = await _snapshot(snapdir, f"r{n}", proc)
            db = sum(p.stat().st_size for p in data_dir.glob("unigate.db*"))
            rounds.append(
                {
                    "round": n,
                    "requests": sum(stats.done.values()) - before,
                    **info,
                    "db_mb": round(db / 2**20, 1),
                    "still_processing": drained["still_processing"],
                }
            )
            print(json.dumps(rounds[-1]), flush=True)
        if frames and args.rounds >= 2:
            last = f"r{args.rounds}"
            diffs["r1_to_last_by_line"] = _top(snapdir, "r1", last, "lineno")
            if frames > 1:
                diffs["r1_to_last_by_traceback"] = _top(snapdir, "r1", last, "traceback", 8)
            diffs["r0_to_r1_by_line"] = _top(snapdir, "r0", "r1", "lineno")
    finally:
        proc.terminate()
        proc.wait(15)
        log.close()
        shutil.rmtree(data_dir, ignore_errors=True)
    result = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "cpus": os.cpu_count(),
        "clients": args.clients,
        "seconds_per_round": args.seconds,
        "tracemalloc_frames": frames,
        "transport_errors": stats.transport_errors,
        "server_errors_5xx": stats.server_errors,
        "rounds": rounds,
        "diffs": diffs,
    }
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / f"memory-{int(time.time())}.json").write_text(json.dumps(result, indent=2))
    for name, lines in diffs.items():
        print(f"\n{name}:")
        print("\n".join(lines))


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(int(sys.argv[2]), Path(sys.argv[3]), int(sys.argv[4]))
        return
    ap = argparse.ArgumentParser()
    ap.add_argument("--clients", type=int, default=1000)
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--rounds", type=int, default=6)
    ap.add_argument("--frames", type=int, default=1, help="tracemalloc frames per allocation")
    ap.add_argument("--no-trace", action="store_true", help="RSS only (no tracemalloc overhead)")
    asyncio.run(drive(ap.parse_args()))


if __name__ == "__main__":
    main()
