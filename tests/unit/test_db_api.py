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

"""The store's atomic operations on a real database, without Keystone's API.

Runs in-process through Keystone's own enginefacade on a fresh SQLite file,
or on MariaDB/PostgreSQL when KTC_TEST_DB selects one, after the real
migrations. Threads stand in for concurrent Keystone workers; the
functional tests repeat the races with real uwsgi processes and nodes.
"""

import collections
import concurrent.futures
import contextlib
import threading
import uuid

from keystone.common import sql
import sqlalchemy as sa

from keystone_totp_concat.db import api
from keystone_totp_concat.db import keystone_indexes
from keystone_totp_concat.db import migration
from keystone_totp_concat.db import throttle as db_throttle
from keystone_totp_concat.server import code_use
from tests import databases

NOW = 1_800_000_000
MAX_FAILURES, BASE, CAP = 3, 60, 200


def new_id():
    return uuid.uuid4().hex


def count(user_id, now=NOW):
    return db_throttle.count_check(user_id, now, MAX_FAILURES, BASE, CAP)


def use(user_id, credential_id, step, now=NOW, table=db_throttle.THROTTLE):
    return api.use_code(user_id, credential_id, step, now, table)


def throttle_row(user_id, table=db_throttle.THROTTLE):
    with sql.session_for_read() as session:
        return session.execute(sa.select(table).where(
            table.c.user_id == user_id)).one_or_none()


def last_step(user_id, credential_id):
    with sql.session_for_read() as session:
        return session.execute(
            sa.select(api.LAST_USE.c.step).where(
                api.LAST_USE.c.user_id == user_id,
                api.LAST_USE.c.credential_id == credential_id)
        ).scalar_one_or_none()


@contextlib.contextmanager
def _engine_event(name, entry):
    """What ``entry`` makes of each ``name`` event on Keystone's engine.

    Inside the block; None entries are left out.
    """
    with sql.session_for_read() as session:
        engine = session.get_bind()
    seen = []

    def record(*args):
        value = entry(*args)
        if value is not None:
            seen.append(value)

    sa.event.listen(engine, name, record)
    try:
        yield seen
    finally:
        sa.event.remove(engine, name, record)


def statements():
    """The SQL statements run on Keystone's engine inside the block.

    Their first words; without SQLite's explicit BEGIN.
    """
    def verb(conn, cursor, statement, *args):
        first = statement.lstrip().split(None, 1)[0].upper()
        return first if first != 'BEGIN' else None
    return _engine_event('before_cursor_execute', verb)


def test_db_sync_creates_the_tables_under_its_own_version_table(database):
    engine = sa.create_engine(database)
    try:
        tables = set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()
    assert {'totp_concat_last_use', 'totp_concat_throttle',
            migration.VERSION_TABLE} <= tables
    assert 'alembic_version' not in tables  # Keystone's own stays untouched
    # Repeatable; without Keystone's tables here, no index on credential.
    assert migration.db_sync() == keystone_indexes.NO_TABLE
    assert migration.db_version() == migration.head_revision()


def test_first_use_inserts_and_later_steps_advance(database):
    user, cred = new_id(), new_id()
    assert last_step(user, cred) is None
    assert api.record_use(user, cred, 100) == api.INSERTED
    assert api.record_use(user, cred, 100) is None  # replay
    assert api.record_use(user, cred, 99) is None  # older code
    assert api.record_use(user, cred, 101) == api.ADVANCED
    assert last_step(user, cred) == 101
    # Another credential of the same user has its own record.
    assert api.record_use(user, new_id(), 100) == api.INSERTED


def test_checks_are_counted_until_the_lockout(database):
    user = new_id()
    slots = [count(user) for _ in range(MAX_FAILURES + 1)]
    assert [s.allowed for s in slots] == [True] * MAX_FAILURES + [False]
    # The last allowed check starts the lockout; the next one is refused.
    assert [s.locked_until for s in slots[:-1]] == [0, 0, NOW + BASE]
    assert slots[-1].locked_until == NOW + BASE
    assert count(user, NOW + BASE - 1).allowed is False


def test_a_single_allowed_check_starts_the_lockout_at_once(database):
    user = new_id()
    first = db_throttle.count_check(user, NOW, 1, BASE, CAP)
    assert (first.allowed, first.locked_until) == (True, NOW + BASE)
    slot = db_throttle.count_check(user, NOW + 1, 1, BASE, CAP)
    assert slot.allowed is False


def test_lockouts_double_up_to_the_cap_and_success_resets(database):
    user, now, ends = new_id(), NOW, []
    for _ in range(3):
        ends.append([count(user, now) for _ in range(MAX_FAILURES)][-1]
                    .locked_until - now)
        now += ends[-1]
    assert ends == [BASE, 2 * BASE, CAP]
    assert count(user, now).allowed
    api.record_use(user, new_id(), 5)
    slots = [count(user, now) for _ in range(MAX_FAILURES)]
    assert slots[-1].locked_until == now + BASE  # escalation forgotten


