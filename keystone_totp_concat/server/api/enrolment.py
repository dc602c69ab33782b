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

"""What the OS-TOTP API does, apart from HTTP: the enrolment manager.

The user guide's "validate and set" flow runs on the server: the server makes
the secret and shows it once, keeps it pending (encrypted, in Keystone's
database), and stores it as the user's ``totp`` credential only after a
code of it was typed; the code is then used up. Secrets are never shown
again. Adding or removing a device or turning 2FA off needs, besides the
token, a proof of the second factor when users act on themselves (a
current code, or a fresh password+code token); an admin resets a lost phone
without one. ``Proof`` is that decision, and the audit trail names it.
"""

import dataclasses
import enum
import time
import uuid

from keystone.common import provider_api
from keystone import exception
import pyotp

from keystone_totp_concat.core import totp
from keystone_totp_concat.db import enrolment as db
from keystone_totp_concat.db import requirements as db_requirements
from keystone_totp_concat.server.api import errors
from keystone_totp_concat.server import code_use
from keystone_totp_concat.server import conf
from keystone_totp_concat.server import credentials
from keystone_totp_concat.server import outcomes
from keystone_totp_concat.server import recovery_codes
from keystone_totp_concat.server import requirements
from keystone_totp_concat.server import verify

CONF = conf.CONF
PROVIDERS = provider_api.ProviderAPIs


class Proof(enum.Enum):
    """Why an act on a user's 2FA may go ahead; the value is for the log."""

    # Someone else whom the policy allows (an admin): no second factor.
    POLICY = 'policy'
    # The user has no device yet: there is no second factor to prove.
    NOT_ENROLLED = 'not enrolled'
    # The token itself is a password+code login of the last minutes.
    FRESH_TOKEN = 'fresh token'
    # A current code of one of the user's devices came with the request.
    CODE = 'code'

    @property
    def by_owner(self):
        return self is not Proof.POLICY


def decide(acting_on_self, enrolled, has_passcode, fresh_token):
    """The proof that applies, or ProofRequired; a CODE is still to check.

    Pure: what the request holds decides it.
    """
    if not acting_on_self:
        return Proof.POLICY
    if not enrolled:
        return Proof.NOT_ENROLLED
    if has_passcode:
        return Proof.CODE
    if fresh_token:
        return Proof.FRESH_TOKEN
    raise errors.ProofRequired(seconds=CONF.totp_concat.fresh_token_seconds)


@dataclasses.dataclass(frozen=True)
class Caller:
    """Who asks, as the routes found out: the token's user, its freshness."""

    user_id: str
    fresh_token: bool


@dataclasses.dataclass(frozen=True)
class Begun:
    """A new pending enrolment: the secret, shown this once."""

    secret: str
    otpauth_uri: str
    issuer: str
    account: str
    digits: int
    label: str
    created_at: int
    expires_at: int


@dataclasses.dataclass(frozen=True)
class Confirmed:
    """A stored device; recovery codes when it turned 2FA on."""

    credential_id: str
    turned_on: bool
    recovery_codes: list


