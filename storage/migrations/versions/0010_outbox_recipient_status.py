"""outbox: index (recipient_id, status) for the dispatcher's per-person order

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-28 06:40:00
"""
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index('ix_notifications_recipient_id')
        batch_op.create_index('ix_notifications_recipient_id_status',
                              ['recipient_id', 'status'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index('ix_notifications_recipient_id_status')
        batch_op.create_index('ix_notifications_recipient_id', ['recipient_id'], unique=False)
