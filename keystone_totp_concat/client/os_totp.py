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

"""Client of the OS-TOTP API (``/v3/users/{user_id}/OS-TOTP``, doc/source/api).

One method per API call over a keystoneauth1 session, and one exception
class per refusal, so the ``keystone-totp`` CLI, the ``openstack two
factor`` commands and the Horizon panel share the wire format and the way
errors are told apart. Request and answer bodies hold codes, secrets and
recovery codes: the session never logs them.

Nothing here imports Keystone, Horizon or a command line.
"""

import urllib.parse

from keystoneauth1 import adapter
from keystoneauth1 import exceptions as ksa_exc
from keystoneauth1 import plugin


class APIError(Exception):
    """An answer of Keystone that is not a success.

    ``status`` is None when Keystone did not answer; ``kind`` the server's
    machine-readable kind (doc/source/api), None when the answer has none.
    """

    kind = None

    def __init__(self, status, message, kind=None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.kind = kind


class Unavailable(APIError):
    """No answer: Keystone unreachable, TLS, or the session's own auth.

    The keystoneauth1 exception is the ``__cause__``.
    """


class NotServed(APIError):
    """Keystone runs without the OS-TOTP API (not its WSGI application)."""


class BadRequest(APIError):
    """400: a malformed body, e.g. a passcode of the wrong length."""

    kind = 'bad_request'


class Unauthorized(APIError):
    """401: the token is missing, expired or revoked."""

    kind = 'unauthorized'


class Forbidden(APIError):
    """403: Keystone's policy refused the call."""

    kind = 'forbidden'


class ProofRequired(Forbidden):
    """403: the token is no proof of the second factor; send a code."""

    kind = 'proof_required'


class CodeNotAccepted(Forbidden):
    """403: the code is wrong, already used, or the checks are locked."""

    kind = 'code_not_accepted'


class Required(Forbidden):
    """403: the operator requires 2FA of the user: a device must stay."""

    kind = 'required'


class NotRequired(Forbidden):
    """403: set-up without a token is for users who must use 2FA."""

    kind = 'not_required'


class NotFound(APIError):
    """404: no such user."""

    kind = 'not_found'


class NoPendingEnrolment(NotFound):
    """404: nothing to confirm (expired, confirmed, replaced, never begun)."""

    kind = 'no_pending_enrolment'


class NotEnrolled(NotFound):
    """404: Two Factor Authentication is not on for the user."""

    kind = 'not_enrolled'


class DeviceNotFound(NotFound):
    kind = 'device_not_found'


class RequirementNotFound(NotFound):
    kind = 'requirement_not_found'


class Conflict(APIError):
    """409: a concurrent change got there first; try again."""

    kind = 'conflict'


class AlreadyEnrolled(Conflict):
    """409: set-up without a token is for users without a device."""

    kind = 'already_enrolled'


class ServerError(APIError):
    """5xx: Keystone failed."""

    kind = 'server_error'


KINDS = {cls.kind: cls for cls in (
    BadRequest, Unauthorized, Forbidden, ProofRequired, CodeNotAccepted,
    Required, NotRequired, NotFound, NoPendingEnrolment, NotEnrolled,
    DeviceNotFound, RequirementNotFound, Conflict, AlreadyEnrolled,
    ServerError)}


def error_class(status, error):
    """The exception class of an error answer, in one place.

    ``error`` is the ``error`` object of Keystone's body (``{}`` if none).
    Every answer of the OS-TOTP routes names its ``kind`` (doc/source/api); one
    without a kind comes from before the API: a Keystone that does not
    serve it (404 for the unknown path, 405, 501), Keystone's refusal of
    the token itself (401), or a server failure.
    """
    kind = error.get('kind')
    if isinstance(kind, str) and kind in KINDS:
        return KINDS[kind]
    if status == 401:
        return Unauthorized
    if status in (404, 405, 501):
        return NotServed
    if status >= 500:
        return ServerError
    return APIError


def error_for(resp):
    """The exception for an HTTP answer that is not a success."""
    try:
        error = resp.json()['error']
        if not isinstance(error, dict):
            raise TypeError
    except (ValueError, KeyError, TypeError):
        error = {}
    message = error.get('message')
    if not isinstance(message, str) or not message:
        message = 'HTTP %d' % resp.status_code
    kind = error.get('kind') if isinstance(error.get('kind'), str) else None
    return error_class(resp.status_code, error)(
        resp.status_code, ' '.join(message.split()), kind)


def _quote(value):
    return urllib.parse.quote(value, safe='')


def _body(key, passcode=None, **members):
    """``{key: {...}}`` with the members given, or None when there is none."""
    member = {k: v for k, v in members.items() if v is not None}
    if passcode is not None:
        member['passcode'] = passcode
    return {key: member} if member else None


class Client:
    """The OS-TOTP API through a keystoneauth1 session.

    ``endpoint_override`` is Keystone's v3 URL when known (a CLI's
    ``--os-identity-endpoint-override``, Horizon's Keystone); otherwise the
    catalog's identity v3 endpoint, or the auth URL when the token has no
    catalog (unscoped). ``auth`` replaces the session's auth plugin (a
    token of the caller's choice).
    """

    def __init__(self, session, auth=None, endpoint_override=None,
                 interface=None, region_name=None):
        self._adapter = adapter.Adapter(
            session, auth=auth, service_type='identity',
            interface=interface, region_name=region_name,
            endpoint_override=endpoint_override,
            min_version='3.0', max_version='3.latest')
        self._endpoint = endpoint_override and endpoint_override.rstrip('/')

    def _base(self):
        if self._endpoint is None:
            try:
                url = self._adapter.get_endpoint()
            except ksa_exc.EndpointNotFound:
                url = None
            if not url:
                url = self._adapter.get_endpoint(
                    interface=plugin.AUTH_INTERFACE)
            self._endpoint = url.rstrip('/')
        return self._endpoint

    def _call(self, method, user_id, path='', body=None):
        """One call on the user's path: the answer's JSON, or None."""
        return self._request(method, '/users/%s/OS-TOTP%s' % (
            _quote(user_id), path), body)

    def _request(self, method, path, body=None, **kwargs):
        """One call: the answer's JSON, None when it has no body."""
        kwargs.update(raise_exc=False, log=False,
                      headers={'Accept': 'application/json'})
        if body is not None:
            kwargs['json'] = body
        try:
            resp = self._adapter.request(self._base() + path, method,
                                         **kwargs)
        except ksa_exc.ClientException as exc:
            raise Unavailable(None, ' '.join(str(exc).split())
                              or type(exc).__name__) from exc
        if resp.status_code >= 300:
            raise error_for(resp)
        return resp.json() if resp.content else None

    def status(self, user_id):
        """``totp``: enabled, devices (no secret), pending, codes left."""
        return self._call('GET', user_id)['totp']

    def begin(self, user_id, label=None, passcode=None):
        """A new pending enrolment: the secret and URI, shown this once."""
        return self._call('POST', user_id, '/enrolment', _body(
            'enrolment', passcode, label=label) or {})['enrolment']

    def cancel(self, user_id):
        """Drop the pending enrolment."""
        self._call('DELETE', user_id, '/enrolment')

    def confirm(self, user_id, passcode, label=None):
        """Store the pending secret with a code of it.

        The whole answer: ``device``, and ``recovery_codes`` when this
        turned Two Factor Authentication on (shown this once).
        """
        return self._call('POST', user_id, '/devices', _body(
            'device', passcode, label=label))

    def devices(self, user_id):
        return self._call('GET', user_id, '/devices')['devices']

    def device(self, user_id, device_id):
        return self._call('GET', user_id,
                          '/devices/' + _quote(device_id))['device']

    def remove_device(self, user_id, device_id, passcode=None):
        """Remove one device; the last one turns 2FA off."""
        self._call('DELETE', user_id, '/devices/' + _quote(device_id),
                   _body('device', passcode))

    def disable(self, user_id, passcode=None):
        """Every device and the pending enrolment off (an admin's reset)."""
        self._call('DELETE', user_id, '', _body('totp', passcode))

    def new_recovery_codes(self, user_id, passcode=None):
        """A new set (``codes``, ``remaining``); the old one stops working."""
        return self._call('POST', user_id, '/recovery_codes', _body(
            'recovery_codes', passcode))['recovery_codes']

    def revoke_recovery_codes(self, user_id, passcode=None):
        self._call('DELETE', user_id, '/recovery_codes',
                   _body('recovery_codes', passcode))

    def requirements(self):
        """Who must use 2FA: ``kind``, ``target_id``, ``created_at``."""
        return self._request('GET', REQUIREMENTS)['requirements']

    def require(self, kind, target_id):
        """``kind``: domains, roles, users or exemptions (the path's)."""
        self._request('PUT', '%s/%s/%s' % (REQUIREMENTS, kind,
                                           _quote(target_id)))

    def lift(self, kind, target_id):
        self._request('DELETE', '%s/%s/%s' % (REQUIREMENTS, kind,
                                              _quote(target_id)))

    def compliance(self, domain_id):
        """Each user of the domain: required, why, enrolled, grace."""
        return self._request('GET', '/OS-TOTP/compliance?domain_id='
                             + _quote(domain_id))['users']

    def set_up(self, user, password, label=None):
        """Without a token: a pending secret for a user who must set up.

        ``user`` is the login's user object (``id``, or ``name`` and
        ``domain``).
        """
        return self._request('POST', '/OS-TOTP/setup', _set_up(
            user, password, label=label), authenticated=False)['enrolment']

    def set_up_device(self, user, password, passcode, label=None):
        """Without a token: the pending secret stored with a code of it."""
        return self._request('POST', '/OS-TOTP/setup/device', _set_up(
            user, password, passcode=passcode, label=label),
            authenticated=False)


REQUIREMENTS = '/OS-TOTP/requirements'


def _set_up(user, password, **members):
    member = {k: v for k, v in members.items() if v is not None}
    return {'setup': dict(member, user=dict(user, password=password))}
