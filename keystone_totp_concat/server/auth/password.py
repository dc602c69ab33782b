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

"""Keystone ``password`` method that also demands the TOTP code.

Enabled with ``[auth] password = totp_concat``. Users without a ``totp``
credential log in exactly as with Keystone's stock password method. Enrolled
users type the code directly after the password, send it in a separate
``passcode`` key of the method's ``user`` object, or send it in a ``totp``
method of the same request.
"""

import functools

from keystone.auth import plugins as auth_plugins
from keystone.auth.plugins import base
from keystone.auth.plugins import password
from keystone.common import provider_api
import keystone.conf
from keystone import exception
from keystone.i18n import _

from keystone_totp_concat.core import recovery
from keystone_totp_concat.core import totp
from keystone_totp_concat.server.auth import auth_request
from keystone_totp_concat.server.auth import factors
from keystone_totp_concat.server.auth import login_check
from keystone_totp_concat.server.auth import required_login
from keystone_totp_concat.server.auth import second_factor
from keystone_totp_concat.server import verify

CONF = keystone.conf.CONF
PROVIDERS = provider_api.ProviderAPIs
TOTP_METHOD = 'totp'


class TOTPConcatPassword(password.Password):
    """Stock password method with a TOTP check in front for enrolled users."""

    def authenticate(self, auth_payload):
        # With a totp method in the same request this method checks that
        # method's code too (see totp_method): it is the one that can check
        # the password and the code in the right order.
        paired = TOTP_METHOD in auth_request.requested_methods()
        login = _Login(auth_payload, paired)
        enrolment, decision, rules = login_check.check_login(
            login.identify, login.code, login.probe)
        user_info = login.user_info
        needed = factors.needed(enrolment, paired, user_info.user_ref,
                                rules)
        if needed is factors.Needed.PASSWORD:
            return self._check_password(user_info.user_id,
                                        user_info.password)
        if needed is factors.Needed.PASSWORD_THEN_SET_UP:
            return required_login.password_login(
                user_info.user_ref, functools.partial(
                    self._check_password, user_info.user_id,
                    user_info.password))

        response = second_factor.login(user_info.user_ref, enrolment,
                                       login.code, login.password, decision)
        if not paired and TOTP_METHOD in CONF.auth.methods:
            # The token says the second factor was verified, as if the
            # totp method had run: MFA rules and services can rely on it.
            response.response_data['method_names'] = [TOTP_METHOD]
        return response

    @staticmethod
    def _check_password(user_id, password):
        """The rest of Keystone's stock ``Password.authenticate``.

        Its body after the user lookup, on the lookup already made here, so
        that a login looks the user up once; the functional tests compare
        every answer with a stock node's.
        """
        try:
            PROVIDERS.identity_api.authenticate(
                user_id=user_id, password=password
            )
        except AssertionError:
            raise exception.Unauthorized(_('Invalid username or password'))
        return base.AuthHandlerResponse(
            status=True, response_body=None,
            response_data={'user_id': user_id},
        )


class _Login:
    """One request's password field, split, and its user once looked up.

    login_check.check_login calls ``identify`` once, inside the login's
    first transaction or before it (see lookup_in_transaction there);
    ``password`` is then the request's PasswordCheck.
    """

    def __init__(self, auth_payload, paired):
        self.auth_payload = auth_payload
        user = auth_payload.get('user')
        # The field as an enrolled user's: it is split only if the user is.
        self.secret, self.code = _split(
            user if isinstance(user, dict) else {}, paired)
        self.user_info = self.password = None

    def identify(self):
        self.user_info = auth_plugins.UserAuthInfo.create(
            self.auth_payload, password.METHOD_NAME)
        user_id = self.user_info.user_id
        self.password = second_factor.PasswordCheck(
            user_id, self.secret,
            functools.partial(TOTPConcatPassword._check_password, user_id,
                              self.secret))
        return user_id

    def probe(self):
        return self.password.probe()


def _split(user, paired):
    """Return ``(password, code)`` for this request's form."""
    field = user.get('password')
    if paired:
        return field, auth_request.totp_passcode()
    if 'passcode' in user:
        return field, user['passcode']
    return (recovery.split_field(field)
            or totp.split_field(field, verify.code_length()))
