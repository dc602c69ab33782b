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

"""Errors the ``v3passwordtotp`` plugin raises instead of a bare 401.

They subclass keystoneauth1's Unauthorized so existing ``except`` clauses
keep working, while the message tells people what to do. No message ever
holds the password, the code or the TOTP secret.
"""

from keystoneauth1 import exceptions

from keystone_totp_concat.client import protocol


class TOTPRequired(exceptions.Unauthorized):
    """Keystone answered "Additional authentications steps required.".

    That is, protocol.asks_for_code: the code was missing or not accepted.
    """

    template = (
        'Two Factor Authentication is enabled for this account and the TOTP '
        'code was missing or invalid. Give the current %s code of your '
        'authenticator app (--os-passcode, OS_PASSCODE or auth.passcode in '
        'clouds.yaml); each code works only once.'
    )
    message = template % protocol.digits_label()

    def __init__(self, cause=None, message=None, code_length=None):
        kwargs = {}
        if cause is not None:
            kwargs = dict(response=cause.response, request_id=cause.request_id,
                          url=cause.url, method=cause.method)
        if message is None:
            message = self.template % protocol.digits_label(code_length)
        super().__init__(message=message, **kwargs)


class TOTPCodeUsed(TOTPRequired):
    """A new token is needed but the only code given already made one.

    Raised before any request: Keystone refuses a code a second time, and
    resending it would only count as a failed attempt.
    """

    template = (
        'Two Factor Authentication is enabled for this account and the TOTP '
        'code given was already used for a token; a code works only once. '
        'Give a new %s code (or use --os-token-cache so one code lasts for '
        'the lifetime of the token).'
    )
    message = template % protocol.digits_label()
