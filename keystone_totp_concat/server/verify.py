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

"""The one place where a user's TOTP code is checked inside Keystone.

A code is accepted when it is a current code of one of the user's devices
(constant-time comparison, ``steps_before``/``steps_after`` of clock skew),
its time step is later than the last one that credential produced a token
with, and the user's code checks are not locked by the throttle. The replay
record and the throttle live in Keystone's SQL database (see
keystone_totp_concat.db), shared by every process and node. When that store
cannot be read or written, no code is accepted: 2FA fails closed.

A login's first check runs inside its first transaction (login_check);
the other checks here run on their own: a code beside a proved password
or token, a recovery code, a new device's first code.
"""

import dataclasses
import functools
import time

from keystone.common import password_hashing
from oslo_log import log

from keystone_totp_concat.core import recovery
from keystone_totp_concat.core import throttle
from keystone_totp_concat.core import totp
from keystone_totp_concat.db import api as db_api
from keystone_totp_concat.db import recovery as db_recovery
from keystone_totp_concat.db import throttle as db_throttle
from keystone_totp_concat.server import code_use
from keystone_totp_concat.server import conf
from keystone_totp_concat.server import credentials
from keystone_totp_concat.server import outcomes
from keystone_totp_concat.server import store

CONF = conf.CONF
LOG = log.getLogger(__name__)


def code_length():
    return CONF.totp_concat.code_length


def check_code(user_id, enrolment, code, prove_password=None,
               table=db_throttle.THROTTLE):
    """A TOTP Decision when ``code`` may log the user in, else REFUSED.

    ``prove_password`` is None when the caller already proved the password
    (an auth receipt, a token). Otherwise it is a callable that says whether
    the request's password is right without Keystone counting a failure; it
    is called only for a wrong code, once the user's checks without a
    proved password are spent (see throttle.unproved_checks), so that the
    normal wrong code is refused without a password hash and a stranger
    cannot start a lockout. A right code never waits for it: Keystone's own
    counted check then says whether the password is right, so that whoever
    holds the phone but not the password guesses exactly as on stock
    Keystone, once per code.

    A right code's step is recorded as used at once, so that no concurrent
    request can use it too. The caller then keeps it used: with settle (see
    second_factor.use_up), or with password_refused when the password turns
    out wrong; or gives it back with release_use when the request fails for
    another reason.
    ``table`` is the throttle that counts the check: the login's, or the
    OS-TOTP API's proofs' (check_enrolled_code).
    """
    if not totp.is_well_formed(code, code_length()):
        # Not a guess at a code, so not counted by the throttle.
        LOG.info('Missing or malformed TOTP code for user %s.', user_id)
        return outcomes.REFUSED
    now = time.time()
    verified, attempt = candidate(user_id, enrolment, code, now, table)
    return outcomes.totp_decision(
        conclude(user_id, verified, attempt, prove_password, now))


def candidate(user_id, enrolment, code, now, table=db_throttle.THROTTLE):
    """``(verified, attempt)``: what the code would prove, how to store it.

    ``verified`` is None for a code that fits no device. ``attempt(unproved,
    session=None)`` uses the matched step (use_code) or, for a wrong code
    or a device without a credential yet, counts the check (count_check),
    in ``table``.
    """
    group = CONF.totp_concat
    match = totp.find_match(
        enrolment.secrets, code, now,
        steps_before=group.steps_before, steps_after=group.steps_after,
        digits=group.code_length,
    )
    if match is None:
        return None, functools.partial(_count, user_id, now, table=table)
    verified = outcomes.Verified(
        user_id, enrolment.credential_ids[match.index], match.step)
    if verified.credential_id is None:
        return verified, functools.partial(_count, user_id, now, table=table)
    return verified, functools.partial(_use, verified, now, table=table)


def conclude(user_id, verified, attempt, prove_password, now, slot=None):
    """check_code's answer once ``attempt`` has run (``slot``) or is due."""
    try:
        slot = _gate(user_id, attempt, prove_password, slot)
    except store.Unavailable:
        return None
    if not slot:
        return None
    verified = _decide(user_id, slot, verified, now)
    if verified is None:
        return None
    if verified.credential_id is not None:
        code_use.purge(verified.step)
    if slot.history:
        verified = dataclasses.replace(verified, history=True)
    return verified


