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

"""Atomic reads and writes of the replay record and the throttle.

Every decision that must hold across processes and nodes is taken by one
SQL statement on one row: an ``UPDATE ... WHERE`` (a compare-and-set, which
InnoDB, PostgreSQL and SQLite all apply under a row or database lock and
re-evaluate against the latest committed row) or an ``INSERT`` that a primary
key turns into insert-or-fail. Sessions come from Keystone's own oslo.db
enginefacade, so the tables share ``[database] connection`` and its pool.
"""

import dataclasses
import functools

from keystone.common import sql
import keystone.conf
from oslo_db import exception as db_exception
import sqlalchemy as sa
from sqlalchemy.dialects import mysql
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects import sqlite

from keystone_totp_concat.core import throttle
from keystone_totp_concat.db import models
from keystone_totp_concat.db import retry

# InnoDB, and Galera's certification on a cluster written through several
# nodes, may abort one of two transactions racing for the same rows. Every
# write of this package's tables is a whole transaction decorated with this:
# run again a bounded number of times, then WriteConflict (see db/retry.py).
retry_on_deadlock = retry.on_conflict
CONF = keystone.conf.CONF

LAST_USE = models.last_use
# The login throttle, and the one of the OS-TOTP API's proofs: every
# throttle function takes either (``table``), the login's by default.
THROTTLE = models.throttle
PROOF_THROTTLE = models.proof_throttle
DEVICE = models.device

# What record_use did when it was the request that used the step.
ADVANCED = 'advanced'  # the credential's record moved to a later step
INSERTED = 'inserted'  # the credential's first record was written


@dataclasses.dataclass(frozen=True)
class CheckSlot:
    """The answer of ``count_check``.

    ``allowed`` says whether this code check may go ahead. ``locked_until``
    is the Unix time until which the user's checks are locked: for a refused
    check, the running lockout; for an allowed one, non-zero only when this
    check was the last before a lockout, which a success cancels.
    ``replayed`` says the check was refused, uncounted, because the matching
    step of the credential was already used. ``needs_password`` says the
    check was refused, uncounted, because the user's checks without a proved
    password are spent: the caller may prove the password and count again.
    ``history`` (use_code) says the user has failed checks or lockouts on
    record, which a successful login forgets.
    """

    allowed: bool
    locked_until: int = 0
    replayed: bool = False
    needs_password: bool = False
    history: bool = False


def insert_if_absent(session, table, **values):
    """INSERT a row unless its primary key exists; True if it was inserted.

    The primary key still lets exactly one of concurrent inserts through,
    but a duplicate is an answer (rowcount 0: ``INSERT IGNORE`` on MySQL,
    ``ON CONFLICT DO NOTHING`` on PostgreSQL and SQLite), not an error: on
    Galera, a duplicate met inside a transaction that a replicated write set
    then aborts fails again at its rollback, and oslo.db's enginefacade logs
    the dropped duplicate with a traceback at ERROR before the retry.
    """
    statement = _skipping_duplicates(_dialect(session), table)
    if statement is None:
        try:
            with session.begin_nested():
                session.execute(sa.insert(table).values(**values))
        except db_exception.DBDuplicateEntry:
            return False
        return True
    return session.execute(statement.values(**values)).rowcount == 1


def _dialect(session):
    return session.get_bind().dialect.name


def _skipping_duplicates(dialect, table):
    """An INSERT into ``table`` that skips a duplicate primary key.

    None for a dialect without such a statement.
    """
    if dialect == 'mysql':
        return mysql.insert(table).prefix_with('IGNORE')
    if dialect in ('postgresql', 'sqlite'):
        module = postgresql if dialect == 'postgresql' else sqlite
        return module.insert(table).on_conflict_do_nothing()
    return None


def upsert(session, table, **values):
    """INSERT a row, or UPDATE the row its primary key already names.

    One statement (``INSERT ... ON DUPLICATE KEY UPDATE`` on MySQL,
    ``ON CONFLICT DO UPDATE`` on PostgreSQL and SQLite): concurrent calls
    never fail on each other's row, the last one wins.
    """
    keys = [c.name for c in table.primary_key.columns]
    changes = {k: v for k, v in values.items() if k not in keys}
    dialect = session.get_bind().dialect.name
    if dialect == 'mysql':
        statement = mysql.insert(table).values(
            **values).on_duplicate_key_update(**changes)
    elif dialect in ('postgresql', 'sqlite'):
        module = postgresql if dialect == 'postgresql' else sqlite
        statement = module.insert(table).values(**values)
        statement = statement.on_conflict_do_update(index_elements=keys,
                                                    set_=changes)
    else:
        where = [table.c[k] == values[k] for k in keys]
        if session.execute(
                sa.update(table).where(*where).values(**changes)).rowcount:
            return
        statement = sa.insert(table).values(**values)
    session.execute(statement)


