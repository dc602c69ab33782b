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

What a login's check costs the database (check_login): one transaction
that looks the user up (Keystone's own reads, with the SQL identity
driver), reads the user's credentials and counts a wrong code, or records
a right code's step as used (and reads the throttle); plus one that
forgets earlier failures only for a user who has some, and one that gives
the step back if the password is wrong.
"""

import dataclasses
import enum
import functools
import time
import typing

from keystone.common import password_hashing
from oslo_log import log

from keystone_totp_concat.core import recovery
from keystone_totp_concat.core import throttle
from keystone_totp_concat.core import totp
from keystone_totp_concat.db import api as db_api
from keystone_totp_concat.db import recovery as db_recovery
from keystone_totp_concat.server import conf
from keystone_totp_concat.server import credentials

CONF = conf.CONF
LOG = log.getLogger(__name__)


# Replay records are purged only this many steps after they left the
# acceptance window, so that nodes whose clocks differ by up to five minutes
# never purge a record another node still needs.
PURGE_MARGIN_STEPS = 10


@dataclasses.dataclass(frozen=True)
class Verified:
    """A code that passed check_code: whose, which device, which step.

    ``history``: the user had failed checks on record, which settle forgets.
    """

    user_id: str
    credential_id: str
    step: int
    history: bool = False


@dataclasses.dataclass(frozen=True)
class RecoveryVerified:
    """A recovery code that passed check_recovery_code, and when."""

    user_id: str
    code_id: str
    used_at: int


class Outcome(enum.Enum):
    """What a check decided about a request's second factor."""

    # check_login only: the user is not enrolled, or the code is not a TOTP
    # code (a recovery code, or malformed); the caller checks it itself.
    NOT_CHECKED = 'not checked'
    # Wrong, malformed, replayed, throttled, or the store failed.
    REFUSED = 'refused'
    # A current code of a device, recorded as used (``proof``: a Verified).
    TOTP = 'totp'
    # An unused recovery code, not yet used up (``proof``: a
    # RecoveryVerified; use_up records it).
    RECOVERY = 'recovery'


@dataclasses.dataclass(frozen=True)
class Decision:
    """A check's outcome and, when it accepted the code, what proves it."""

    outcome: Outcome
    proof: typing.Union[Verified, RecoveryVerified, None] = None

    @property
    def accepted(self):
        return self.outcome in (Outcome.TOTP, Outcome.RECOVERY)


NOT_CHECKED = Decision(Outcome.NOT_CHECKED)
REFUSED = Decision(Outcome.REFUSED)


def _totp_decision(verified):
    """TOTP for a Verified, REFUSED for None."""
    return REFUSED if verified is None else Decision(Outcome.TOTP, verified)


def code_length():
    return CONF.totp_concat.code_length


class StoreUnavailable(Exception):
    """The replay/throttle tables could not be used."""


def _store(what, user_id, call, *args):
    """Run a db_api call; on any failure log it and raise StoreUnavailable."""
    try:
        return call(*args)
    except Exception as e:
        failure = type(e).__name__
    _store_failed(what, user_id, failure)
    raise StoreUnavailable()


def _store_failed(what, user_id, failure):
    """Log a store failure by its exception's class only.

    A driver message may quote SQL parameters or the connection URL.
    """
    LOG.error('TOTP replay/throttle store failed while %(what)s for user '
              '%(user)s (%(err)s); refusing the code.',
              {'what': what, 'user': user_id, 'err': failure})


def check_login(identify, code, prove_password=None):
    """``(enrolment, decision)``: the user's devices and a login's code.

    ``identify()`` looks the request's user up and returns the user's id;
    whatever it raises is raised as is. The login's first transaction runs
    it (see _FirstCheck.read), reads the user's ``totp`` credentials and,
    when the user is enrolled and ``code`` is a TOTP code, uses or counts
    it as check_code does, in the same session: one transaction where
    separate ones would take three. ``decision`` is check_code's answer, or
    NOT_CHECKED. When the credentials cannot be read this raises Keystone's
    Unauthorized (see credentials.refusal); when the code's record fails,
    the code is REFUSED.
    """
    now = time.time()
    first = _FirstCheck(identify, code, now,
                        _unproved() if prove_password is not None else None)
    if not _lookup_in_transaction():
        first.user_id = identify()
    try:
        slot = db_api.login_transaction(first.read, first.write)
    except _LookupFailed as e:
        raise e.error from None
    except credentials.Unreadable as e:
        failure = e.failure
    except Exception as e:
        failure = type(e).__name__
    else:
        failure = None
    user_id = first.user_id
    if failure is not None:
        if first.attempt is None:
            raise credentials.refusal(user_id, failure)
        _store_failed('checking a code', user_id, failure)
        return first.enrolment, REFUSED
    if first.attempt is None:
        return first.enrolment, NOT_CHECKED
    return first.enrolment, _totp_decision(_conclude(
        user_id, first.verified, first.attempt, prove_password, now, slot))


