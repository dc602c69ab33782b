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

"""The migration that adds the login's indexes, on a cloud in use.

The suite's Keystone database already has Keystone's tables and rows and
this package's head. Each test takes it back to the revision before the
indexes, or to a state a run that stopped half-way leaves, runs
``keystone-totp-manage db_sync`` the way an operator does, and checks the
indexes, the version, Keystone's own ``keystone-manage db_sync --check``
and a login. On SQLite, MariaDB and PostgreSQL (KTC_TEST_DB).
"""

import subprocess
import threading

import pytest
import sqlalchemy as sa

from keystone_totp_concat.db import keystone_indexes
from keystone_totp_concat.db import migration
from tests.totp_api import refused_login

BEFORE = 'b6a8c0e2f417'  # the revision before the indexes
HEAD = migration.head_revision()
PENDING = ('totp_concat_pending', 'ix_totp_concat_pending_expires_at',
           ('expires_at',))
CREDENTIAL = (keystone_indexes.TABLE, keystone_indexes.NAME,
              ('user_id', 'type'))


def manage(keystone, *args, tool='keystone-totp-manage'):
    """Run a manage command against the suite's database; its stdout."""
    result = subprocess.run(
        [str(keystone.bin / tool), '--config-file', str(keystone.conf_file),
         *args], capture_output=True, text=True, env=keystone.env(),
        timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def indexes(cloud, table):
    """Names of ``table``'s indexes, as many times as they exist."""
    return [ix['name'] for ix in sa.inspect(cloud.db).get_indexes(table)]


def drop(cloud, index):
    table, name, columns = index
    t = sa.Table(table, sa.MetaData(), *(sa.Column(c, sa.String(64))
                                         for c in columns))
    with cloud.db.begin() as conn:
        sa.Index(name, *t.columns).drop(conn)


def stamp(cloud, revision):
    """Set this package's version table, as an older release left it."""
    cloud.sql('UPDATE totp_concat_alembic_version SET version_num = :r',
              r=revision)


def version(cloud):
    return cloud.sql('SELECT version_num FROM totp_concat_alembic_version')


def assert_upgraded(cloud):
    assert version(cloud) == [(HEAD,)]
    assert indexes(cloud, CREDENTIAL[0]).count(CREDENTIAL[1]) == 1
    assert indexes(cloud, PENDING[0]).count(PENDING[1]) == 1


@pytest.fixture
def restored(keystone, cloud):
    """Whatever a test leaves, the suite goes on with the head."""
    yield
    manage(keystone, 'db_sync')
    assert_upgraded(cloud)


def test_db_sync_again_leaves_keystones_own_check_happy(keystone, cloud):
    for _ in range(2):
        out = manage(keystone, 'db_sync')
        assert 'at revision %s' % HEAD in out
        assert_upgraded(cloud)
    # Keystone's own: up to date before and after its db_sync, which
    # leaves the index alone.
    manage(keystone, 'db_sync', '--check', tool='keystone-manage')
    manage(keystone, 'db_sync', tool='keystone-manage')
    manage(keystone, 'db_sync', '--check', tool='keystone-manage')
    assert_upgraded(cloud)


def test_upgrade_of_a_cloud_in_use(keystone, cloud, restored):
    user = cloud.create_user(devices=1)
    drop(cloud, CREDENTIAL)
    drop(cloud, PENDING)
    stamp(cloud, BEFORE)

    manage(keystone, 'db_sync')

    assert_upgraded(cloud)
    assert cloud.login_as(user, user.password).status_code == 401
    r = cloud.login_as(user, user.password + user.code())
    assert r.status_code == 201, r.text


def test_logins_go_on_while_db_sync_adds_the_indexes(
        keystone, cloud, restored):
    """A rolling upgrade: the nodes serve logins while db_sync runs.

    Every login answers as it would without the migration: the user
    without 2FA gets a token, the enrolled one's password alone never does.
    """
    plain, enrolled = cloud.create_user(), cloud.create_user(devices=1)
    drop(cloud, CREDENTIAL)
    drop(cloud, PENDING)
    stamp(cloud, BEFORE)
    answers = {'plain': [], 'enrolled': []}
    migrated = threading.Event()

    def log_in():
        while not migrated.is_set() or not answers['plain']:
            answers['plain'].append(
                cloud.login_as(plain, plain.password).status_code)
            answers['enrolled'].append(
                refused_login(cloud.login_as(enrolled, enrolled.password)))

    logins = threading.Thread(target=log_in)
    logins.start()
    try:
        manage(keystone, 'db_sync')
    finally:
        migrated.set()
        logins.join()

    assert_upgraded(cloud)
    assert set(answers['plain']) == {201}
    assert set(answers['enrolled']) == {True}


@pytest.mark.parametrize('made', [(CREDENTIAL,), (CREDENTIAL, PENDING)],
                         ids=['stopped-half-way', 'both-made-already'])
def test_a_run_that_stopped_is_run_again(keystone, cloud, restored, made):
    """MariaDB commits each CREATE INDEX: a run can stop with some made."""
    for index in (CREDENTIAL, PENDING):
        if index not in made:
            drop(cloud, index)
    stamp(cloud, BEFORE)

    manage(keystone, 'db_sync')

    assert_upgraded(cloud)


def test_an_index_dropped_at_the_head_comes_back(keystone, cloud, restored):
    drop(cloud, CREDENTIAL)

    manage(keystone, 'db_sync')

    assert_upgraded(cloud)
