"""Settings from the environment (`UNIGATE_*`), via pydantic-settings."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="UNIGATE_", env_file=None, extra="ignore")

    data_dir: Path = Field(Path(".unigate"), description="Where the embedded database and files live.")
    database_url: str | None = Field(
        None, description="SQLAlchemy URL; default sqlite+aiosqlite:///<data_dir>/unigate.db (WAL mode)."
    )
    storage_url: str | None = Field(None, description="Where uploaded files live; default <data_dir>/files.")
    host: str = "127.0.0.1"
    port: int = 8000
    workers: bool = Field(True, description="Run job workers inside the server process.")
    fast_lane: bool = Field(True, description="Serve the hot endpoints straight from ASGI (api/fastlane.py).")
    admin_key: str | None = Field(None, description="An admin API key to create at start if missing.")

    public_url: str | None = Field(
        None,
        description="Base URL clients reach this server at (for resource URLs); default http://host:port.",
    )
    secret_key: str | None = Field(
        None, description="Hex secret signing resource URLs; default: created in <data_dir>/secret.key."
    )
    resource_url_ttl_s: int = Field(7 * 86_400, description="How long a signed resource URL stays valid.")

    # Requests and files
    max_upload_bytes: int = 100 * 1024 * 1024
    max_request_bytes: int = 10 * 1024 * 1024
    default_timeout_s: float = 60.0
    async_timeout_s: float = 30 * 60.0
    url_fetch_max_bytes: int = 100 * 1024 * 1024
    url_fetch_timeout_s: float = 30.0
    url_allow: list[str] = Field(
        default_factory=list,
        description="Hosts or CIDR networks URL inputs may reach despite the SSRF guard (tests only).",
    )

    # Jobs
    job_lease_s: float = 30.0
    job_heartbeat_s: float = 10.0
    job_poll_interval_s: float = Field(
        0.2,
        gt=0,
        description="How often an idle worker looks for due jobs (a job submitted to another "
        "process waits at most this long; in-process submissions wake the worker at once).",
    )
    io_concurrency: int = 200
    cpu_concurrency: int = Field(default_factory=lambda: os.cpu_count() or 1)
    gpu_concurrency: int = Field(1, description="Jobs of the `gpu` queue run at once per worker process.")
    storage_access_key_id: str | None = Field(
        None,
        description="S3 storage's own access key id (with UNIGATE_STORAGE_SECRET_ACCESS_KEY); "
        "unset: botocore's default chain, shared with the amazon provider.",
    )
    storage_secret_access_key: SecretStr | None = None
    webhook_key_file: Path | None = Field(
        None,
        description="RSA private key (PEM) that signs webhooks; created on first use when missing. "
        "Default: webhook_key.pem in the data folder. Every process of a distributed deployment "
        "must use the same file (mount it), or signatures will not verify against /v3/webhooks/public-key.",
    )
    job_max_attempts: int = 3
    jobs_page_size_max: int = 100

    extra_providers: list[str] = Field(
        default_factory=list,
        description="Providers to load by import path ('package.module:Attr'), besides entry points.",
    )

    # Local models
    local_models: list[str] | None = Field(
        None, description="Local model names allowed to load (None: all installed ones)."
    )

    # Reliability (engine/retry.py, engine/timeouts.py, engine/breaker.py)
    retry_max_attempts: int = Field(3, ge=1, description="Calls per route for transient failures.")
    retry_base_s: float = Field(0.25, description="First backoff step; doubles per attempt (full jitter).")
    retry_max_backoff_s: float = Field(8.0, description="Cap of one backoff wait (Retry-After may exceed).")
    call_timeouts_s: dict[str, float | dict[str, float]] = Field(
        default_factory=dict,
        description="Per-call timeouts (connect, read, total), JSON keyed by "
        "feature/subfeature/provider/model, feature/subfeature/provider, provider, feature/subfeature, "
        'feature or "*"; a number is the total: {"openai": {"connect": 3, "read": 30}, '
        '"audio/text_to_speech": 90, "text/embeddings/openai": {"read": 5}}; defaults by modality.',
    )
    breaker_enabled: bool = True
    breaker_failure_threshold: int = Field(5, description="Transient failures in the window that open it.")
    breaker_failure_rate: float | None = Field(None, description="Or this failure ratio (0-1) in the window.")
    breaker_min_calls: int = Field(10, description="Calls in the window before the ratio counts.")
    breaker_window_s: float = 60.0
    breaker_cooldown_s: float = Field(30.0, description="Open time before one probe call goes through.")

    # Idempotency-Key and the result cache (api/idempotency.py, engine/cache.py)
    idempotency_ttl_s: float = Field(86_400.0, description="How long an Idempotency-Key is remembered.")
    cache_ttl_s: float = Field(3600.0, description="How long a cached result (X-Unigate-Cache: true) lives.")
    cache_key_ids: list[str] | None = Field(
        None, description="API key ids allowed to use the result cache (None: every key may opt in)."
    )
    cache_shared: bool = Field(False, description="Share cached results across API keys.")

    @field_validator("call_timeouts_s")
    @classmethod
    def _check_call_timeouts(
        cls, value: dict[str, float | dict[str, float]]
    ) -> dict[str, float | dict[str, float]]:
        from unigate.engine.timeouts import check_overrides

        return check_overrides(value)

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{self.data_dir / 'unigate.db'}"

    @property
    def resolved_storage_url(self) -> str:
        return self.storage_url or str(self.data_dir / "files")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
