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
"""Stored requirements of Two Factor Authentication and grace periods.

The requirement table is small (a row per domain, role or user an operator
named) and read whole; its ids are compared in Python, byte for byte. A
user's grace period starts with the first row written for them: of any
number of concurrent first logins, on any node, one row wins and every
login reads the same start.
"""

from keystone.common import sql
import sqlalchemy as sa

from keystone_totp_concat.db import exact
from keystone_totp_concat.db import models
from keystone_totp_concat.db import retry
from keystone_totp_concat.db import statements

REQUIREMENT = models.requirement
SINCE = models.required_since
# Ids per IN list of starts().
CHUNK = 500


def rows(session=None):
    """Every requirement: ``(kind, target_id, created_at)`` tuples.

    In ``session`` when given (a login's first transaction).
    """
    if session is None:
        with sql.session_for_read() as session:
            return rows(session)
    return [tuple(row) for row in session.execute(sa.select(
        REQUIREMENT.c.kind, REQUIREMENT.c.target_id,
        REQUIREMENT.c.created_at))]


@retry.on_conflict
def put(kind, target_id, now):
    """Store a requirement; False if it was there already."""
    with sql.session_for_write() as session:
        return statements.insert_if_absent(
            session, REQUIREMENT, kind=kind, target_id=target_id,
            created_at=now)


@retry.on_conflict
def delete(kind, target_id):
    """Lift a requirement; False if there was none."""
    with sql.session_for_write() as session:
        return bool(session.execute(sa.delete(REQUIREMENT).where(
            REQUIREMENT.c.kind == kind,
            exact.equal(session, REQUIREMENT.c.target_id, target_id)))
            .rowcount)


@retry.on_conflict
def start(user_id, now):
    """The start of the user's grace period, ``now`` if it starts now."""
    with sql.session_for_write() as session:
        statements.insert_if_absent(session, SINCE, user_id=user_id,
                                    since=now)
        return session.execute(sa.select(SINCE.c.since).where(
            exact.equal(session, SINCE.c.user_id, user_id))).scalar_one()


def starts(user_ids):
    """``{user_id: start}`` for those of ``user_ids`` whose period began.

    By primary key, a chunk of ids at a time; the ids are then compared
    byte for byte.
    """
    wanted = sorted(set(user_ids))
    found = {}
    with sql.session_for_read() as session:
        for first in range(0, len(wanted), CHUNK):
            chunk = wanted[first:first + CHUNK]
            found.update((row.user_id, row.since) for row in session.execute(
                sa.select(SINCE.c.user_id, SINCE.c.since)
                .where(SINCE.c.user_id.in_(chunk)))
                if row.user_id in chunk)
    return found


@retry.on_conflict
def forget_start(user_id):
    """End the user's grace period: the next one starts afresh."""
    with sql.session_for_write() as session:
        return session.execute(sa.delete(SINCE).where(
            exact.equal(session, SINCE.c.user_id, user_id))).rowcount
