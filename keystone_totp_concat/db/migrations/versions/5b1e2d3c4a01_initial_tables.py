# Licensed under the Apache License, Version 2.0 (the "License"); you may
# not use this file except in compliance with the License. You may obtain
# a copy of the License at
#
#      http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS, WITHOUT
# WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied. See the
# License for the specific language governing permissions and limitations
# under the License.

"""Replay record and throttle tables.

Revision ID: 5b1e2d3c4a01
Revises:
Create Date: 2026-11-28
"""

import sqlalchemy as sa

from keystone_totp_concat.db import idempotent

revision = '5b1e2d3c4a01'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    idempotent.create_table(
        'totp_concat_last_use',
        sa.Column('user_id', sa.String(64), primary_key=True),
        sa.Column('credential_id', sa.String(64), primary_key=True),
        sa.Column('step', sa.BigInteger, nullable=False),
        mysql_engine='InnoDB',
        mysql_charset='utf8mb4',
    )
    idempotent.create_index('ix_totp_concat_last_use_step',
                            'totp_concat_last_use', ['step'])
    idempotent.create_table(
        'totp_concat_throttle',
        sa.Column('user_id', sa.String(64), primary_key=True),
        sa.Column('failures', sa.Integer, nullable=False),
        sa.Column('lockouts', sa.Integer, nullable=False),
        sa.Column('locked_until', sa.BigInteger, nullable=False),
        mysql_engine='InnoDB',
        mysql_charset='utf8mb4',
    )
