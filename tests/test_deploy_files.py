"""The deployment files (deploy/, docs/deployment.md) name only real commands and real settings.

Every `unigate …` invocation in compose.yaml, the Dockerfile, the systemd units and the guide's
code blocks must parse against the CLI (typer/click, without running it), and every UNIGATE_*
variable they mention must be a field of `Settings` (or one of the few provider/model variables
read outside it, each checked to exist in src/).
"""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import typer

from unigate.cli import QUEUE_NAMES, app
from unigate.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
GUIDE = ROOT / "docs" / "deployment.md"
UNITS = sorted((DEPLOY / "systemd").glob("*.service"))
# Read by providers or local models straight from the environment, not by Settings.
NOT_SETTINGS = {"UNIGATE_OPENAI_COMPATIBLE", "UNIGATE_LOCAL_THREADS", "UNIGATE_AWS_S3_BUCKET"}
# systemd instance names used to expand %i in the templates' ExecStart.
INSTANCES = {"unigate-api@.service": ["8000"], "unigate-worker@.service": list(QUEUE_NAMES)}
VAR = re.compile(r"\bUNIGATE_[A-Z0-9_]*[A-Z0-9]\b")


def _check_invocation(args: list[str], where: str) -> None:
    """Parse `unigate <args>` with the real CLI, as it would before calling the command (typer
    ships its own click: only the Command API is used, no click import)."""
    assert args, f"{where}: empty unigate command"
    group: Any = typer.main.get_command(app)
    ctx = group.make_context("unigate", list(args[:1]), resilient_parsing=False)
    cmd = group.get_command(ctx, args[0])
    assert cmd is not None, f"{where}: unknown command {args[0]!r} in `unigate {shlex.join(args)}`"
    try:
        sub = cmd.make_context(args[0], list(args[1:]), parent=ctx)
    except Exception as exc:  # click's UsageError / BadParameter (typer's vendored click)
        message = exc.format_message() if hasattr(exc, "format_message") else str(exc)
        raise AssertionError(f"{where}: `unigate {shlex.join(args)}` is invalid: {message}") from None
    if args[0] == "worker":  # validated in the command body: check here too
        for queue in sub.params.get("queue") or []:
            assert queue in QUEUE_NAMES, f"{where}: unknown queue {queue!r}"


def _compose() -> dict[str, Any]:
    text = (DEPLOY / "compose.yaml").read_text()
    try:
        import yaml
    except ImportError:  # PyYAML is not a declared dependency: fall back to the flow lists
        services: dict[str, Any] = {}
        for i, m in enumerate(re.finditer(r"^\s+command: (\[.*\])\s*$", text, re.M)):
            services[f"command-{i}"] = {"image": "unigate:local", "command": json.loads(m.group(1))}
        return {"services": services, "text": text}
    data = yaml.safe_load(text)
    data["text"] = text
    return data


def _unigate_services(compose: dict[str, Any]) -> dict[str, Any]:
    return {
        name: svc
        for name, svc in compose["services"].items()
        if str(svc.get("image", "")).startswith("unigate")
    }


def test_compose_runs_real_unigate_commands() -> None:
    compose = _compose()
    services = _unigate_services(compose)
    assert services, "no unigate service in compose.yaml"
    commands = {name: svc["command"] for name, svc in services.items() if "command" in svc}
    for name, command in commands.items():
        assert isinstance(command, list), f"{name}: use the exec form (a list)"
        _check_invocation([str(c) for c in command], f"compose.yaml service {name}")
    flat = [" ".join(map(str, c)) for c in commands.values()]
    assert "migrate" in flat
    assert any(c.startswith("serve") and "--no-workers" in c for c in flat)
    assert any(c.startswith("worker") and "--queue io" in c for c in flat)
    assert any(c.startswith("worker") and "--queue cpu" in c for c in flat)


