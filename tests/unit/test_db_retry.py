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

"""Bounded retries of the store's writes (db/retry.py): a deadlock or a
Galera certification failure (both DBDeadlock) is retried, a conflict that
outlives the attempts is one WARNING line and a refusal, never a traceback;
anything else is not retried. tests/galera/ repeats this on a real cluster.
"""

import logging

from keystone import exception
from oslo_db import exception as db_exception
import pytest

from keystone_totp_concat.db import api as db_api
from keystone_totp_concat.db import enrolment
from keystone_totp_concat.db import recovery as db_recovery
from keystone_totp_concat.db import retry
from keystone_totp_concat.db import throttle as db_throttle
from keystone_totp_concat.server import code_use
from keystone_totp_concat.server import outcomes


@pytest.fixture(autouse=True)
def no_waits(monkeypatch):
    waits = []
    monkeypatch.setattr(retry.time, 'sleep', waits.append)
    return waits


def failing(times, error=db_exception.DBDeadlock):
    calls = []

    @retry.on_conflict
    def write(value):
        calls.append(value)
        if len(calls) <= times:
            raise error()
        return value
    return write, calls


def test_a_conflict_is_run_again_until_it_goes_through(caplog, no_waits):
    caplog.set_level(logging.DEBUG)
    write, calls = failing(retry.ATTEMPTS - 1)
    assert write('x') == 'x'
    assert len(calls) == retry.ATTEMPTS
    # Short random waits, each within the doubling bound.
    assert len(no_waits) == retry.ATTEMPTS - 1
    assert all(0 <= w <= retry.MAX_WAIT for w in no_waits)
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []


def test_a_conflict_that_outlives_the_attempts_is_one_warning(caplog):
    write, calls = failing(retry.ATTEMPTS)
    with pytest.raises(retry.WriteConflict) as raised:
        write('x')
    assert len(calls) == retry.ATTEMPTS
    # A Keystone Conflict: an API call answers 409, not 500.
    assert isinstance(raised.value, exception.Conflict)
    assert raised.value.code == 409
    # Raised outside the handler: no chained DBDeadlock, nothing to print.
    assert raised.value.__context__ is None
    loud = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert [r.levelname for r in loud] == ['WARNING']
    assert loud[0].exc_info is None
    assert 'write' in loud[0].getMessage()
    assert 'Galera certification' in loud[0].getMessage()


@pytest.mark.parametrize('error', [db_exception.DBConnectionError,
                                   db_exception.DBDuplicateEntry,
                                   db_exception.DBError, RuntimeError])
def test_other_errors_are_not_retried(error):
    write, calls = failing(1, error)
    with pytest.raises(error):
        write('x')
    assert calls == ['x']


def test_every_write_of_the_package_tables_retries():
    writes = [db_api.record_use, db_api.release_use, db_api.purge_last_use,
              db_throttle._count_check, db_api.use_code,
              db_throttle.note_refusal, db_throttle.reset_throttle,
              enrolment.put_pending,
              enrolment.take_pending, enrolment.delete_pending,
              enrolment.purge_expired_pending, enrolment.add_device,
              enrolment.delete_devices, db_recovery.replace_set,
              db_recovery.revoke, db_recovery.use, db_recovery.give_back]
    for write in writes:
        assert write.__wrapped__, write  # functools.wraps of on_conflict
        assert write.__code__ is not write.__wrapped__.__code__, write


def test_a_login_whose_record_keeps_conflicting_is_refused(monkeypatch,
                                                           caplog):
    """verify turns the give-up into a refusal: no token, no traceback."""
    write, calls = failing(retry.ATTEMPTS)
    monkeypatch.setattr(db_api, 'record_use',
                        lambda *args: write(args))
    used = outcomes.Verified('u1', 'c1', 1000)
    assert code_use.record_use(used) is False
    assert len(calls) == retry.ATTEMPTS
    assert all(r.exc_info is None for r in caplog.records)
    assert not any('Traceback' in r.getMessage() for r in caplog.records)
