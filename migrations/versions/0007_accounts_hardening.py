"""accounts: token expiry and last use, login throttling

API tokens get an expiry (tokens issued before this migration expire 90 days after they were
made) and the time of their last use. Failed logins are counted by the name lower-cased, so the
stored names are lower-cased too.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 18:15:00

"""
from datetime import timedelta

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

EXISTING_TOKEN_DAYS = 90


def upgrade():
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.add_column(sa.Column('expires_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('last_used_at', sa.DateTime(), nullable=True))
    connection = op.get_bind()
    token = sa.table('api_token', sa.column('id', sa.Integer()), sa.column('created_at', sa.DateTime()),
                     sa.column('expires_at', sa.DateTime()))
    for token_id, created_at in connection.execute(sa.select(token.c.id, token.c.created_at)).all():
        connection.execute(sa.update(token).where(token.c.id == token_id)
                           .values(expires_at=created_at + timedelta(days=EXISTING_TOKEN_DAYS)))
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.alter_column('expires_at', existing_type=sa.DateTime(), nullable=False)
    op.execute("UPDATE login_failure SET username = lower(username)")


def downgrade():
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.drop_column('last_used_at')
        batch_op.drop_column('expires_at')