# -- Replay record --

@retry_on_deadlock
def record_use(user_id, credential_id, step, table=THROTTLE):
    """Mark ``step`` of the credential used, reset the user's ``table``.

    Returns ADVANCED or INSERTED when this call is the one that used the
    step, ``None`` when that step or a later one was already used
    (a replay, possibly by a concurrent request on another node).
    """
    with sql.session_for_write() as session:
        outcome = _advance(session, user_id, credential_id, step)
        if outcome is not None:
            clear_throttle(session, user_id, table)
    return outcome


def _advance(session, user_id, credential_id, step):
    """ADVANCED or INSERTED when this call used ``step``, else None."""
    advanced = session.execute(
        sa.update(LAST_USE)
        .where(
            LAST_USE.c.user_id == user_id,
            LAST_USE.c.credential_id == credential_id,
            LAST_USE.c.step < step,
        )
        .values(step=step)
    ).rowcount
    # First use of this credential, or a replay: the primary key lets
    # exactly one concurrent INSERT through.
    if not advanced and not insert_if_absent(
            session, LAST_USE, user_id=user_id,
            credential_id=credential_id, step=step):
        return None
    return ADVANCED if advanced else INSERTED


def _use_without_history(session, user_id, credential_id, step):
    """Record ``step`` if the user has no throttle row; True if it did.

    The usual login in one statement: the credential's first use since its
    record was purged (an INSERT), or its next step (an UPDATE), by a user
    without failed checks. Anything else (a replay, throttle history) is
    left to the general path.
    """
    statements = _usual_login(_dialect(session))
    if statements is None:
        return False
    values = {'u': user_id, 'c': credential_id, 's': step}
    return any(session.execute(statement, values).rowcount
               for statement in statements)


@functools.lru_cache(maxsize=None)
def _usual_login(dialect):
    """The INSERT and UPDATE of _use_without_history, built once.

    Bound at each call (``u``, ``c``, ``s``): a login should not pay for
    building them. None for a dialect without an INSERT that skips a
    duplicate.
    """
    insert = _skipping_duplicates(dialect, LAST_USE)
    if insert is None:
        return None
    user_id, credential_id, step = (
        sa.bindparam('u', type_=LAST_USE.c.user_id.type),
        sa.bindparam('c', type_=LAST_USE.c.credential_id.type),
        sa.bindparam('s', type_=LAST_USE.c.step.type))
    no_history = ~sa.exists().where(THROTTLE.c.user_id == user_id)
    first = insert.from_select(
        ['user_id', 'credential_id', 'step'],
        sa.select(user_id, credential_id, step).where(no_history))
    later = (sa.update(LAST_USE)
             .where(LAST_USE.c.user_id == user_id,
                    LAST_USE.c.credential_id == credential_id,
                    LAST_USE.c.step < step, no_history)
             .values(step=step))
    return first, later


class _Undo(Exception):
    """Rolls back a transaction of this module; carries its answer."""

    def __init__(self, answer):
        super().__init__()
        self.answer = answer


@retry_on_deadlock
def login_transaction(read, write):
    """``write(session, read(session))``: one transaction, retried whole.

    For a login's first transaction: ``read`` reads the user's credentials,
    ``write`` uses or counts the code (use_code_in, count_check_in) in the
    same session, one transaction instead of two. A conflict runs both
    again. On SQLite the read gets a transaction of its own: SQLite cannot
    turn a transaction's read lock into its write lock while another
    transaction waits to commit ("database is locked" at once, not after
    the busy timeout), and ``write`` starts with a write.

    The read sees every credential committed before the request came, so
    that a device enrolled on another node an instant before binds this
    login: the transaction starts here, on a connection the pool gave back
    rolled back (a database file gets a new connection each time: oslo.db
    gives SQLite no pool), and takes its snapshot at its first read
    (InnoDB's REPEATABLE READ, SQLite), or at each statement (PostgreSQL's
    READ COMMITTED). In SQLite's default rollback-journal mode no commit
    can even happen while a transaction reads. Tested by
    tests/functional/test_enrol_race.py on all three databases.
    """
    try:
        if _is_sqlite(CONF.database.connection):
            with sql.session_for_read() as session:
                found = read(session)
            with sql.session_for_write() as session:
                return write(session, found)
        with sql.session_for_write() as session:
            return write(session, read(session))
    except _Undo as undone:
        return undone.answer


