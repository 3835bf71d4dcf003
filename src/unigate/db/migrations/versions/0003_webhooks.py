"""Webhook delivery state on jobs, and one row per delivery attempt.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        batch.add_column(sa.Column("webhook_status", sa.String(20), nullable=True))
        batch.add_column(sa.Column("webhook_attempts", sa.Integer, nullable=False, server_default="0"))
        batch.add_column(sa.Column("webhook_next_at", sa.Float, nullable=True))
    op.create_index("ix_jobs_webhook_due", "jobs", ["webhook_status", "webhook_next_at"])
    op.create_table(
        "webhook_deliveries",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("job_id", sa.String(36), nullable=False),
        sa.Column("attempt", sa.Integer, nullable=False),
        sa.Column("at", sa.Float, nullable=False),
        sa.Column("status_code", sa.Integer, nullable=True),
        sa.Column("error", sa.Text, nullable=True),
        sa.Column("duration_ms", sa.Float, nullable=False),
        sa.ForeignKeyConstraint(["job_id"], ["jobs.id"], name="fk_webhook_deliveries_job_id_jobs"),
    )
    op.create_index("ix_webhook_deliveries_job", "webhook_deliveries", ["job_id", "attempt"])


def downgrade() -> None:
    op.drop_table("webhook_deliveries")
    op.drop_index("ix_jobs_webhook_due", "jobs")
    with op.batch_alter_table("jobs") as batch:
        batch.drop_column("webhook_next_at")
        batch.drop_column("webhook_attempts")
        batch.drop_column("webhook_status")
