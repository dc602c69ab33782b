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

"""Pending enrolments and device details on a real database.

In-process through Keystone's enginefacade on a fresh SQLite file (or the
KTC_TEST_DB server), after the real migrations.
"""

import concurrent.futures
import uuid

from keystone.common import sql
import sqlalchemy as sa

from keystone_totp_concat.db import api
from keystone_totp_concat.db import enrolment as db


def new_id():
    return uuid.uuid4().hex


def test_migration_creates_the_tables(database):
    engine = sa.create_engine(database)
    try:
        tables = set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()
    assert {'totp_concat_pending', 'totp_concat_device'} <= tables


def test_a_new_pending_enrolment_replaces_the_old_one(database):
    user = new_id()
    db.put_pending(user, 'enc-1', 'h', 'one', False, 100, 700)
    db.put_pending(user, 'enc-2', 'h', 'two', True, 200, 800)
    row = db.get_pending(user)
    assert (row.encrypted_secret, row.label, row.proved) == (
        'enc-2', 'two', True)
    assert not db.take_pending(user, 100)  # the replaced one is gone
    assert db.take_pending(user, 200)
    assert not db.take_pending(user, 200)  # taken once
    assert db.get_pending(user) is None


def test_exactly_one_concurrent_confirm_takes_the_enrolment(database):
    user = new_id()
    db.put_pending(user, 'enc', 'h', None, False, 300, 900)
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        taken = list(pool.map(lambda _: db.take_pending(user, 300), range(8)))
    assert taken.count(True) == 1


def test_concurrent_begins_leave_one_pending_enrolment(database):
    user = new_id()
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda n: db.put_pending(
            user, 'enc-%d' % n, 'h', None, False, 1000 + n, 2000), range(8)))
    with sql.session_for_read() as session:
        rows = session.execute(sa.select(db.pending).where(
            db.pending.c.user_id == user)).all()
    assert len(rows) == 1


def test_expired_pending_enrolments_are_purged(database):
    old, fresh = new_id(), new_id()
    db.put_pending(old, 'enc', 'h', None, False, 10, 20)
    db.put_pending(fresh, 'enc', 'h', None, False, 10, 10 ** 12)
    assert db.purge_expired_pending(1000) >= 1
    assert db.get_pending(old) is None
    assert db.get_pending(fresh) is not None


def test_a_failed_request_gives_its_last_use_back(database):
    user, cred = new_id(), new_id()
    db.add_device(cred, user, None, 500)
    assert api.use_code(user, cred, 1000, 10 ** 9).allowed
    assert db.devices(user)[cred].last_used_step == 1000
    api.release_use(user, cred, 1000)
    assert db.devices(user)[cred].last_used_step == 999


def test_device_details_and_last_use(database):
    user, cred, other = new_id(), new_id(), new_id()
    db.add_device(cred, user, 'phone', 500)
    db.add_device(other, user, None, 600)
    assert set(db.devices(user)) == {cred, other}
    assert db.devices(user)[cred].last_used_step is None

    # The replay record is the device's last use; its purge copies the
    # step to the device's row first, so that it is not lost.
    assert api.record_use(user, cred, 1000) == api.INSERTED
    assert db.devices(user)[cred].last_used_step == 1000
    assert db.devices(user)[other].last_used_step is None
    assert api.record_use(user, cred, 1003) == api.ADVANCED
    assert api.record_use(user, cred, 1002) is None
    api.purge_last_use(10 ** 9)
    assert db.devices(user)[cred].last_used_step == 1003

    # Only records that left the window are purged and copied.
    assert api.record_use(user, other, 2000) == api.INSERTED
    api.purge_last_use(1500)
    assert db.devices(user)[other].last_used_step == 2000

    assert db.delete_devices(user, [cred]) == 1
    assert set(db.devices(user)) == {other}
    assert db.delete_devices(user) == 1
    assert db.devices(user) == {}
