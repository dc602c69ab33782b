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

"""Keystone ``totp`` method that never accepts a code as the only proof.

Enabled with ``[auth] totp = totp_concat``. Keystone's stock ``totp`` method
issues a token for a user id and a current code alone: one factor. This one
counts the code only when the same request also carries the ``password``
method (which must then succeed too, or no token is issued) or when a valid
auth receipt of the same user already holds ``password``. The code goes
through the same verifier, replay record and throttle as the concatenated
form.
"""

from keystone.auth import core
from keystone.auth import plugins as auth_plugins
from keystone.auth.plugins import base
from oslo_log import log

from keystone_totp_concat.server import audit
from keystone_totp_concat.server.auth import auth_request
from keystone_totp_concat.server.auth import password
from keystone_totp_concat.server.auth import second_factor
from keystone_totp_concat.server import credentials

LOG = log.getLogger(__name__)
METHOD_NAME = 'totp'
FIRST_FACTOR = 'password'


class TOTPConcatTOTP(base.AuthMethodHandler):
    """The ``totp`` method, hardened: second factor only."""

    def authenticate(self, auth_payload):
        user_info = auth_plugins.TOTPUserInfo.create(auth_payload, METHOD_NAME)
        user_id = user_info.user_id
        if FIRST_FACTOR in auth_request.requested_methods():
            self._assert_password_method_checks_code(user_id)
        elif FIRST_FACTOR in auth_request.receipt_methods(user_id):
            enrolment = credentials.load_enrolment(user_id)
            second_factor.login(user_info.user_ref, enrolment,
                                user_info.passcode, None)
        else:
            raise audit.refuse(user_id, 'a TOTP code without a password')
        return base.AuthHandlerResponse(
            status=True, response_body=None,
            response_data={'user_id': user_id},
        )

    @staticmethod
    def _assert_password_method_checks_code(user_id):
        """In a password + totp request, the password method checks the code.

        It runs in the same request, whichever comes first, and no token is
        issued unless it succeeds, so this method has nothing left to check;
        but only this package's password method checks it.
        """
        if not isinstance(core.get_auth_method(FIRST_FACTOR),
                          password.TOTPConcatPassword):
            LOG.error('[auth] totp = totp_concat needs [auth] password = '
                      'totp_concat to check a code sent beside a password.')
            raise audit.refuse(user_id, 'a TOTP code nobody checks')
