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
"""Set-up at login: 2FA set up without a token, with the password.

For a user whom an operator requires to use 2FA and who has no device: after
the grace period the password alone gets no token (auth/required_login.py),
so the user proves who they are with the password here, as Keystone's own
self-service password change needs no token. The password is checked by
Keystone first (counted in its lockout, an LDAP server's policy, as at a
login), so a stranger learns nothing about the user; then the user must be
one whom 2FA is required of and who has no device. ``POST
/v3/OS-TOTP/setup`` makes a pending secret (shown once); ``POST
/v3/OS-TOTP/setup/device`` stores it with a current code of it, turns 2FA
on and shows the recovery codes. The request guard keeps the password and
the code out of every message and log.
"""

import http.client

from keystone.auth import plugins as auth_plugins
from keystone.common import provider_api
from keystone import exception
from keystone.i18n import _
from keystone.server import flask as ks_flask
from oslo_log import log

from keystone_totp_concat.db import enrolment as db
from keystone_totp_concat.server.api import enrolment
from keystone_totp_concat.server.api import errors
from keystone_totp_concat.server.api import representation
from keystone_totp_concat.server.api import schema
from keystone_totp_concat.server import audit
from keystone_totp_concat.server.auth import factors
from keystone_totp_concat.server import credentials
from keystone_totp_concat.server import verify

LOG = log.getLogger(__name__)
PROVIDERS = provider_api.ProviderAPIs
MANAGER = enrolment.Manager()
MEMBER = 'setup'
NO_STORE = {'Cache-Control': 'no-store', 'Pragma': 'no-cache'}


def _user(body):
    """The member object and the user, once Keystone took the password."""
    member = body.get(MEMBER) if isinstance(body, dict) else None
    user = member.get('user') if isinstance(member, dict) else None
    if not isinstance(user, dict) or not isinstance(user.get('password'),
                                                    str):
        raise errors.BadRequest(
            detail='"setup" must hold "user": the user as at a login (id, '
            'or name and domain) and the password.')
    info = auth_plugins.UserAuthInfo.create({'user': user}, 'password')
    try:
        PROVIDERS.identity_api.authenticate(user_id=info.user_id,
                                            password=info.password)
    except AssertionError:
        raise exception.Unauthorized(_('Invalid username or password'))
    return member, info.user_ref


def _must_set_up(user):
    """Refuse a user who is not required, or already has a device."""
    enrolled = credentials.load_enrolment(user['id'])
    needed = factors.needed(enrolled, user_ref=user)
    if needed is factors.Needed.PASSWORD_AND_CODE:
        raise errors.AlreadyEnrolled()
    if needed is not factors.Needed.PASSWORD_THEN_SET_UP:
        raise errors.NotRequired()


def _owner(user):
    return enrolment.Caller(user['id'], fresh_token=False)


class SetupResource(ks_flask.ResourceBase):
    collection_key = MEMBER
    member_key = MEMBER

    @ks_flask.unenforced_api
    def post(self):
        """POST /v3/OS-TOTP/setup: a new secret for the user's app."""
        member, user = _user(self.request_body_json)
        label = schema.label(member)
        _must_set_up(user)
        begun = MANAGER.begin(_owner(user), user,
                              representation.account(user), label, None)
        LOG.info('Two Factor Authentication of user %s: set-up at login '
                 'begun.', user['id'])
        return (representation.enrolment(user['id'], begun),
                http.client.CREATED, NO_STORE)


class SetupDeviceResource(ks_flask.ResourceBase):
    collection_key = MEMBER
    member_key = MEMBER

    @ks_flask.unenforced_api
    def post(self):
        """POST /v3/OS-TOTP/setup/device: the secret stored, 2FA on."""
        member, user = _user(self.request_body_json)
        passcode = schema.passcode(member, verify.code_length(), True)
        label = schema.label(member)
        _must_set_up(user)
        user_id = user['id']
        done = MANAGER.confirm(_owner(user), user_id, passcode, label,
                               self.audit_initiator)
        audit.changed('enable', 'enabled', user_id, 'turned on at login',
                      done.credential_id)
        body = {'device': representation.device(
            user_id, done.credential_id, db.devices(user_id)),
            'recovery_codes': done.recovery_codes}
        return body, http.client.CREATED, NO_STORE
