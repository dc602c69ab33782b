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

"""The proofs' own throttle; refusals counted on the login throttle.

Both only add: nodes of the previous release keep working on the upgraded
schema (they never write ``refused``, whose server default is 0, and never
read the new table).

Revision ID: b6a8c0e2f417
Revises: 9d4e1f7a2b35
Create Date: 2026-12-02
"""

import sqlalchemy as sa

from keystone_totp_concat.db import idempotent

revision = 'b6a8c0e2f417'
down_revision = '9d4e1f7a2b35'
branch_labels = None
depends_on = None


def upgrade():
    idempotent.add_column('totp_concat_throttle', sa.Column(
        'refused', sa.BigInteger, nullable=False, server_default='0'))
    idempotent.create_table(
        'totp_concat_proof_throttle',
        sa.Column('user_id', sa.String(64), primary_key=True),
        sa.Column('failures', sa.Integer, nullable=False),
        sa.Column('lockouts', sa.Integer, nullable=False),
        sa.Column('locked_until', sa.BigInteger, nullable=False),
        mysql_engine='InnoDB',
        mysql_charset='utf8mb4',
    )
