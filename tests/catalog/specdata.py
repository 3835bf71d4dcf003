"""What the spec folder says the catalogue must contain (computed, never hard-coded)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

SPEC = Path(__file__).parents[2] / "spec"

JOB_SUFFIXES = ("__launch_job", "__get_job_result", "__get_results_from_webhook")

# Parameters that never appear in `input`: they come from the model string, the request envelope
# or the server's configuration.
NOT_INPUT = frozenset(
    {
        "model",
        "provider_params",
        "file_url",
        "timeout",
        "api_key",
        "base_url",
        "api_version",
        "model_list",
        "deployment_id",
        "extra_headers",
        "drop_invalid_params",
    }
)
# Accepted as aliases of a file field rather than as fields of their own.
FILE_ALIASES = frozenset({"file1_url", "file2_url", "files_url"})
# Dropped on purpose: derived from the file (audio_attributes), Python-SDK only (text_format) or
# transport settings of the reference client (extra_query, extra_body, custom_llm_provider).
DROPPED = frozenset({"audio_attributes", "text_format", "extra_query", "extra_body", "custom_llm_provider"})


@dataclass
class ExpectedSubfeature:
    feature: str
    name: str
    mode: str = "sync"
    # user-facing params of the subfeature (no phases) or of each named phase
    params: list[str] = field(default_factory=list)
    phases: dict[str, list[str]] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return f"{self.feature}/{self.name}"


def load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def _user_params(entry: dict[str, Any]) -> list[str]:
    return [p["name"] for p in entry["params"] if p["name"] not in NOT_INPUT | FILE_ALIASES | DROPPED]


@cache
def expected_subfeatures() -> dict[str, ExpectedSubfeature]:
    """Base subfeatures of inputs.json, minus the `a`-prefixed copies of existing ones."""
    inputs: dict[str, Any] = load(SPEC / "inputs.json")
    grouped: dict[tuple[str, str], dict[str, dict[str, Any]]] = {}
    for key, entry in inputs.items():
        feature, rest = key.split("/", 1)
        name, _, phase = rest.partition("__")
        grouped.setdefault((feature, name), {})[phase] = entry
    result: dict[str, ExpectedSubfeature] = {}
    for (feature, name), phases in grouped.items():
        if name.startswith("a") and (feature, name[1:]) in grouped:
            continue  # an async-def copy of `name[1:]`
        sub = ExpectedSubfeature(feature, name)
        if any(p.endswith("launch_job") for p in phases) or name.endswith("_async"):
            sub.mode = "async"
        for phase, entry in phases.items():
            if phase in ("", "launch_job"):
                sub.params = _user_params(entry)
                continue
            named = phase
            for suffix in JOB_SUFFIXES:
                named = named.removesuffix(suffix)
            if named in ("get_job_result", "get_results_from_webhook"):
                continue  # provider-internal half of a job
            if phase.endswith(("__get_job_result", "__get_results_from_webhook")):
                sub.phases.setdefault(named, [])
                continue
            sub.phases[named] = _user_params(entry)
        result[sub.key] = sub
    return result


def sample_files() -> list[Path]:
    return sorted((SPEC / "outputs").glob("*/*.json"))
