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
"""Who must use Two Factor Authentication, and each user's grace period.

Only adds two tables: nodes of the previous release keep working on the
upgraded schema (they never read them, and require 2FA of nobody).

Revision ID: e4b7c1d9f2a6
Revises: d1f5a7c93e28
Create Date: 2026-12-03
"""

import sqlalchemy as sa

from keystone_totp_concat.db import idempotent

revision = 'e4b7c1d9f2a6'
down_revision = 'd1f5a7c93e28'
branch_labels = None
depends_on = None


def upgrade():
    idempotent.create_table(
        'totp_concat_requirement',
        sa.Column('kind', sa.String(16), primary_key=True),
        sa.Column('target_id', sa.String(64), primary_key=True),
        sa.Column('created_at', sa.BigInteger, nullable=False),
        mysql_engine='InnoDB',
        mysql_charset='utf8mb4',
    )
    idempotent.create_table(
        'totp_concat_required_since',
        sa.Column('user_id', sa.String(64), primary_key=True),
        sa.Column('since', sa.BigInteger, nullable=False),
        mysql_engine='InnoDB',
        mysql_charset='utf8mb4',
    )
