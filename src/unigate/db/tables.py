"""The tables. Times are UNIX epoch floats: cheap to compare in the queue's claim query."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

api_keys = Table(
    "api_keys",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("prefix", String(16), nullable=False),  # shown in listings; the key itself is never stored
    Column("key_hash", String(64), nullable=False, unique=True),
    Column("is_admin", Boolean, nullable=False, default=False),
    Column("created_at", Float, nullable=False),
    Column("revoked_at", Float, nullable=True),
)

files = Table(
    "files",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("owner_key_id", String(32), ForeignKey("api_keys.id"), nullable=False),
    Column("name", String(500), nullable=False),
    Column("size", Integer, nullable=False),
    Column("mime", String(200), nullable=False),
    Column("purpose", String(100), nullable=False),
    Column("storage_key", String(200), nullable=False),
    Column("page_count", Integer, nullable=True),
    Column("created_at", Float, nullable=False),
    Column("expires_at", Float, nullable=False),
    Column("duration_s", Float, nullable=True),
    Index("ix_files_owner_created", "owner_key_id", "created_at"),
    Index("ix_files_expires", "expires_at"),
)

jobs = Table(
    "jobs",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("owner_key_id", String(32), ForeignKey("api_keys.id"), nullable=False),
    Column("feature", String(50), nullable=False),
    Column("subfeature", String(100), nullable=False),
    Column("provider", String(100), nullable=False),  # requested, then the one that served
    Column("model", String(300), nullable=True),
    Column("request", JSON, nullable=False),  # input, provider_params, fallbacks, show_original_response
    # Public status: processing | success | fail. `state` drives the queue: queued | running | done.
    Column("status", String(20), nullable=False),
    Column("state", String(20), nullable=False),
    Column("queue", String(20), nullable=False),
    Column("run_at", Float, nullable=False),
    Column("lease_owner", String(64), nullable=True),
    Column("lease_until", Float, nullable=True),
    Column("attempts", Integer, nullable=False, default=0),
    Column("cancel_requested", Boolean, nullable=False, default=False),
    Column("provider_job_id", String(500), nullable=True),
    Column("provider_state", JSON, nullable=True),
    Column("output", JSON, nullable=True),
    Column("original_response", JSON, nullable=True),
    Column("error", JSON, nullable=True),
    Column("cost", String(40), nullable=False),
    Column("webhook_receiver", Text, nullable=True),
    Column("user_webhook_parameters", JSON, nullable=True),
    Column("created_at", Float, nullable=False),
    Column("started_at", Float, nullable=True),
    Column("finished_at", Float, nullable=True),
    # Webhook delivery: pending -> delivered | failed; the sender claims due rows with a lease.
    Column("webhook_status", String(20), nullable=True),
    Column("webhook_attempts", Integer, nullable=False, default=0, server_default="0"),
    Column("webhook_next_at", Float, nullable=True),
    Index("ix_jobs_claim", "queue", "state", "run_at"),
    Index("ix_jobs_lease", "state", "lease_until"),
    Index("ix_jobs_owner_created", "owner_key_id", "created_at"),
    Index("ix_jobs_webhook_due", "webhook_status", "webhook_next_at"),
)

webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("job_id", String(36), ForeignKey("jobs.id"), nullable=False),
    Column("attempt", Integer, nullable=False),
    Column("at", Float, nullable=False),
    Column("status_code", Integer, nullable=True),
    Column("error", Text, nullable=True),
    Column("duration_ms", Float, nullable=False),
    Index("ix_webhook_deliveries_job", "job_id", "attempt"),
)

# Idempotency-Key of POST /v3/universal-ai[/async], per API key: the first request claims the key
# (insert-first, so concurrent duplicates cannot both run); its answer or job id is kept until
# expires_at.
idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("owner_key_id", String(32), ForeignKey("api_keys.id"), primary_key=True),
    Column("key", String(255), primary_key=True),
    Column("request_hash", String(64), nullable=False),  # sha256 of endpoint + canonical JSON body
    Column("status", String(20), nullable=False),  # processing | done
    Column("response_status", Integer, nullable=True),
    Column("response", JSON, nullable=True),  # the sync envelope
    Column("job_id", String(36), nullable=True),  # the async job
    Column("created_at", Float, nullable=False),
    Column("expires_at", Float, nullable=False),
    Index("ix_idempotency_keys_expires", "expires_at"),
)
