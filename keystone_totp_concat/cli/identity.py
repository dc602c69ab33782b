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

"""The Identity API calls the commands need: users and the OS-TOTP API.

The server makes the secret, checks the code and stores the device
(``/v3/users/{user_id}/OS-TOTP``, doc/api.md); the command never writes a
credential itself and never reads a secret back.
"""

import dataclasses
import urllib.parse

from keystone_totp_concat.cli import errors


@dataclasses.dataclass(frozen=True)
class Target:
    """The user a command acts on, and how to name it to people."""

    id: str
    name: str
    domain: str

    @property
    def account(self):
        """``user@domain``, the account label authenticator apps show."""
        return '%s@%s' % (self.name, self.domain)


def _query(**params):
    return '?' + urllib.parse.urlencode(params)


def _domain_id(conn, name_or_id):
    found = conn.request('GET', '/domains' + _query(name=name_or_id)).json()
    if found['domains']:
        return found['domains'][0]['id']
    if conn.request('GET', '/domains/%s' % urllib.parse.quote(name_or_id),
                    raise_exc=False).status_code == 200:
        return name_or_id
    raise errors.CLIError('No domain with name or ID %r.' % name_or_id)


def _domain_name(conn, domain_id):
    resp = conn.request('GET', '/domains/%s' % domain_id, raise_exc=False)
    return resp.json()['domain']['name'] if resp.status_code == 200 else (
        domain_id)


def myself(conn):
    """The authenticated user, named from the token (no extra rights)."""
    access = conn.access
    return Target(access.user_id, access.username,
                  access.user_domain_name or access.user_domain_id)


def find_user(conn, name_or_id, domain=None):
    """Resolve ``--user``/``--user-domain`` like the openstack CLI.

    A name, which must be unique (within ``domain`` if given), else an ID.
    """
    params = {'name': name_or_id}
    if domain is not None:
        params['domain_id'] = _domain_id(conn, domain)
    users = conn.request('GET', '/users' + _query(**params)).json()['users']
    if not users:
        resp = conn.request('GET', '/users/%s' % urllib.parse.quote(
            name_or_id, safe=''), raise_exc=False)
        ref = resp.json()['user'] if resp.status_code == 200 else None
        if ref and params.get('domain_id', ref['domain_id']) == (
                ref['domain_id']):
            users = [ref]
    if not users:
        raise errors.CLIError('No user with name or ID %r.' % name_or_id)
    if len(users) > 1:
        raise errors.CLIError(
            'More than one user is named %r; give --user-domain or the user '
            'ID.' % name_or_id)
    ref = users[0]
    return Target(ref['id'], ref['name'], _domain_name(conn, ref['domain_id']))


class APIError(Exception):
    """A refusal of the OS-TOTP API: status code and Keystone's message."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status
        self.message = message


def _totp(conn, method, user_id, path='', body=None):
    """One OS-TOTP API call: the answer's JSON (None for 204).

    APIError for a 4xx. Bodies may hold a secret or a code: never logged
    (Connection.request).
    """
    url = '/users/%s/OS-TOTP%s' % (urllib.parse.quote(user_id, safe=''),
                                   path)
    kwargs = {'raise_exc': False}
    if body is not None:
        kwargs['json'] = body
    resp = conn.request(method, url, **kwargs)
    if resp.status_code < 300:
        return resp.json() if resp.content else None
    try:
        message = resp.json()['error']['message']
    except (ValueError, KeyError, TypeError):
        message = 'HTTP %d' % resp.status_code
    if resp.status_code == 401 or resp.status_code >= 500:
        raise errors.CLIError('Keystone error: %s (HTTP %d)' % (
            message, resp.status_code))
    raise APIError(resp.status_code, message)


def status(conn, user_id):
    """The user's 2FA: enabled, devices (no secret), pending enrolment."""
    return _totp(conn, 'GET', user_id)['totp']


def begin(conn, user_id, label=None, passcode=None):
    """A new pending enrolment: the server's secret, shown this once."""
    member = {}
    if label is not None:
        member['label'] = label
    if passcode is not None:
        member['passcode'] = passcode
    return _totp(conn, 'POST', user_id, '/enrolment',
                 {'enrolment': member})['enrolment']


def confirm(conn, user_id, passcode):
    """Confirm the pending enrolment with a code of its secret.

    The answer's ``device``, and ``recovery_codes`` when this turned 2FA on
    (shown this once).
    """
    return _totp(conn, 'POST', user_id, '/devices',
                 {'device': {'passcode': passcode}})


def new_recovery_codes(conn, user_id, passcode=None):
    """A new set of recovery codes (the old one stops working)."""
    body = {'recovery_codes': {'passcode': passcode}} if passcode else None
    return _totp(conn, 'POST', user_id, '/recovery_codes',
                 body)['recovery_codes']


def revoke_recovery_codes(conn, user_id, passcode=None):
    body = {'recovery_codes': {'passcode': passcode}} if passcode else None
    return _totp(conn, 'DELETE', user_id, '/recovery_codes', body)


def remove(conn, user_id, device_id=None, passcode=None):
    """Remove one device, or (no ``device_id``) turn 2FA off."""
    if device_id is None:
        key, path = 'totp', ''
    else:
        key = 'device'
        path = '/devices/%s' % urllib.parse.quote(device_id, safe='')
    body = {key: {'passcode': passcode}} if passcode is not None else None
    return _totp(conn, 'DELETE', user_id, path, body)
