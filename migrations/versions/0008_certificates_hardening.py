"""certificates: serial reserved before its PDF exists

A certificate is ``reserved`` (serial drawn) until its PDF rendered, then ``valid``: the unique
indexes of one certificate per subject, award and assessment result cover both. Certificates
issued before this migration stay ``valid``. One batch per competition or assessment may be
pending or running; where two are (a double click before this migration), the older one is
stopped as failed and the newer goes on.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 18:15:00

"""
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

VALID = sa.text("status = 'valid'")
LIVE = sa.text("status IN ('reserved', 'valid')")
ACTIVE = sa.text("status IN ('pending', 'running')")
CERTIFICATE_INDEXES = (("subject", "subject_key"), ("award", "award_id"),
                       ("assessment_result", "assessment_result_id"))
DUPLICATE_BATCH = "与同一来源的另一批次同时开始，已停止；请查看较新的批次。"


def upgrade():
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        for name, column in CERTIFICATE_INDEXES:
            batch_op.drop_index(f'uq_certificate_valid_{name}', sqlite_where=VALID, postgresql_where=VALID)
            batch_op.create_index(f'uq_certificate_live_{name}', [column], unique=True,
                                  sqlite_where=LIVE, postgresql_where=LIVE)
    batch = sa.table('certificate_batch', sa.column('id', sa.Integer()), sa.column('competition_id', sa.Integer()),
                     sa.column('assessment_id', sa.Integer()), sa.column('status', sa.String()),
                     sa.column('error', sa.Text()), sa.column('finished_at', sa.DateTime()))
    newer = sa.alias(batch, 'newer')
    active = ('pending', 'running')
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    for source in ('competition_id', 'assessment_id'):
        op.get_bind().execute(sa.update(batch).where(
            batch.c.status.in_(active), batch.c[source].is_not(None),
            sa.exists().where(newer.c[source] == batch.c[source], newer.c.status.in_(active),
                              newer.c.id > batch.c.id))
            .values(status='failed', error=DUPLICATE_BATCH, finished_at=now))
    with op.batch_alter_table('certificate_batch', schema=None) as batch_op:
        batch_op.create_index('uq_certificate_batch_active_competition', ['competition_id'], unique=True,
                              sqlite_where=ACTIVE, postgresql_where=ACTIVE)
        batch_op.create_index('uq_certificate_batch_active_assessment', ['assessment_id'], unique=True,
                              sqlite_where=ACTIVE, postgresql_where=ACTIVE)


def downgrade():
    with op.batch_alter_table('certificate_batch', schema=None) as batch_op:
        batch_op.drop_index('uq_certificate_batch_active_assessment', sqlite_where=ACTIVE, postgresql_where=ACTIVE)
        batch_op.drop_index('uq_certificate_batch_active_competition', sqlite_where=ACTIVE, postgresql_where=ACTIVE)
    # Reserved certificates were never issued, and the older code knows no such state.
    op.execute("DELETE FROM certificate WHERE status = 'reserved'")
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        for name, column in CERTIFICATE_INDEXES:
            batch_op.drop_index(f'uq_certificate_live_{name}', sqlite_where=LIVE, postgresql_where=LIVE)
            batch_op.create_index(f'uq_certificate_valid_{name}', [column], unique=True,
                                  sqlite_where=VALID, postgresql_where=VALID)