def check_recovery_code(user_id, code):
    """A RECOVERY Decision for an unused recovery code of the user.

    REFUSED for any other code.

    Not counted by the throttle, and accepted during a lockout: a recovery
    code has 60 random bits, so guessing one is hopeless however often it
    is tried, and it is the user's way back in when someone who has the
    password locked the code checks. A hash is compared only for a code
    whose first group names one of the user's unused codes, which a
    stranger finds about once in a hundred thousand tries. As for a TOTP
    code, Keystone's own counted check then says whether the password is
    right, and a wrong one uses the recovery code up (password_refused).
    """
    now = int(time.time())
    try:
        stored = store.call('reading a recovery code', user_id,
                            db_recovery.unused_hash, user_id,
                            recovery.code_id(code))
    except store.Unavailable:
        return outcomes.REFUSED
    if stored is None or not password_hashing.check_password(code, stored):
        LOG.info('Invalid recovery code for user %s.', user_id)
        return outcomes.REFUSED
    return outcomes.Decision(
        outcomes.Outcome.RECOVERY,
        outcomes.RecoveryVerified(user_id, recovery.code_id(code), now))


def _gate(user_id, attempt, prove_password, slot=None):
    """Count or use the check; None when the password, checked first, is wrong.

    ``attempt(unproved)`` is the store's answer (see
    db_throttle.count_check and db_api.use_code); ``slot`` that answer when
    the caller already has it. See check_code for when the password is
    checked first.
    """
    if slot is None:
        slot = attempt(unproved() if prove_password is not None else None)
    if not slot.needs_password:
        return slot
    if not prove_password():
        LOG.info('Code of user %s not checked: the password, verified first '
                 'after earlier failed codes, is wrong.', user_id)
        _note_refusal(user_id)
        return None
    return attempt(None)


def _note_refusal(user_id):
    """Make a refusal for a wrong password cost what a counted check costs.

    A failure is logged and changes nothing else: the request is refused.
    """
    try:
        db_throttle.note_refusal(user_id)
    except Exception as e:
        LOG.warning('Could not count a refused TOTP login of user %(user)s '
                    '(%(err)s).', {'user': user_id, 'err': type(e).__name__})


def unproved():
    group = CONF.totp_concat
    return throttle.unproved_checks(group.password_first_after,
                                    group.max_failures)


def check_new_secret_code(user_id, secret, code):
    """The time step at which ``code`` fits ``secret``, or None.

    For a device being enrolled by a caller who proved who they are (a
    token): the check is counted by the user's proof throttle like a login
    code that came with the right password. Nothing is recorded: the caller
    records the step on the credential it creates (record_use).
    """
    enrolment = credentials.Enrolment([secret], 1, [None])
    answer = check_code(user_id, enrolment, code,
                        table=db_throttle.PROOF_THROTTLE)
    return answer.proof.step if answer.accepted else None


def check_enrolled_code(user_id, enrolment, code):
    """A current code of one of the user's devices, used up; else None.

    For a caller who proved who they are (a token) and must show a code
    too: throttled like a login code that came with the right password,
    but by the proof throttle, so that a stolen token's wrong codes can
    lock its own proofs and never the user's logins; when accepted,
    recorded as used so it cannot log in afterwards.
    """
    answer = check_code(user_id, enrolment, code,
                        table=db_throttle.PROOF_THROTTLE)
    if not answer.accepted:
        return None
    code_use.settle(answer.proof, db_throttle.PROOF_THROTTLE)
    return answer.proof


def _count(user_id, now, unproved, session=None, table=db_throttle.THROTTLE):
    group = CONF.totp_concat
    args = (user_id, now, group.max_failures, group.lockout_duration,
            group.max_lockout_duration, unproved, table)
    if session is not None:
        return db_throttle.count_check_in(session, *args)
    return store.call('counting a code check', user_id,
                      db_throttle.count_check, *args)


def _use(verified, now, unproved, session=None, table=db_throttle.THROTTLE):
    """use_code: a right code needs no proved password (``unproved``)."""
    args = (verified.user_id, verified.credential_id, verified.step, now,
            table)
    if session is not None:
        return db_api.use_code_in(session, *args)
    return store.call('recording a used code', verified.user_id,
                      db_api.use_code, *args)


def _decide(user_id, slot, verified, now):
    group = CONF.totp_concat
    if slot.replayed:
        code_use.log_replay(verified)
        return None
    if not slot.allowed:
        LOG.warning('TOTP code of user %(user)s not checked: too many failed '
                    'codes, code checks locked for %(left)d more seconds.',
                    {'user': user_id, 'left': slot.locked_until - now})
        return None
    if verified is None:
        if slot.locked_until:
            LOG.warning('Invalid TOTP code for user %(user)s; %(n)d failed '
                        'code checks in a row, code checks locked for '
                        '%(secs)d seconds.',
                        {'user': user_id, 'n': group.max_failures,
                         'secs': slot.locked_until - int(now)})
        else:
            LOG.info('Invalid TOTP code for user %s.', user_id)
        return None
    return verified