def test_compose_structure() -> None:
    pytest.importorskip("yaml", reason="PyYAML not installed: compose structure not checked")
    compose = _compose()
    services = compose["services"]
    assert {"postgres", "migrate", "api", "worker-io", "worker-cpu"} <= set(services)
    assert services["api"]["deploy"]["replicas"] == 2
    for name, svc in services.items():
        for dep in svc.get("depends_on") or []:
            assert dep in services, f"{name} depends on unknown service {dep}"
    # Servers and workers start only once the schema is migrated.
    for name in ("api", "worker-io", "worker-cpu"):
        assert services[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
        env = services[name]["environment"]
        assert env["UNIGATE_DATABASE_URL"].startswith("postgresql+psycopg://")
        assert env["UNIGATE_STORAGE_URL"].startswith("s3://")
        assert env["UNIGATE_WEBHOOK_KEY_FILE"]


def test_dockerfile_entrypoint_and_extras() -> None:
    text = (DEPLOY / "Dockerfile").read_text()
    entry = json.loads(re.search(r"^ENTRYPOINT (\[.*\])$", text, re.M).group(1))  # type: ignore[union-attr]
    cmd = json.loads(re.search(r"^CMD (\[.*\])$", text, re.M).group(1))  # type: ignore[union-attr]
    assert entry == ["unigate"]
    _check_invocation(cmd, "Dockerfile CMD")
    extras = re.search(r"^ARG EXTRAS=(\S+)$", text, re.M).group(1).split(",")  # type: ignore[union-attr]
    pyproject = (ROOT / "pyproject.toml").read_text()
    for extra in extras:
        assert re.search(rf"^{re.escape(extra)} = \[", pyproject, re.M), f"no extra {extra!r} in pyproject"
    assert "postgres" in extras and "s3" in extras


@pytest.mark.parametrize("unit", UNITS, ids=lambda p: p.name)
def test_systemd_units_run_real_commands(unit: Path) -> None:
    text = unit.read_text()
    assert "[Service]" in text and "[Unit]" in text
    execs = re.findall(r"^ExecStart=(.+)$", text, re.M)
    assert len(execs) == 1, f"{unit.name}: one ExecStart"
    argv = shlex.split(execs[0])
    assert Path(argv[0]).name == "unigate", f"{unit.name}: ExecStart must run unigate"
    for instance in INSTANCES.get(unit.name, [""]):
        args = [a.replace("%i", instance) for a in argv[1:]]
        _check_invocation(args, f"{unit.name} (instance {instance!r})")
    for env_file in re.findall(r"^EnvironmentFile=-?(.+)$", text, re.M):
        assert env_file.endswith("unigate.env")


def test_systemd_unit_set() -> None:
    assert {u.name for u in UNITS} == {
        "unigate-api@.service",
        "unigate-worker@.service",
        "unigate-migrate.service",
    }


def _guide_commands() -> list[list[str]]:
    commands = []
    for block in re.findall(r"```[a-z]*\n(.*?)```", GUIDE.read_text(), re.S):
        for line in block.splitlines():
            line = line.split(" #", 1)[0].strip()
            line = re.sub(r"^\$ ", "", line)
            m = re.match(r"^(?:[A-Z_]+=\S+ )*unigate (.+)$", line)
            if m and "<" not in m.group(1) and "|" not in m.group(1):
                commands.append(shlex.split(m.group(1)))
    return commands


def test_guide_commands_are_valid() -> None:
    commands = _guide_commands()
    assert len(commands) >= 4, "the guide should show the commands it describes"
    for args in commands:
        _check_invocation(args, "docs/deployment.md")


def _files_naming_variables() -> list[Path]:
    return [*sorted(p for p in DEPLOY.rglob("*") if p.is_file()), GUIDE]


def test_every_unigate_variable_is_a_setting() -> None:
    fields = {f"UNIGATE_{name.upper()}" for name in Settings.model_fields}
    src = "\n".join(p.read_text() for p in (ROOT / "src" / "unigate").rglob("*.py"))
    for name in NOT_SETTINGS:
        assert name in src, f"{name} is not read anywhere in src/"
    seen: set[str] = set()
    for path in _files_naming_variables():
        for name in VAR.findall(path.read_text()):
            seen.add(name)
            assert name in fields or name in NOT_SETTINGS, (
                f"{path.relative_to(ROOT)} names {name}, which is not a setting (src/unigate/settings.py)"
            )
    # The ones a distributed deployment cannot do without are all mentioned.
    assert {
        "UNIGATE_DATABASE_URL",
        "UNIGATE_STORAGE_URL",
        "UNIGATE_SECRET_KEY",
        "UNIGATE_WEBHOOK_KEY_FILE",
        "UNIGATE_PUBLIC_URL",
    } <= seen


def test_env_example_assignments_are_settings() -> None:
    fields = {f"UNIGATE_{name.upper()}" for name in Settings.model_fields}
    for line in (DEPLOY / "unigate.env.example").read_text().splitlines():
        m = re.match(r"^#?(UNIGATE_[A-Z0-9_]+)=", line)
        if m:
            assert m.group(1) in fields, m.group(1)
