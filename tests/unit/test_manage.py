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

"""``keystone-totp-manage`` as an operator runs it: its errors and a
db_sync after a half-finished run or a partial rollback.

Each test runs the real command on a keystone.conf of its own, on a
database of KTC_TEST_DB (a SQLite file by default; tests/databases.py).
"""

import pathlib
import subprocess
import sys

import pytest
import sqlalchemy

from keystone_totp_concat.db import migration
from tests import databases

TOOL = pathlib.Path(sys.executable).parent / 'keystone-totp-manage'
TABLES = {'totp_concat_last_use', 'totp_concat_throttle',
          'totp_concat_proof_throttle', 'totp_concat_pending',
          'totp_concat_device', 'totp_concat_recovery_code',
          'totp_concat_requirement', 'totp_concat_required_since',
          'totp_concat_alembic_version'}


@pytest.fixture
def url(tmp_path):
    with databases.fresh_database(databases.selected()) as server:
        yield server or 'sqlite:///%s' % (tmp_path / 'keystone.db')


def manage(tmp_path, connection, *args):
    """Run the command; oslo.db gives up on a first failed connection."""
    conf = tmp_path / 'keystone.conf'
    conf.write_text('[DEFAULT]\nlog_file = %s\nuse_stderr = false\n'
                    '[database]\nconnection = %s\nmax_retries = 0\n'
                    % (tmp_path / 'keystone.log', connection))
    return subprocess.run([str(TOOL), '--config-file', str(conf), *args],
                          capture_output=True, text=True, timeout=120)


def sql(url, *statements):
    engine = sqlalchemy.create_engine(url)
    try:
        with engine.begin() as conn:
            for statement in statements:
                conn.execute(sqlalchemy.text(statement))
        return set(sqlalchemy.inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_db_sync_after_a_partial_drop_completes_the_schema(tmp_path, url):
    """A rollback that dropped some tables and the version table."""
    assert manage(tmp_path, url, 'db_sync').returncode == 0
    left = sql(url, 'INSERT INTO totp_concat_throttle (user_id, failures, '
               'lockouts, locked_until, refused) VALUES (\'u\', 2, 0, 0, 0)',
               'DROP TABLE totp_concat_last_use',
               'DROP TABLE totp_concat_alembic_version')
    assert 'totp_concat_throttle' in left
    result = manage(tmp_path, url, 'db_sync')
    assert result.returncode == 0, result.stderr
    assert migration.head_revision() in result.stdout
    # Every table is back; the one left alone kept its rows.
    assert sql(url, 'SELECT 1') >= TABLES
    assert sql(url, 'DELETE FROM totp_concat_throttle WHERE '
               'failures = 2') >= TABLES


def test_a_table_of_another_shape_is_refused_in_one_line(tmp_path, url):
    sql(url, 'CREATE TABLE totp_concat_device (credential_id VARCHAR(64))')
    result = manage(tmp_path, url, 'db_sync')
    assert result.returncode == 1, result.stderr
    # The last line: Python's own warnings (eventlet's deprecation) come
    # before it.
    assert result.stderr.strip().splitlines()[-1:] == [
        'keystone-totp-manage db_sync failed: SchemaConflict: table '
        'totp_concat_device exists without column(s) created_at, '
        'label, last_used_step, user_id: drop it (upgrade guide, '
        '"Turning the plugin off") and run db_sync again']


def test_a_database_error_names_its_cause_without_the_password(tmp_path):
    """Nothing listens on port 9: the driver's own message is shown."""
    url = 'mysql+pymysql://keystone:s3cret-pw@127.0.0.1:9/keystone'
    result = manage(tmp_path, url, 'db_version')
    assert result.returncode == 1, result.stderr
    lines = [x for x in result.stderr.strip().splitlines()
             if x.startswith('keystone-totp-manage')]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(
        'keystone-totp-manage db_version failed: OperationalError: (2003, '
        '"Can\'t connect to MySQL server on \'127.0.0.1\''), lines[0]
    assert 's3cret-pw' not in result.stderr + result.stdout


def test_a_url_quoted_in_a_message_loses_its_credentials():
    from keystone_totp_concat.cmd import manage as manage_mod
    error = RuntimeError('cannot reach mysql+pymysql://ks:pw@db/keystone')
    assert manage_mod.cause(error) == (
        'RuntimeError: cannot reach mysql+pymysql://***@db/keystone')
