"""schedule fitted at the match: plan_match_input.schedule_npz, end reason schedule_repair

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 03:10:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

BEFORE = ("recusal_officer", "recusal_entity", "unavailable")
AFTER = (*BEFORE, "schedule_repair")


def _end_reasons(values):
    return "end_reason IS NULL OR end_reason IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def upgrade():
    with op.batch_alter_table("plan_match_input") as batch:
        batch.add_column(sa.Column("schedule_npz", sa.LargeBinary(), nullable=True))
    with op.batch_alter_table("assignment") as batch:
        batch.drop_constraint(op.f("ck_assignment_end_reason_enum"), type_="check")
        batch.create_check_constraint("end_reason_enum", _end_reasons(AFTER))


def downgrade():
    with op.batch_alter_table("assignment") as batch:
        batch.drop_constraint(op.f("ck_assignment_end_reason_enum"), type_="check")
        batch.create_check_constraint("end_reason_enum", _end_reasons(BEFORE))
    with op.batch_alter_table("plan_match_input") as batch:
        batch.drop_column("schedule_npz")
