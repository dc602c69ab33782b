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


"""The OS-TOTP API of Keystone, called with the dashboard user's token.

Only what the panel needs, through a keystoneauth1 session made by
openstack_auth (so the dashboard's TLS settings apply). Requests are never
logged by the session: their bodies hold codes, secrets and recovery codes.

The user's own account is handled with the session's *unscoped* token when
there is one: right after a password+code login it is the "fresh
password+code token" that Keystone accepts as proof of the second factor
(the project token is re-issued from it, so it is never fresh). Admin
actions on other users use the project token, which carries the roles.
"""

from django.conf import settings
from openstack_auth import utils as auth_utils

from keystone_totp_concat.client import protocol

# Beginnings of Keystone's 403 messages (keystone_totp_concat.server.api
# errors).
_PROOF_REQUIRED = 'Two Factor Authentication is on for this user: this ' \
    'needs a current code'
_CODE_REFUSED = 'The code was not accepted'


class APIError(Exception):
    """An answer of Keystone that is not a success."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status
        self.message = message


class ProofRequired(APIError):
    """403: the token is no proof; a current code is needed."""


class CodeRefused(APIError):
    """403: the code is wrong, used, or the user's checks are locked."""


class Forbidden(APIError):
    """403 for another reason (the policy)."""


class NotFound(APIError):
    """404: no such user, device or pending enrolment; 2FA already off."""


class Unavailable(APIError):
    """Keystone does not serve the OS-TOTP API, or did not answer."""


def code_length():
    """Digits of the cloud's codes (KEYSTONE_TOTP_CODE_LENGTH, 6 to 8)."""
    return protocol.code_length(
        getattr(settings, 'KEYSTONE_TOTP_CODE_LENGTH', None))


def _identity_url(request):
    """Keystone's v3 URL: the one the user logged in to."""
    url = (getattr(request.user, 'endpoint', None)
           or settings.OPENSTACK_KEYSTONE_URL).rstrip('/')
    if not url.endswith('/v3'):
        url += '/v3'
    return url


class Client:
    """The OS-TOTP API of one user, as the dashboard user."""

    def __init__(self, request, user_id=None):
        self.request = request
        self.user_id = user_id or request.user.id
        self.own = self.user_id == request.user.id
        token = request.user.token.id
        if self.own:
            token = getattr(request.user, 'unscoped_token', None) or token
        self._token = token
        self._base = '%s/users/%s/OS-TOTP' % (
            _identity_url(request), self.user_id)
        self._session = auth_utils.get_session()

    def _call(self, method, path='', body=None):
        kwargs = {'headers': {'X-Auth-Token': self._token,
                              'Accept': 'application/json'},
                  'authenticated': False, 'raise_exc': False, 'log': False}
        if body is not None:
            kwargs['json'] = body
        try:
            resp = self._session.request(self._base + path, method, **kwargs)
        except Exception as exc:  # connection errors of keystoneauth1
            raise Unavailable(None, str(exc)) from None
        if resp.status_code < 300:
            return resp.json() if resp.content else None
        try:
            message = resp.json()['error']['message']
        except (ValueError, KeyError, TypeError):
            message = resp.text[:500]
        if resp.status_code == 403:
            if message.startswith(_PROOF_REQUIRED):
                raise ProofRequired(403, message)
            if message.startswith(_CODE_REFUSED):
                raise CodeRefused(403, message)
            raise Forbidden(403, message)
        if resp.status_code == 404:
            raise NotFound(404, message)
        if resp.status_code in (405, 501):
            raise Unavailable(resp.status_code, message)
        raise APIError(resp.status_code, message)

    @staticmethod
    def _with_code(key, code, **extra):
        member = {k: v for k, v in extra.items() if v}
        if code:
            member['passcode'] = code
        return {key: member} if member else None

    def status(self):
        """``totp`` of GET .../OS-TOTP: enabled, devices, pending, codes."""
        return self._call('GET')['totp']

    def begin(self, code=None, label=None):
        """A new pending secret: the ``enrolment`` object (secret, URI)."""
        return self._call('POST', '/enrolment', self._with_code(
            'enrolment', code, label=label) or {})['enrolment']

    def confirm(self, code, label=None):
        """Store the pending secret; the whole answer (device, codes)."""
        return self._call('POST', '/devices', self._with_code(
            'device', code, label=label))

    def remove_device(self, device_id, code=None):
        self._call('DELETE', '/devices/%s' % device_id,
                   self._with_code('device', code))

    def disable(self, code=None):
        """Every device off (an admin's reset when on another user)."""
        self._call('DELETE', '', self._with_code('totp', code))

    def new_recovery_codes(self, code=None):
        """A new set of recovery codes: ``recovery_codes`` (codes, left)."""
        return self._call('POST', '/recovery_codes', self._with_code(
            'recovery_codes', code))['recovery_codes']

    def revoke_recovery_codes(self):
        self._call('DELETE', '/recovery_codes')