@functools.lru_cache(maxsize=None)
def _is_sqlite(connection):
    return sa.engine.make_url(connection).get_backend_name() == 'sqlite'


def _throttle_row(session, user_id, table, *columns):
    """The user's ``table`` row as last committed, not as first read.

    A locking read: after login_transaction's read of the credentials, a
    plain SELECT would see InnoDB's snapshot of that moment (REPEATABLE
    READ), not a row another request changed since.
    """
    return session.execute(
        sa.select(*columns).where(table.c.user_id == user_id)
        .with_for_update(read=True)).one_or_none()


@retry_on_deadlock
def use_code(user_id, credential_id, step, now, table=THROTTLE):
    """Use a step that a code matched in its own transaction (use_code_in)."""
    try:
        with sql.session_for_write() as session:
            return use_code_in(session, user_id, credential_id, step, now,
                               table)
    except _Undo as undone:
        return undone.answer


def use_code_in(session, user_id, credential_id, step, now, table=THROTTLE):
    """Use a step that a code matched, unless the throttle refuses it.

    The one write of a login with a right code: it records the step as
    used, exactly once across processes and nodes (a replay gets
    ``replayed``), then reads the user's throttle row and undoes the whole
    transaction when the user's checks are locked: a locked user's right
    code is refused like a wrong one. The write comes first so that SQLite
    takes its write lock at once, as InnoDB and PostgreSQL take the row's.
    The check is not counted, and needs no password first: a right code is
    not a guess, and whether the password is right is then Keystone's own
    counted check to say (the step stays used if it is wrong). A user
    without throttle history has no row, and the usual login is one
    statement (two when the credential was used minutes ago).
    """
    if table is THROTTLE and _use_without_history(session, user_id,
                                                  credential_id, step):
        return CheckSlot(allowed=True)
    if _advance(session, user_id, credential_id, step) is None:
        return CheckSlot(allowed=False, replayed=True)
    row = _throttle_row(session, user_id, table, table.c.locked_until)
    if row is None:
        return CheckSlot(allowed=True)
    if row.locked_until > now:
        raise _Undo(CheckSlot(allowed=False, locked_until=row.locked_until))
    return CheckSlot(allowed=True, history=True)


@retry_on_deadlock
def note_refusal(user_id):
    """Count a request refused unchecked for its wrong password.

    The counterpart of the counted check that a right password leads to:
    one single-row UPDATE in a transaction of its own, as that check's
    usual statement, so that both answers cost the same.
    """
    with sql.session_for_write() as session:
        session.execute(
            sa.update(THROTTLE).where(THROTTLE.c.user_id == user_id)
            .values(refused=THROTTLE.c.refused + 1))


def clear_throttle(session, user_id, table=THROTTLE):
    """Forget the user's failed checks: a second factor was accepted.

    The row goes: a user without throttle history has none, so that
    use_code finds nothing to forget and count_check starts afresh.
    """
    return session.execute(
        sa.delete(table).where(table.c.user_id == user_id)).rowcount


@retry_on_deadlock
def release_use(user_id, credential_id, step):
    """Give ``step`` back after the request that used it failed.

    The record goes back one step, not to what it was before: codes older
    than this one stay refused, and only if no later step was used since.
    """
    with sql.session_for_write() as session:
        return _release(session, user_id, credential_id, step)


def _release(session, user_id, credential_id, step):
    return session.execute(
        sa.update(LAST_USE)
        .where(LAST_USE.c.user_id == user_id,
               LAST_USE.c.credential_id == credential_id,
               LAST_USE.c.step == step)
        .values(step=step - 1)
    ).rowcount


