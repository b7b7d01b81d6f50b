"""Clients, sessions, recordings and results.

Revision ID: 0001
Revises:
Create Date: 2025-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "clients",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("created_utc", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_clients")),
        sa.UniqueConstraint("code", name=op.f("uq_clients_code")),
    )
    op.create_table(
        "sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=64), nullable=False),
        sa.Column("held_at", sa.DateTime(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("created_utc", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["clients.id"],
            name=op.f("fk_sessions_client_id_clients"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sessions")),
        sa.UniqueConstraint("client_id", "label", name=op.f("uq_sessions_client_id")),
    )
    op.create_index(op.f("ix_sessions_client_id"), "sessions", ["client_id"])
    op.create_table(
        "recordings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("protocol", sa.String(length=100), nullable=False),
        sa.Column("side", sa.String(length=10), nullable=False),
        sa.Column("video_sha256", sa.String(length=64), nullable=False),
        sa.Column("video_name", sa.Text(), nullable=False),
        sa.Column("video_stored", sa.Boolean(), nullable=False),
        sa.Column("video_ext", sa.String(length=16), nullable=False),
        sa.Column("model_variant", sa.String(length=32), nullable=False),
        sa.Column("model_sha256", sa.String(length=64), nullable=False),
        sa.Column("mediapipe_version", sa.String(length=32), nullable=False),
        sa.Column("rom_version", sa.String(length=32), nullable=False),
        sa.Column("settings", sa.JSON(), nullable=False),
        sa.Column("settings_sha256", sa.String(length=64), nullable=False),
        sa.Column("view", sa.String(length=32), nullable=False),
        sa.Column("n_frames", sa.Integer(), nullable=False),
        sa.Column("duration_s", sa.Float(), nullable=True),
        sa.Column("fps", sa.Float(), nullable=True),
        sa.Column("detected_fraction", sa.Float(), nullable=False),
        sa.Column("complete", sa.Boolean(), nullable=False),
        sa.Column("problem", sa.Text(), nullable=False),
        sa.Column("warnings", sa.JSON(), nullable=False),
        sa.Column("series_sha256", sa.String(length=64), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.Column("created_utc", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["sessions.id"],
            name=op.f("fk_recordings_session_id_sessions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recordings")),
        sa.UniqueConstraint(
            "session_id",
            "video_sha256",
            "settings_sha256",
            name=op.f("uq_recordings_session_id"),
        ),
    )
    op.create_index(op.f("ix_recordings_session_id"), "recordings", ["session_id"])
    op.create_table(
        "results",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recording_id", sa.Integer(), nullable=False),
        sa.Column("measure", sa.String(length=100), nullable=False),
        sa.Column("side", sa.String(length=10), nullable=False),
        sa.Column("direction", sa.String(length=20), nullable=False),
        sa.Column("label", sa.String(length=100), nullable=False),
        sa.Column("column", sa.String(length=100), nullable=False),
        sa.Column("estimate", sa.String(length=10), nullable=False),
        sa.Column("value_deg", sa.Float(), nullable=True),
        sa.Column("uncertainty_deg", sa.Float(), nullable=True),
        sa.Column("value_time_s", sa.Float(), nullable=True),
        sa.Column("normal_deg", sa.Float(), nullable=True),
        sa.Column("percent_of_normal", sa.Float(), nullable=True),
        sa.Column("norm_source", sa.Text(), nullable=False),
        sa.Column("rep_peaks_deg", sa.JSON(), nullable=False),
        sa.Column("rep_times_s", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("flags", sa.JSON(), nullable=False),
        sa.Column("warnings", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["recording_id"],
            ["recordings.id"],
            name=op.f("fk_results_recording_id_recordings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_results")),
        sa.UniqueConstraint(
            "recording_id", "measure", "side", "direction", name=op.f("uq_results_recording_id")
        ),
    )
    op.create_index(op.f("ix_results_recording_id"), "results", ["recording_id"])


def downgrade() -> None:
    op.drop_table("results")
    op.drop_table("recordings")
    op.drop_table("sessions")
    op.drop_table("clients")
