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

"""Recovery codes (salted slow hashes only).

Revision ID: 9d4e1f7a2b35
Revises: 7c3f9a2e6d10
Create Date: 2026-11-30
"""

import sqlalchemy as sa

from keystone_totp_concat.db import idempotent

revision = '9d4e1f7a2b35'
down_revision = '7c3f9a2e6d10'
branch_labels = None
depends_on = None


def upgrade():
    idempotent.create_table(
        'totp_concat_recovery_code',
        sa.Column('user_id', sa.String(64), primary_key=True),
        sa.Column('code_id', sa.String(16), primary_key=True),
        sa.Column('code_hash', sa.String(255), nullable=False),
        sa.Column('created_at', sa.BigInteger, nullable=False),
        sa.Column('used_at', sa.BigInteger, nullable=True),
        mysql_engine='InnoDB',
        mysql_charset='utf8mb4',
    )
