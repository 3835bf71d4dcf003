"""Initial tables: api_keys, files, jobs.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "api_keys",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("prefix", sa.String(16), nullable=False),
        sa.Column("key_hash", sa.String(64), nullable=False),
        sa.Column("is_admin", sa.Boolean, nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("revoked_at", sa.Float, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_api_keys"),
        sa.UniqueConstraint("key_hash", name="uq_api_keys_key_hash"),
    )
    op.create_table(
        "files",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("owner_key_id", sa.String(32), nullable=False),
        sa.Column("name", sa.String(500), nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("mime", sa.String(200), nullable=False),
        sa.Column("purpose", sa.String(100), nullable=False),
        sa.Column("storage_key", sa.String(200), nullable=False),
        sa.Column("page_count", sa.Integer, nullable=True),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("expires_at", sa.Float, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_files"),
        sa.ForeignKeyConstraint(["owner_key_id"], ["api_keys.id"], name="fk_files_owner_key_id_api_keys"),
    )
    op.create_index("ix_files_owner_created", "files", ["owner_key_id", "created_at"])
    op.create_index("ix_files_expires", "files", ["expires_at"])
    op.create_table(
        "jobs",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("owner_key_id", sa.String(32), nullable=False),
        sa.Column("feature", sa.String(50), nullable=False),
        sa.Column("subfeature", sa.String(100), nullable=False),
        sa.Column("provider", sa.String(100), nullable=False),
        sa.Column("model", sa.String(300), nullable=True),
        sa.Column("request", sa.JSON, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("queue", sa.String(20), nullable=False),
        sa.Column("run_at", sa.Float, nullable=False),
        sa.Column("lease_owner", sa.String(64), nullable=True),
        sa.Column("lease_until", sa.Float, nullable=True),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("cancel_requested", sa.Boolean, nullable=False),
        sa.Column("provider_job_id", sa.String(500), nullable=True),
        sa.Column("provider_state", sa.JSON, nullable=True),
        sa.Column("output", sa.JSON, nullable=True),
        sa.Column("original_response", sa.JSON, nullable=True),
        sa.Column("error", sa.JSON, nullable=True),
        sa.Column("cost", sa.String(40), nullable=False),
        sa.Column("webhook_receiver", sa.Text, nullable=True),
        sa.Column("user_webhook_parameters", sa.JSON, nullable=True),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("started_at", sa.Float, nullable=True),
        sa.Column("finished_at", sa.Float, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_jobs"),
        sa.ForeignKeyConstraint(["owner_key_id"], ["api_keys.id"], name="fk_jobs_owner_key_id_api_keys"),
    )
    op.create_index("ix_jobs_claim", "jobs", ["queue", "state", "run_at"])
    op.create_index("ix_jobs_lease", "jobs", ["state", "lease_until"])
    op.create_index("ix_jobs_owner_created", "jobs", ["owner_key_id", "created_at"])


def downgrade() -> None:
    op.drop_table("jobs")
    op.drop_table("files")
    op.drop_table("api_keys")
