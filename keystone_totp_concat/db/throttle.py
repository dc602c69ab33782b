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

"""The throttle's rows: count a code check, note a refusal, forget.

One row per user with failed code checks or lockouts; a user without throttle
history has none. The login's throttle and the OS-TOTP API proofs' are two
tables of the same shape: every function takes either (``table``), the
login's by default. Each decision is one statement on the user's row (see
keystone_totp_concat.db.api).
"""

import dataclasses

from keystone.common import sql
import sqlalchemy as sa

from keystone_totp_concat.core import throttle
from keystone_totp_concat.db import models
from keystone_totp_concat.db import retry
from keystone_totp_concat.db import statements

retry_on_deadlock = retry.on_conflict
THROTTLE = models.throttle
PROOF_THROTTLE = models.proof_throttle


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


def current_row(session, user_id, table, *columns):
    """The user's ``table`` row as last committed, not as first read.

    A locking read: after login_transaction's read of the credentials, a
    plain SELECT would see InnoDB's snapshot of that moment (REPEATABLE
    READ), not a row another request changed since.
    """
    return session.execute(
        sa.select(*columns).where(table.c.user_id == user_id)
        .with_for_update(read=True)).one_or_none()


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
    if statements.insert_if_absent(session, table, user_id=user_id, **first):
        return CheckSlot(allowed=True, locked_until=first['locked_until'])
    counted = session.execute(counting).rowcount
    row = current_row(session, user_id, table, table.c.failures,
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