def _lookup_in_transaction():
    """Whether Keystone's user lookup may join the login's transaction.

    With the SQL identity driver alone it only reads the user and domain,
    on the same connection: no pool check-out, ping and rollback of its
    own. Other drivers may create ID mappings or shadow users while looking
    up, which must not hang on this package's transaction.
    """
    identity = CONF.identity
    return (identity.driver == 'sql'
            and not identity.domain_specific_drivers_enabled)


class _LookupFailed(Exception):
    """Carries what the user lookup raised out of the transaction."""

    def __init__(self, error):
        super().__init__()
        self.error = error


class _FirstCheck:
    """A login's first transaction, run by db_api.login_transaction.

    Run again from its read on a conflict; keeps what it read and which
    store call it made (``attempt``, None when it made none) for
    check_login.
    """

    def __init__(self, identify, code, now, unproved):
        self.identify = identify
        self.user_id = None
        self.code = code
        self.now = now
        self.unproved = unproved
        self.enrolment = self.verified = self.attempt = None

    def read(self, session):
        """Look the user up (unless done already), then read the devices.

        Keystone's lookup opens its own reader session, which joins this
        one: Keystone's sessions share one context per thread.
        """
        self.verified = self.attempt = None
        if self.user_id is None:
            try:
                self.user_id = self.identify()
            except Exception as e:
                raise _LookupFailed(e)
        self.enrolment = credentials.read(session, self.user_id)
        return self.enrolment

    def write(self, session, enrolment):
        if not (enrolment.enrolled
                and totp.is_well_formed(self.code, code_length())):
            return None
        self.verified, self.attempt = _candidate(
            self.user_id, enrolment, self.code, self.now)
        return self.attempt(self.unproved, session)


def check_code(user_id, enrolment, code, prove_password=None,
               table=db_api.THROTTLE):
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
        return REFUSED
    now = time.time()
    verified, attempt = _candidate(user_id, enrolment, code, now, table)
    return _totp_decision(
        _conclude(user_id, verified, attempt, prove_password, now))


def _candidate(user_id, enrolment, code, now, table=db_api.THROTTLE):
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
    verified = Verified(user_id, enrolment.credential_ids[match.index],
                        match.step)
    if verified.credential_id is None:
        return verified, functools.partial(_count, user_id, now, table=table)
    return verified, functools.partial(_use, verified, now, table=table)


def _conclude(user_id, verified, attempt, prove_password, now, slot=None):
    """check_code's answer once ``attempt`` has run (``slot``) or is due."""
    try:
        slot = _gate(user_id, attempt, prove_password, slot)
    except StoreUnavailable:
        return None
    if not slot:
        return None
    verified = _decide(user_id, slot, verified, now)
    if verified is None:
        return None
    if verified.credential_id is not None:
        _purge(verified.step)
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
        stored = _store('reading a recovery code', user_id,
                        db_recovery.unused_hash, user_id,
                        recovery.code_id(code))
    except StoreUnavailable:
        return REFUSED
    if stored is None or not password_hashing.check_password(code, stored):
        LOG.info('Invalid recovery code for user %s.', user_id)
        return REFUSED
    return Decision(Outcome.RECOVERY,
                    RecoveryVerified(user_id, recovery.code_id(code), now))


def _gate(user_id, attempt, prove_password, slot=None):
    """Count or use the check; None when the password, checked first, is wrong.

    ``attempt(unproved)`` is the store's answer (see db_api.count_check and
    db_api.use_code); ``slot`` that answer when the caller already has it.
    See check_code for when the password is checked first.
    """
    if slot is None:
        slot = attempt(_unproved() if prove_password is not None else None)
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
        db_api.note_refusal(user_id)
    except Exception as e:
        LOG.warning('Could not count a refused TOTP login of user %(user)s '
                    '(%(err)s).', {'user': user_id, 'err': type(e).__name__})


