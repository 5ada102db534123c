"""tamper-evident audit chain: hashes on audit_event, chain heads on plan, append-only trigger

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 02:45:00

Existing events are chained in id order by the same function the application uses.
On PostgreSQL a trigger refuses UPDATE, DELETE and TRUNCATE on audit_event.
"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

APPEND_ONLY = """
CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_event is append-only: % refused', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER audit_event_no_update_delete BEFORE UPDATE OR DELETE ON audit_event
  FOR EACH ROW EXECUTE FUNCTION audit_event_append_only();
CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event
  FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only();
"""


def _backfill():
    from scheduler.audit import GENESIS, event_hash

    events = sa.table(
        "audit_event",
        sa.column("id", sa.Integer),
        sa.column("at", sa.DateTime),
        sa.column("kind", sa.String),
        sa.column("actor", sa.String),
        sa.column("subject", sa.String),
        sa.column("payload", sa.JSON),
        sa.column("prev_hash", sa.String),
        sa.column("subject_prev_hash", sa.String),
        sa.column("hash", sa.String),
    )
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(
            events.c.id,
            events.c.at,
            events.c.kind,
            events.c.actor,
            events.c.subject,
            events.c.payload,
        ).order_by(events.c.id)
    ).all()
    head, heads = GENESIS, {}
    for row in rows:
        values = dict(row._mapping)
        values["subject"] = values["subject"] or ""
        values["payload"] = values["payload"] if values["payload"] is not None else {}
        values["prev_hash"] = head
        values["subject_prev_hash"] = heads.get(values["subject"], GENESIS)
        head = heads[values["subject"]] = event_hash(_Row(values))
        bind.execute(
            events.update()
            .where(events.c.id == row.id)
            .values(
                subject=values["subject"],
                payload=values["payload"],
                prev_hash=values["prev_hash"],
                subject_prev_hash=values["subject_prev_hash"],
                hash=head,
            )
        )


class _Row:
    def __init__(self, values):
        self.__dict__.update(values)


def upgrade():
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("prev_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("subject_prev_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("hash", sa.String(length=64), nullable=True))
    _backfill()
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.alter_column("prev_hash", existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column(
            "subject_prev_hash", existing_type=sa.String(length=64), nullable=False
        )
        batch_op.alter_column("hash", existing_type=sa.String(length=64), nullable=False)
        batch_op.create_index(batch_op.f("ix_audit_event_hash"), ["hash"], unique=False)
        batch_op.create_index("ix_audit_event_subject_id", ["subject", "id"], unique=False)

    with op.batch_alter_table("plan", schema=None) as batch_op:
        batch_op.add_column(sa.Column("frozen_chain_head", sa.String(length=64), nullable=True))
        batch_op.add_column(
            sa.Column("published_chain_head", sa.String(length=64), nullable=True)
        )

    if op.get_bind().dialect.name == "postgresql":
        op.execute(APPEND_ONLY)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_event_no_truncate ON audit_event")
        op.execute("DROP TRIGGER IF EXISTS audit_event_no_update_delete ON audit_event")
        op.execute("DROP FUNCTION IF EXISTS audit_event_append_only()")
    with op.batch_alter_table("plan", schema=None) as batch_op:
        batch_op.drop_column("published_chain_head")
        batch_op.drop_column("frozen_chain_head")
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_event_subject_id")
        batch_op.drop_index(batch_op.f("ix_audit_event_hash"))
        batch_op.drop_column("hash")
        batch_op.drop_column("subject_prev_hash")
        batch_op.drop_column("prev_hash")