class Manager:
    """Enrolment, devices and recovery codes of one user at a time."""

    def prove(self, caller, user_id, enrolment, passcode):
        """Demand the second factor when users act on their own 2FA."""
        proof = decide(caller.user_id == user_id, enrolment.enrolled,
                       passcode is not None, caller.fresh_token)
        if proof is Proof.CODE and verify.check_enrolled_code(
                user_id, enrolment, passcode) is None:
            raise errors.CodeRefused()
        return proof

    def device_ids(self, user_id):
        """Ids of every ``totp`` credential of the user, usable or not."""
        return credentials.device_ids(user_id)

    def live_pending(self, user_id, now):
        row = db.get_pending(user_id)
        if row is not None and row.expires_at <= now:
            db.take_pending(user_id, row.created_at)
            return None
        return row

    def begin(self, caller, user, account, label, passcode):
        """A new secret, pending until a code of it confirms it."""
        user_id = user['id']
        enrolment = credentials.load_enrolment(user_id)
        proof = self.prove(caller, user_id, enrolment, passcode)
        secret = totp.generate_secret()
        now = int(time.time())
        expires = now + CONF.totp_concat.enrolment_expiry
        encrypted, key_hash = _encrypt(secret)
        # Enrolments nobody confirmed go with the next begin of anyone, so
        # the table never grows beyond the enrolments of the last minutes.
        db.purge_expired_pending(now)
        db.put_pending(user_id, encrypted, key_hash, label,
                       proof is not Proof.NOT_ENROLLED, now, expires)
        digits = verify.code_length()
        issuer = CONF.totp_concat.issuer
        uri = pyotp.TOTP(secret, digits=digits,
                         interval=totp.STEP_SECONDS).provisioning_uri(
            name=account, issuer_name=issuer)
        if 'digits=' not in uri:
            uri += '&digits=%d' % digits
        return Begun(secret, uri, issuer, account, digits, label, now,
                     expires)

    def cancel(self, user_id):
        if not db.delete_pending(user_id):
            raise errors.EnrolmentMissing()

    def confirm(self, caller, user_id, passcode, label, initiator):
        """Store the pending secret as a device, given a code of it."""
        now = int(time.time())
        pending = self.live_pending(user_id, now)
        if pending is None:
            raise errors.EnrolmentMissing()
        enrolment = credentials.load_enrolment(user_id)
        if (enrolment.enrolled and not pending.proved
                and caller.user_id == user_id):
            # Begun with a bare token before a device existed: a token
            # alone must not add a second device.
            raise errors.ProofRequired(
                seconds=CONF.totp_concat.fresh_token_seconds)
        secret = _decrypt(pending.encrypted_secret)
        step = verify.check_new_secret_code(user_id, secret, passcode)
        if step is None:
            raise errors.CodeRefused()
        if not db.take_pending(user_id, pending.created_at):
            raise errors.EnrolmentMissing()  # confirmed or replaced meanwhile
        credential_id = uuid.uuid4().hex
        PROVIDERS.credential_api.create_credential(credential_id, {
            'id': credential_id, 'user_id': user_id, 'project_id': None,
            'type': credentials.CREDENTIAL_TYPE, 'blob': secret,
        }, initiator=initiator)
        db.add_device(credential_id, user_id, label or pending.label, now)
        # The confirm code is used: it cannot log in afterwards.
        code_use.record_use(outcomes.Verified(user_id, credential_id, step))
        if enrolment.enrolled:
            return Confirmed(credential_id, False, None)
        # 2FA just turned on: the way back in if the phone is lost, shown
        # this once.
        return Confirmed(credential_id, True,
                         recovery_codes.new_set(user_id))

    def disable(self, caller, user_id, passcode, initiator):
        """Every device, the pending enrolment, the recovery codes off.

        Returns the proof and how many devices went.
        """
        ids = self.device_ids(user_id)
        if not ids and db.get_pending(user_id) is None:
            raise errors.NotEnrolled()
        proof = self.prove(caller, user_id,
                           credentials.load_enrolment(user_id), passcode)
        if ids:
            self._keep_if_required(proof, user_id, left=0)
        for credential_id in ids:
            try:
                PROVIDERS.credential_api.delete_credential(
                    credential_id, initiator=initiator)
            except exception.NotFound:
                pass  # removed meanwhile
        db.delete_devices(user_id)
        db.delete_pending(user_id)
        recovery_codes.revoke(user_id)
        db_requirements.forget_start(user_id)
        return proof, len(ids)

    @staticmethod
    def _keep_if_required(proof, user_id, left):
        """Users may not remove the last device of 2FA that is required.

        Others whom the policy allows (an admin's reset) may: the user's
        grace period then starts afresh at the next login.
        """
        if left > 0 or not proof.by_owner:
            return
        if requirements.reasons(PROVIDERS.identity_api.get_user(user_id)):
            raise errors.Required()

    def remove_device(self, caller, user_id, device_id, passcode, initiator,
                      printable_id):
        """One device off; returns the proof and how many are left."""
        if device_id not in self.device_ids(user_id):
            raise errors.DeviceNotFound(device_id=printable_id)
        proof = self.prove(caller, user_id,
                           credentials.load_enrolment(user_id), passcode)
        self._keep_if_required(proof, user_id,
                               left=len(self.device_ids(user_id)) - 1)
        PROVIDERS.credential_api.delete_credential(
            device_id, initiator=initiator)
        db.delete_devices(user_id, [device_id])
        left = len(self.device_ids(user_id))
        if not left:
            recovery_codes.last_device_gone(user_id)
            db_requirements.forget_start(user_id)
        return proof, left

    def new_recovery_codes(self, caller, user_id, passcode):
        """A new set of recovery codes (the old one stops working)."""
        enrolment = credentials.load_enrolment(user_id)
        if not enrolment.enrolled:
            raise errors.NotEnrolled()
        proof = self.prove(caller, user_id, enrolment, passcode)
        return proof, recovery_codes.new_set(user_id)

    def revoke_recovery_codes(self, caller, user_id, passcode):
        """Returns the proof and how many codes were unused."""
        proof = self.prove(caller, user_id,
                           credentials.load_enrolment(user_id), passcode)
        return proof, recovery_codes.revoke(user_id)


def _encrypt(secret):
    encrypted, key_hash = PROVIDERS.credential_provider_api.encrypt(secret)
    if isinstance(encrypted, bytes):
        encrypted = encrypted.decode('ascii')
    return encrypted, key_hash


def _decrypt(encrypted):
    return PROVIDERS.credential_provider_api.decrypt(encrypted)
