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

"""The one index this package adds to a table of Keystone's: ``credential``.

Every password login reads the user's ``totp`` credentials (credentials.py),
also for a user without 2FA, and Keystone's ``credential`` table has no index
on ``user_id``: without one that read scans every credential of the cloud.
The index is named as this package's, so that an operator can tell it from
Keystone's own and drop it on rollback. Keystone's models do not know it;
Keystone's migrations never name it, and InnoDB, PostgreSQL and SQLite keep
it across their column changes (a dropped column leaves the index).
"""

import sqlalchemy as sa

TABLE = 'credential'
NAME = 'ix_totp_concat_credential_user_type'
# MariaDB/MySQL index only the first 32 characters of ``type`` (128 bytes in
# utf8mb4): with user_id (256 bytes) far below the 767 bytes a key part may
# have in the COMPACT and REDUNDANT row formats of older deployments, where
# all 255 characters (1020 bytes) would be refused. Keystone's types are
# short ('totp', 'ec2', 'cert'); a prefix still finds the rows by equality.
TYPE_PREFIX = 32

CREATED = 'created'
PRESENT = 'present'
NO_TABLE = 'no credential table'


def ensure(connection):
    """Create the index on ``credential`` unless it is there; what it did.

    Idempotent: an index of this name is left as it is (a re-run, a
    db_sync that stopped after it). NO_TABLE when Keystone's tables are not
    there yet (``keystone-manage db_sync`` not run): the next db_sync adds it.
    """
    inspector = sa.inspect(connection)
    if not inspector.has_table(TABLE):
        return NO_TABLE
    if any(index['name'] == NAME for index in inspector.get_indexes(TABLE)):
        return PRESENT
    # Only the two columns, not Keystone's model: the index is all we make.
    table = sa.Table(TABLE, sa.MetaData(),
                     sa.Column('user_id', sa.String(64)),
                     sa.Column('type', sa.String(255)))
    sa.Index(NAME, table.c.user_id, table.c.type,
             mysql_length={'type': TYPE_PREFIX}).create(connection)
    return CREATED
