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

"""Pending enrolments and device details of the OS-TOTP API.

A pending enrolment is a secret the server made and showed once, waiting
for a code from the user's app; one per user, replaced by a new begin, in
Keystone's database so every node sees it. The secret is stored encrypted
with Keystone's credential keys, like the blob of a credential. A device is
a Keystone ``totp`` credential (the source of truth); this table only adds
what the credential table has no column for: a label, when it was made and
when it last produced a token (with the replay record, see devices).
Sessions come from Keystone's enginefacade.
"""

from keystone.common import sql
import sqlalchemy as sa

from keystone_totp_concat.db import api as db_api
from keystone_totp_concat.db import models
from keystone_totp_concat.db import statements


pending = models.pending
device = models.device


# -- Pending enrolments --

@db_api.retry_on_deadlock
def put_pending(user_id, encrypted_secret, key_hash, label, proved,
                created_at, expires_at):
    """Store the user's pending enrolment, replacing any earlier one."""
    values = dict(user_id=user_id, encrypted_secret=encrypted_secret,
                  key_hash=key_hash, label=label, proved=proved,
                  created_at=created_at, expires_at=expires_at)
    with sql.session_for_write() as session:
        statements.upsert(session, pending, **values)


def get_pending(user_id):
    """The user's pending enrolment row (expired or not), or None."""
    with sql.session_for_read() as session:
        return session.execute(
            sa.select(pending).where(pending.c.user_id == user_id)
        ).one_or_none()


@db_api.retry_on_deadlock
def take_pending(user_id, created_at):
    """Delete exactly the pending enrolment made at ``created_at``.

    True for the one caller that took it; False when it was already taken,
    cancelled or replaced by a new begin (possibly on another node).
    """
    with sql.session_for_write() as session:
        return session.execute(
            sa.delete(pending).where(pending.c.user_id == user_id,
                                     pending.c.created_at == created_at)
        ).rowcount == 1


@db_api.retry_on_deadlock
def delete_pending(user_id):
    with sql.session_for_write() as session:
        return session.execute(
            sa.delete(pending).where(pending.c.user_id == user_id)).rowcount


@db_api.retry_on_deadlock
def purge_expired_pending(now):
    """Drop every pending enrolment that expired before ``now``."""
    with sql.session_for_write() as session:
        return session.execute(
            sa.delete(pending).where(pending.c.expires_at < now)).rowcount


# -- Device details --

@db_api.retry_on_deadlock
def add_device(credential_id, user_id, label, created_at):
    with sql.session_for_write() as session:
        session.execute(sa.insert(device).values(
            credential_id=credential_id, user_id=user_id, label=label,
            created_at=created_at, last_used_step=None))


def devices(user_id):
    """``{credential_id: row}`` of the user's device details.

    A row's ``last_used_step`` is the later of the device's own and its
    replay record's: a login writes only the record, whose purge copies it
    to the device (db_api.purge_last_use). After a request that failed
    once its code was accepted, it is the step before that code's, the
    record's give-back.
    """
    record = db_api.LAST_USE
    recorded = record.c.step
    kept = device.c.last_used_step
    last = sa.case(
        (sa.and_(recorded.is_not(None),
                 sa.or_(kept.is_(None), recorded > kept)), recorded),
        else_=kept)
    query = (
        sa.select(device.c.credential_id, device.c.user_id, device.c.label,
                  device.c.created_at, last.label('last_used_step'))
        .select_from(device.outerjoin(record, sa.and_(
            record.c.user_id == device.c.user_id,
            record.c.credential_id == device.c.credential_id)))
        .where(device.c.user_id == user_id))
    with sql.session_for_read() as session:
        rows = session.execute(query).all()
    return {row.credential_id: row for row in rows}


@db_api.retry_on_deadlock
def delete_devices(user_id, credential_ids=None):
    """Forget the details of the user's devices (all, or those named)."""
    query = sa.delete(device).where(device.c.user_id == user_id)
    if credential_ids is not None:
        query = query.where(device.c.credential_id.in_(list(credential_ids)))
    with sql.session_for_write() as session:
        return session.execute(query).rowcount


@db_api.retry_on_deadlock
def forget_device(credential_id):
    """Drop the details of a device whose credential is gone."""
    with sql.session_for_write() as session:
        return session.execute(
            sa.delete(device).where(device.c.credential_id == credential_id)
        ).rowcount