def test_the_usual_login_is_one_insert(database):
    # A credential's first use in the purge's window by a user without
    # throttle history: the per-login floor, one write.
    user, cred = new_id(), new_id()
    with statements() as seen:
        slot = use(user, cred, 100)
    assert (slot.allowed, slot.history) == (True, False)
    assert seen == ['INSERT']
    assert last_step(user, cred) == 100
    # Its next step minutes later: the INSERT finds the record, one UPDATE.
    with statements() as seen:
        assert use(user, cred, 104).allowed
    assert seen == ['INSERT', 'UPDATE']
    assert last_step(user, cred) == 104
    # A replay of that step, or a user with history: the general path,
    # which still records the step once and reads the history.
    assert use(user, cred, 104).replayed
    other = new_id()
    count(other)
    with statements() as seen:
        slot = use(other, cred, 100)
    assert (slot.allowed, slot.history) == (True, True)
    assert len(seen) > 1 and last_step(other, cred) == 100


def read_then(call):
    """A login's first transaction: a read, then ``call(session)``.

    The read of a throttle row stands in for the one of Keystone's
    credential table, which this database does not have.
    """
    def read(session):
        return session.execute(
            sa.select(db_throttle.THROTTLE.c.user_id).limit(1)).all()
    return api.login_transaction(read, lambda session, _: call(session))


def transactions():
    """The transactions begun on Keystone's engine inside the block."""
    return _engine_event('begin', lambda conn: 'BEGIN')


def test_a_login_reads_and_records_in_one_transaction(database):
    user, cred = new_id(), new_id()
    with statements() as seen, transactions() as begun:
        slot = read_then(lambda session: api.use_code_in(
            session, user, cred, 100, NOW))
    assert slot.allowed and last_step(user, cred) == 100
    assert seen == ['SELECT', 'INSERT']
    # On SQLite the read has a transaction of its own (login_transaction).
    assert len(begun) == (1 if databases.selected() != 'sqlite' else 2)
    # A wrong code is counted in the read's transaction just as well.
    slot = read_then(lambda session: db_throttle.count_check_in(
        session, user, NOW, MAX_FAILURES, BASE, CAP))
    assert slot.allowed and throttle_row(user).failures == 1


def test_a_login_transaction_refused_by_the_throttle_keeps_nothing(database):
    user, cred = new_id(), new_id()
    for _ in range(MAX_FAILURES):
        count(user)
    slot = read_then(lambda session: api.use_code_in(
        session, user, cred, 100, NOW))
    assert (slot.allowed, slot.locked_until) == (False, NOW + BASE)
    assert last_step(user, cred) is None


def test_concurrent_login_transactions_all_get_an_answer(database):
    """Reads before writes, raced: no transaction fails on its lock.

    SQLite refuses at once to turn a read lock into the write lock while
    another transaction waits to commit; login_transaction reads apart
    there. Exactly MAX_FAILURES of the wrong codes are checked.
    """
    user = new_id()
    slots = race(12, lambda: read_then(
        lambda session: db_throttle.count_check_in(
            session, user, NOW, MAX_FAILURES, BASE, CAP)))
    assert None not in slots
    assert sum(s.allowed for s in slots) == MAX_FAILURES


def test_a_right_code_uses_its_step_once_uncounted(database):
    user, cred = new_id(), new_id()
    api.record_use(user, cred, 100)
    for step in (99, 100):
        slot = use(user, cred, step)
        assert (slot.allowed, slot.replayed) == (False, True)
    assert use(user, cred, 101).allowed
    assert last_step(user, cred) == 101
    assert use(user, new_id(), 100).allowed
    # Neither the uses nor the replays were counted: no throttle history.
    assert throttle_row(user) is None


def test_a_locked_users_right_code_is_refused_and_not_used(database):
    user, cred = new_id(), new_id()
    for _ in range(MAX_FAILURES):
        count(user)
    slot = use(user, cred, 100)
    assert (slot.allowed, slot.locked_until) == (False, NOW + BASE)
    assert last_step(user, cred) is None
    assert use(user, cred, 100, NOW + BASE).allowed


def test_a_right_code_needs_no_password_first(database):
    """Past the allowance without a password, a right code is still used.

    Whether the password is right is then Keystone's counted check.
    """
    user, cred = new_id(), new_id()
    for _ in range(3):
        count_unproved(user, 2)
    slot = use(user, cred, 100)
    assert (slot.allowed, slot.needs_password, slot.history) == (
        True, False, True)
    assert last_step(user, cred) == 100


def test_a_refusal_for_a_wrong_password_is_written_but_not_counted(database):
    user = new_id()
    for _ in range(2):
        count_unproved(user, 2)
    db_throttle.note_refusal(user)
    db_throttle.note_refusal(user)
    row = throttle_row(user)
    assert (row.failures, row.locked_until, row.refused) == (2, 0, 2)


