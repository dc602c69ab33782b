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

"""The replay record: each device's last used step, and the login's write.

Every decision that must hold across processes and nodes is taken by one
SQL statement on one row: an ``UPDATE ... WHERE`` (a compare-and-set, which
InnoDB, PostgreSQL and SQLite all apply under a row or database lock and
re-evaluate against the latest committed row) or an ``INSERT`` that a primary
key turns into insert-or-fail (statements.py). Sessions come from Keystone's
own oslo.db enginefacade, so the tables share ``[database] connection`` and
its pool. The throttle's rows are throttle.py's.
"""

import functools

from keystone.common import sql
import keystone.conf
import sqlalchemy as sa

from keystone_totp_concat.db import models
from keystone_totp_concat.db import retry
from keystone_totp_concat.db import statements
from keystone_totp_concat.db import throttle as db_throttle

# InnoDB, and Galera's certification on a cluster written through several
# nodes, may abort one of two transactions racing for the same rows. Every
# write of this package's tables is a whole transaction decorated with this:
# run again a bounded number of times, then WriteConflict (see db/retry.py).
retry_on_deadlock = retry.on_conflict
CONF = keystone.conf.CONF

LAST_USE = models.last_use
DEVICE = models.device

# What record_use did when it was the request that used the step.
ADVANCED = 'advanced'  # the credential's record moved to a later step
INSERTED = 'inserted'  # the credential's first record was written


@retry_on_deadlock
def record_use(user_id, credential_id, step, table=db_throttle.THROTTLE):
    """Mark ``step`` of the credential used, reset the user's ``table``.

    Returns ADVANCED or INSERTED when this call is the one that used the
    step, ``None`` when that step or a later one was already used
    (a replay, possibly by a concurrent request on another node).
    """
    with sql.session_for_write() as session:
        outcome = _advance(session, user_id, credential_id, step)
        if outcome is not None:
            db_throttle.clear_throttle(session, user_id, table)
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
    if not advanced and not statements.insert_if_absent(
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
    usual = _usual_login(statements.dialect_of(session))
    if usual is None:
        return False
    values = {'u': user_id, 'c': credential_id, 's': step}
    return any(session.execute(statement, values).rowcount
               for statement in usual)


@functools.lru_cache(maxsize=None)
def _usual_login(dialect):
    """The INSERT and UPDATE of _use_without_history, built once.

    Bound at each call (``u``, ``c``, ``s``): a login should not pay for
    building them. None for a dialect without an INSERT that skips a
    duplicate.
    """
    insert = statements.skipping_duplicates(dialect, LAST_USE)
    if insert is None:
        return None
    user_id, credential_id, step = (
        sa.bindparam('u', type_=LAST_USE.c.user_id.type),
        sa.bindparam('c', type_=LAST_USE.c.credential_id.type),
        sa.bindparam('s', type_=LAST_USE.c.step.type))
    no_history = ~sa.exists().where(db_throttle.THROTTLE.c.user_id == user_id)
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


@retry_on_deadlock
def use_code(user_id, credential_id, step, now, table=db_throttle.THROTTLE):
    """Use a step that a code matched in its own transaction (use_code_in)."""
    try:
        with sql.session_for_write() as session:
            return use_code_in(session, user_id, credential_id, step, now,
                               table)
    except _Undo as undone:
        return undone.answer


def use_code_in(session, user_id, credential_id, step, now,
                table=db_throttle.THROTTLE):
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
    if table is db_throttle.THROTTLE and _use_without_history(
            session, user_id, credential_id, step):
        return db_throttle.CheckSlot(allowed=True)
    if _advance(session, user_id, credential_id, step) is None:
        return db_throttle.CheckSlot(allowed=False, replayed=True)
    row = db_throttle.current_row(session, user_id, table,
                                  table.c.locked_until)
    if row is None:
        return db_throttle.CheckSlot(allowed=True)
    if row.locked_until > now:
        raise _Undo(db_throttle.CheckSlot(allowed=False,
                                          locked_until=row.locked_until))
    return db_throttle.CheckSlot(allowed=True, history=True)


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
