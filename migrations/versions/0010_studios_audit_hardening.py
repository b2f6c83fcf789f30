"""studios, audit and staged upload hardening

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 18:15:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
