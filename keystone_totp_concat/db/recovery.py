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

"""Stored recovery codes: one row per code, its hash and whether it was used.

Only a salted slow hash of a code is stored (Keystone's password hasher,
``[identity] password_hash_algorithm`` and its rounds), under the code's
first group so that a check computes one hash. User ids compare byte
for byte (db.exact): under MariaDB's collation ``ABC`` would find the codes
of ``abc``. Code ids need not: they are checked to be lowercase base32
(recovery.is_recovery_code) before any query. Using a code is one
conditional ``UPDATE`` (``used_at IS NULL``): of any number of concurrent
requests on any node, exactly one uses it.
"""

from keystone.common import sql
import sqlalchemy as sa

from keystone_totp_concat.db import exact
from keystone_totp_concat.db import models
from keystone_totp_concat.db import retry
from keystone_totp_concat.db import throttle as db_throttle

recovery_code = models.recovery_code


def _of(session, user_id):
    """The rows of exactly this user."""
    return exact.equal(session, recovery_code.c.user_id, user_id)


@retry.on_conflict
def replace_set(user_id, hashes, now):
    """Store a new set (``{code_id: hash}``); the old one is gone."""
    with sql.session_for_write() as session:
        session.execute(sa.delete(recovery_code)
                        .where(_of(session, user_id)))
        if hashes:
            session.execute(sa.insert(recovery_code), [
                {'user_id': user_id, 'code_id': code_id, 'code_hash': hashed,
                 'created_at': now, 'used_at': None}
                for code_id, hashed in hashes.items()])


@retry.on_conflict
def revoke(user_id):
    """Delete the user's set; how many codes it still had unused."""
    with sql.session_for_write() as session:
        left = _remaining(session, user_id)
        session.execute(sa.delete(recovery_code)
                        .where(_of(session, user_id)))
        return left


def remaining(user_id):
    with sql.session_for_read() as session:
        return _remaining(session, user_id)


def _remaining(session, user_id):
    return session.execute(
        sa.select(sa.func.count()).select_from(recovery_code)
        .where(_of(session, user_id),
               recovery_code.c.used_at.is_(None))).scalar_one()


def unused_hash(user_id, code_id):
    """The hash of the user's unused code ``code_id``, or None."""
    with sql.session_for_read() as session:
        return session.execute(
            sa.select(recovery_code.c.code_hash)
            .where(_of(session, user_id),
                   recovery_code.c.code_id == code_id,
                   recovery_code.c.used_at.is_(None))).scalar_one_or_none()


@retry.on_conflict
def use(user_id, code_id, now, forget_failures=True):
    """Mark the code used, reset the login throttle; False if already used.

    Already used possibly by a concurrent request on another node. A code
    used up by a request whose password was wrong forgets nothing
    (``forget_failures``).
    """
    with sql.session_for_write() as session:
        used = session.execute(
            sa.update(recovery_code)
            .where(_of(session, user_id),
                   recovery_code.c.code_id == code_id,
                   recovery_code.c.used_at.is_(None))
            .values(used_at=now)).rowcount
        if used and forget_failures:
            db_throttle.clear_throttle(session, user_id)
        return bool(used)


@retry.on_conflict
def give_back(user_id, code_id, used_at):
    """Make the code unused again after the request that used it failed."""
    with sql.session_for_write() as session:
        return session.execute(
            sa.update(recovery_code)
            .where(_of(session, user_id),
                   recovery_code.c.code_id == code_id,
                   recovery_code.c.used_at == used_at)
            .values(used_at=None)).rowcount
