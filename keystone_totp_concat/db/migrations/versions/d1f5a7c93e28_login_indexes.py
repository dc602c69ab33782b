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

"""Indexes for reads that scanned: the login's credential read, the purge.

An index on Keystone's ``credential`` table (``user_id``, ``type``), which
every login reads by user (db/keystone_indexes.py), and one on the pending
enrolments' expiry, which the OS-TOTP API purges by. Both only add: nodes of
the previous release run the same statements, faster. Each is created only
if no index of its name exists, so a run that stopped half-way (MariaDB
commits each CREATE INDEX on its own) can simply be run again.

Revision ID: d1f5a7c93e28
Revises: b6a8c0e2f417
Create Date: 2026-12-02
"""

from alembic import op
import sqlalchemy as sa

from keystone_totp_concat.db import keystone_indexes

revision = 'd1f5a7c93e28'
down_revision = 'b6a8c0e2f417'
branch_labels = None
depends_on = None

PENDING = 'totp_concat_pending'
PENDING_EXPIRY = 'ix_totp_concat_pending_expires_at'


def upgrade():
    bind = op.get_bind()
    keystone_indexes.ensure(bind)
    if not any(index['name'] == PENDING_EXPIRY
               for index in sa.inspect(bind).get_indexes(PENDING)):
        op.create_index(PENDING_EXPIRY, PENDING, ['expires_at'])
