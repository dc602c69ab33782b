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

"""Pending enrolments and device details of the OS-TOTP API.

Revision ID: 7c3f9a2e6d10
Revises: 5b1e2d3c4a01
Create Date: 2026-11-30
"""

import sqlalchemy as sa

from keystone_totp_concat.db import idempotent

revision = '7c3f9a2e6d10'
down_revision = '5b1e2d3c4a01'
branch_labels = None
depends_on = None


def upgrade():
    idempotent.create_table(
        'totp_concat_pending',
        sa.Column('user_id', sa.String(64), primary_key=True),
        sa.Column('encrypted_secret', sa.Text, nullable=False),
        sa.Column('key_hash', sa.String(64), nullable=False),
        sa.Column('label', sa.String(255), nullable=True),
        sa.Column('proved', sa.Boolean, nullable=False),
        sa.Column('created_at', sa.BigInteger, nullable=False),
        sa.Column('expires_at', sa.BigInteger, nullable=False),
        mysql_engine='InnoDB',
        mysql_charset='utf8mb4',
    )
    idempotent.create_table(
        'totp_concat_device',
        sa.Column('credential_id', sa.String(64), primary_key=True),
        sa.Column('user_id', sa.String(64), nullable=False),
        sa.Column('label', sa.String(255), nullable=True),
        sa.Column('created_at', sa.BigInteger, nullable=False),
        sa.Column('last_used_step', sa.BigInteger, nullable=True),
        mysql_engine='InnoDB',
        mysql_charset='utf8mb4',
    )
    idempotent.create_index('ix_totp_concat_device_user_id',
                            'totp_concat_device', ['user_id'])