def _unproved():
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
    decision = check_code(user_id, enrolment, code,
                          table=db_api.PROOF_THROTTLE)
    return decision.proof.step if decision.accepted else None


def check_enrolled_code(user_id, enrolment, code):
    """A current code of one of the user's devices, used up; else None.

    For a caller who proved who they are (a token) and must show a code
    too: throttled like a login code that came with the right password,
    but by the proof throttle, so that a stolen token's wrong codes can
    lock its own proofs and never the user's logins; when accepted,
    recorded as used so it cannot log in afterwards.
    """
    decision = check_code(user_id, enrolment, code,
                          table=db_api.PROOF_THROTTLE)
    if not decision.accepted:
        return None
    settle(decision.proof, db_api.PROOF_THROTTLE)
    return decision.proof


def _count(user_id, now, unproved, session=None, table=db_api.THROTTLE):
    group = CONF.totp_concat
    args = (user_id, now, group.max_failures, group.lockout_duration,
            group.max_lockout_duration, unproved, table)
    if session is not None:
        return db_api.count_check_in(session, *args)
    return _store('counting a code check', user_id, db_api.count_check,
                  *args)


def _use(verified, now, unproved, session=None, table=db_api.THROTTLE):
    """use_code: a right code needs no proved password (``unproved``)."""
    args = (verified.user_id, verified.credential_id, verified.step, now,
            table)
    if session is not None:
        return db_api.use_code_in(session, *args)
    return _store('recording a used code', verified.user_id,
                  db_api.use_code, *args)


def _decide(user_id, slot, verified, now):
    group = CONF.totp_concat
    if slot.replayed:
        _log_replay(verified)
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


def settle(verified, table=db_api.THROTTLE):
    """Keep a right TOTP code (a Verified) used: its request succeeded.

    Forgets the user's failed checks in ``table``, when there are any (a
    second write only for such a user). A failure is logged: the failures
    then stay on record, which refuses more, never less.
    """
    if not verified.history:
        return
    try:
        db_api.reset_throttle(verified.user_id, (table,))
    except Exception as e:
        LOG.warning('Could not reset the TOTP throttle of user %(user)s '
                    'after a successful login (%(err)s).',
                    {'user': verified.user_id, 'err': type(e).__name__})


def password_refused(decision):
    """Keep an accepted code used although the password was wrong.

    Keystone's own check counted the wrong password (its lockout, an LDAP
    server's policy), as it would on stock Keystone; the code is not given
    back, so whoever holds the phone or a recovery code but not the
    password gets one guess per code. A recovery code, not used before the
    password was checked, is used now. A failure is logged.
    """
    verified = decision.proof
    LOG.warning('A right second factor of user %s came with a wrong '
                'password: the code is used up.', verified.user_id)
    if decision.outcome is Outcome.RECOVERY:
        try:
            db_recovery.use(verified.user_id, verified.code_id,
                            verified.used_at, forget_failures=False)
        except Exception as e:
            LOG.warning('Could not use up the recovery code of user '
                        '%(user)s after a wrong password (%(err)s).',
                        {'user': verified.user_id,
                         'err': type(e).__name__})


def release_use(decision):
    """Give an accepted code back when the request it came with failed.

    Only if no later code of the device was used meanwhile; a failure is
    logged and leaves the code used, which refuses more, never less.
    """
    verified = decision.proof
    try:
        if decision.outcome is Outcome.RECOVERY:
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
        return _store('using a recovery code', verified.user_id,
                      db_recovery.use, verified.user_id,
                      verified.code_id, verified.used_at)
    except StoreUnavailable:
        return False


def record_use(verified):
    """Atomically mark a new device's step (a Verified) used.

    False if it already was. Exactly one of any number of concurrent calls
    for the same step, on any node, returns True. It also resets the user's
    proof throttle. (check_code records a login code itself.)
    """
    try:
        outcome = _store('recording a used code', verified.user_id,
                         db_api.record_use, verified.user_id,
                         verified.credential_id, verified.step,
                         db_api.PROOF_THROTTLE)
    except StoreUnavailable:
        return False
    if outcome is None:
        _log_replay(verified)
        return False
    _purge(verified.step)
    return True


_purged_before = None


def _purge(step):
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


def _log_replay(verified):
    LOG.warning('TOTP code of user %(user)s refused: time step %(step)d of '
                'credential %(cred)s or a later one was already used '
                '(replayed or older code).',
                {'user': verified.user_id, 'step': verified.step,
                 'cred': verified.credential_id})