def test_proofs_have_a_throttle_of_their_own(database):
    """A lockout of the proofs leaves the login's checks alone."""
    user, cred = new_id(), new_id()
    for _ in range(MAX_FAILURES):
        db_throttle.count_check(user, NOW, MAX_FAILURES, BASE, CAP,
                                table=db_throttle.PROOF_THROTTLE)
    assert not db_throttle.count_check(
        user, NOW, MAX_FAILURES, BASE, CAP,
        table=db_throttle.PROOF_THROTTLE).allowed
    assert not use(user, cred, 100, table=db_throttle.PROOF_THROTTLE).allowed
    assert throttle_row(user) is None
    assert count(user).allowed
    assert use(user, cred, 100).allowed
    tables = (db_throttle.THROTTLE, db_throttle.PROOF_THROTTLE)
    assert db_throttle.reset_throttle(user, tables) == 2


def test_a_success_forgets_the_history(database):
    user, cred = new_id(), new_id()
    count(user)
    assert use(user, cred, 100).history is True
    assert db_throttle.reset_throttle(user) == 1
    assert throttle_row(user) is None
    assert use(user, cred, 101).history is False


def test_concurrent_uses_of_one_step_let_exactly_one_through(database):
    user, cred = new_id(), new_id()
    slots = race(12, lambda: use(user, cred, 500))
    assert sum(s.allowed for s in slots) == 1
    assert sum(s.replayed for s in slots) == 11


def test_the_purge_runs_at_most_once_a_step_per_process(database):
    user = new_id()
    code_use._purged_before = None
    api.record_use(user, 'old', 10)
    code_use.purge(10_000)
    assert last_step(user, 'old') is None
    api.record_use(user, 'old', 10)
    code_use.purge(10_000)
    assert last_step(user, 'old') == 10  # same cut-off: skipped
    code_use.purge(10_001)
    assert last_step(user, 'old') is None


def test_concurrent_records_of_one_step_let_exactly_one_through(database):
    user, cred = new_id(), new_id()
    results = race(20, lambda: api.record_use(user, cred, 500))
    assert collections.Counter(results) == {api.INSERTED: 1, None: 19}
    results = race(20, lambda: api.record_use(user, cred, 501))
    assert collections.Counter(results) == {api.ADVANCED: 1, None: 19}


def test_concurrent_checks_never_exceed_the_allowance(database):
    user = new_id()
    slots = race(12, lambda: count(user))
    assert sum(s.allowed for s in slots) == MAX_FAILURES


def test_purge_removes_only_records_before_the_step(database):
    user = new_id()
    api.record_use(user, 'old', 10)
    api.record_use(user, 'new', 10_000)
    api.purge_last_use(5_000)
    assert last_step(user, 'old') is None
    assert last_step(user, 'new') == 10_000


def test_reset_throttle_unlocks(database):
    user = new_id()
    for _ in range(MAX_FAILURES):
        count(user)
    assert not count(user).allowed
    assert db_throttle.reset_throttle(user) == 1
    assert count(user).allowed


def race(n, call):
    start = threading.Barrier(n)

    def run(_):
        start.wait()
        return call()

    with concurrent.futures.ThreadPoolExecutor(n) as pool:
        return list(pool.map(run, range(n)))


def count_unproved(user_id, unproved, now=NOW):
    return db_throttle.count_check(user_id, now, MAX_FAILURES, BASE, CAP,
                                   unproved)


def test_checks_without_the_password_stop_before_a_lockout(database):
    user = new_id()
    slots = [count_unproved(user, 2) for _ in range(20)]
    assert [s.allowed for s in slots[:2]] == [True, True]
    # Past the allowance: refused uncounted, asking for the password;
    # never a lockout, however many come.
    assert all(s.needs_password and not s.allowed for s in slots[2:])
    assert all(s.locked_until == 0 for s in slots)
    # A check with the password proved is the last of the period.
    last = count(user)
    assert (last.allowed, last.locked_until) == (True, NOW + BASE)
    locked = count_unproved(user, 2, NOW + 1)
    assert (locked.allowed, locked.needs_password) == (False, False)


def test_no_checks_without_the_password_when_the_allowance_is_zero(database):
    user = new_id()
    assert count_unproved(user, 0).needs_password
    assert throttle_row(user) is None


def test_concurrent_checks_without_the_password_never_overrun(database):
    user = new_id()
    start = threading.Barrier(8)

    def attempt(_):
        start.wait()
        return count_unproved(user, 2)

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        slots = list(pool.map(attempt, range(8)))
    assert sum(s.allowed for s in slots) == 2
    assert sum(s.needs_password for s in slots) == 6


def test_a_released_step_can_be_used_again_but_not_older_ones(database):
    user, cred = new_id(), new_id()
    assert api.record_use(user, cred, 100) == api.INSERTED
    assert api.record_use(user, cred, 105) == api.ADVANCED
    assert api.release_use(user, cred, 105) == 1
    assert api.record_use(user, cred, 103) is None
    assert api.record_use(user, cred, 105) == api.ADVANCED
    # Only the step that was recorded is given back.
    assert api.release_use(user, cred, 104) == 0
    assert last_step(user, cred) == 105