@retry_on_deadlock
def purge_last_use(before_step):
    """Delete records whose step left every node's acceptance window.

    Such a record no longer refuses anything: every step a node accepts is
    later. Called after a use (at most once a step per process), in its own
    transaction, so that the table holds only credentials used recently
    without a cron job. The step goes to the device's row first: the
    record is the device's "last used" until then (db/enrolment.devices),
    so that a login writes one row, not two.
    """
    old = LAST_USE.c.step < before_step
    with sql.session_for_write() as session:
        session.execute(
            sa.update(DEVICE)
            .where(DEVICE.c.user_id == LAST_USE.c.user_id,
                   DEVICE.c.credential_id == LAST_USE.c.credential_id, old)
            .values(last_used_step=LAST_USE.c.step)
        )
        return session.execute(sa.delete(LAST_USE).where(old)).rowcount


# -- Throttle --

def count_check(user_id, now, max_failures, base, cap, unproved=None,
                table=THROTTLE):
    """Count one code check of the user before it is made; see CheckSlot.

    For a code that matched none of the user's devices (a right code goes
    through use_code). The count goes up before the result is used, in the
    same statement that tests the lock, so however many requests race, at
    most ``max_failures`` checks run per lockout period.

    ``unproved`` is None for a caller who proved the password; otherwise
    the number of failed checks (below ``max_failures``) up to which a
    caller who has not proved it may still be checked. Such a check never
    starts a lockout: past that number the answer is ``needs_password``.
    """
    args = (user_id, now, max_failures, base, cap, unproved, table)
    slot = _count_check(*args)
    if slot is None:
        # A concurrent success deleted the row between two statements.
        slot = _count_check(*args)
    if slot is None:
        raise retry.WriteConflict('count_check')
    return slot


@retry_on_deadlock
def _count_check(user_id, now, max_failures, base, cap, unproved, table):
    with sql.session_for_write() as session:
        return count_check_in(session, user_id, now, max_failures, base, cap,
                              unproved, table)


def count_check_in(session, user_id, now, max_failures, base, cap,
                   unproved=None, table=THROTTLE):
    """count_check's answer, or None when the user's row vanished meanwhile.

    One statement for most checks. A user without throttle history gets a
    row with this check counted in it; concurrent first checks meet on its
    primary key, and the losers count on the winner's row.
    """
    if unproved is not None and unproved < 1:
        return CheckSlot(allowed=False, needs_password=True)
    counting = _counting(user_id, now, unproved, table)
    # Not the last check before a lockout: nothing more to read.
    if session.execute(counting.where(
            table.c.failures < max_failures - 1)).rowcount:
        return CheckSlot(allowed=True)
    first = _first_check(max_failures, now, base, cap)
    if insert_if_absent(session, table, user_id=user_id, **first):
        return CheckSlot(allowed=True, locked_until=first['locked_until'])
    counted = session.execute(counting).rowcount
    row = _throttle_row(session, user_id, table, table.c.failures,
                        table.c.lockouts, table.c.locked_until)
    if row is None:
        return None
    if not counted:
        if row.locked_until > now:
            return CheckSlot(allowed=False, locked_until=row.locked_until)
        return CheckSlot(allowed=False, needs_password=True)
    if row.failures < max_failures:
        return CheckSlot(allowed=True)
    # The last allowed check: the lockout starts now, so no other
    # request gets a check while this one is being decided.
    until = throttle.locked_until(now, row.lockouts, base, cap)
    session.execute(
        sa.update(table)
        .where(table.c.user_id == user_id)
        .values(failures=0, lockouts=table.c.lockouts + 1,
                locked_until=until)
    )
    return CheckSlot(allowed=True, locked_until=until)


def _counting(user_id, now, unproved, table=THROTTLE):
    """The UPDATE that counts a check unless the user is locked.

    With ``unproved`` (see count_check), only below that many failures.
    """
    counting = (sa.update(table)
                .where(table.c.user_id == user_id,
                       table.c.locked_until <= now)
                .values(failures=table.c.failures + 1))
    if unproved is not None:
        counting = counting.where(table.c.failures < unproved)
    return counting


def _first_check(max_failures, now, base, cap):
    """A new throttle row's values, with its first check counted."""
    if max_failures <= 1:
        return {'failures': 0, 'lockouts': 1,
                'locked_until': throttle.locked_until(now, 0, base, cap)}
    return {'failures': 1, 'lockouts': 0, 'locked_until': 0}


@retry_on_deadlock
def reset_throttle(user_id, tables=(THROTTLE,)):
    """Forget the user's failed checks and lockouts in ``tables``.

    After a successful login or proof of a user with throttle history, and
    by the operator command (both tables). The number of rows deleted.
    """
    with sql.session_for_write() as session:
        return sum(clear_throttle(session, user_id, table)
                   for table in tables)
