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
"""After a check: keep an accepted code used, or give it back.

A right code is recorded as used by its check (verify); what happens to it
then depends on the rest of the request: settle when it succeeded,
password_refused when the password was wrong, release_use when it failed
for another reason. Also the replay records' purge and the OS-TOTP API's
recording of a new device's first step.
"""

from oslo_log import log

from keystone_totp_concat.db import api as db_api
from keystone_totp_concat.db import recovery as db_recovery
from keystone_totp_concat.db import throttle as db_throttle
from keystone_totp_concat.server import conf
from keystone_totp_concat.server import outcomes
from keystone_totp_concat.server import store

CONF = conf.CONF
LOG = log.getLogger(__name__)

# Replay records are purged only this many steps after they left the
# acceptance window, so that nodes whose clocks differ by up to five minutes
# never purge a record another node still needs.
PURGE_MARGIN_STEPS = 10


def settle(verified, table=db_throttle.THROTTLE):
    """Keep a right TOTP code (a Verified) used: its request succeeded.

    Forgets the user's failed checks in ``table``, when there are any (a
    second write only for such a user). A failure is logged: the failures
    then stay on record, which refuses more, never less.
    """
    if not verified.history:
        return
    try:
        db_throttle.reset_throttle(verified.user_id, (table,))
    except Exception as e:
        LOG.warning('Could not reset the TOTP throttle of user %(user)s '
                    'after a successful login (%(err)s).',
                    {'user': verified.user_id, 'err': type(e).__name__})


def password_refused(answer):
    """Keep an accepted code used although the password was wrong.

    Keystone's own check counted the wrong password (its lockout, an LDAP
    server's policy), as it would on stock Keystone; the code is not given
    back, so whoever holds the phone or a recovery code but not the
    password gets one guess per code. A recovery code, not used before the
    password was checked, is used now. A failure is logged.
    """
    verified = answer.proof
    LOG.warning('A right second factor of user %s came with a wrong '
                'password: the code is used up.', verified.user_id)
    if answer.outcome is outcomes.Outcome.RECOVERY:
        try:
            db_recovery.use(verified.user_id, verified.code_id,
                            verified.used_at, forget_failures=False)
        except Exception as e:
            LOG.warning('Could not use up the recovery code of user '
                        '%(user)s after a wrong password (%(err)s).',
                        {'user': verified.user_id,
                         'err': type(e).__name__})


def release_use(answer):
    """Give an accepted code back when the request it came with failed.

    Only if no later code of the device was used meanwhile; a failure is
    logged and leaves the code used, which refuses more, never less.
    """
    verified = answer.proof
    try:
        if answer.outcome is outcomes.Outcome.RECOVERY:
            db_recovery.give_back(verified.user_id, verified.code_id,
                                  verified.used_at)
        else:
            db_api.release_use(verified.user_id, verified.credential_id,
                               verified.step)
    except Exception as e:
        LOG.warning('Could not give back the TOTP code of user %(user)s '
                    'after its request failed (%(err)s).',
                    {'user': verified.user_id, 'err': type(e).__name__})


def use_recovery_code(verified):
    """Atomically mark a recovery code (a RecoveryVerified) used.

    False if it already was. Exactly one of any number of concurrent calls
    for the same recovery code, on any node, returns True. It also resets
    the user's login throttle.
    """
    try:
        return store.call('using a recovery code', verified.user_id,
                          db_recovery.use, verified.user_id,
                          verified.code_id, verified.used_at)
    except store.Unavailable:
        return False


def record_use(verified):
    """Atomically mark a new device's step (a Verified) used.

    False if it already was. Exactly one of any number of concurrent calls
    for the same step, on any node, returns True. It also resets the user's
    proof throttle. (check_code records a login code itself.)
    """
    try:
        outcome = store.call('recording a used code', verified.user_id,
                             db_api.record_use, verified.user_id,
                             verified.credential_id, verified.step,
                             db_throttle.PROOF_THROTTLE)
    except store.Unavailable:
        return False
    if outcome is None:
        log_replay(verified)
        return False
    purge(verified.step)
    return True


_purged_before = None


def purge(step):
    """Drop replay records that no node's window can reach any more.

    A used code triggers it, at most once per time step and process: the
    cut-off only moves with the step, so purging more often would find
    nothing new.
    """
    global _purged_before
    group = CONF.totp_concat
    before = step - group.steps_before - group.steps_after - PURGE_MARGIN_STEPS
    if _purged_before is not None and before <= _purged_before:
        return
    try:
        db_api.purge_last_use(before)
    except Exception as e:
        # The record stays correct without the purge; the next one retries.
        LOG.warning('Could not purge old TOTP replay records (%s).',
                    type(e).__name__)
        return
    _purged_before = before


def log_replay(verified):
    LOG.warning('TOTP code of user %(user)s refused: time step %(step)d of '
                'credential %(cred)s or a later one was already used '
                '(replayed or older code).',
                {'user': verified.user_id, 'step': verified.step,
                 'cred': verified.credential_id})
