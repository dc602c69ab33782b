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

"""The Identity API calls the commands need: users, and the OS-TOTP API
through keystone_totp_concat.client.os_totp.

The server makes the secret, checks the code and stores the device
(``/v3/users/{user_id}/OS-TOTP``, doc/source/api); the command never writes a
credential itself and never reads a secret back.
"""

import dataclasses
import urllib.parse

from keystone_totp_concat.cli import auth
from keystone_totp_concat.cli import errors
from keystone_totp_concat.client import os_totp


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


class TOTP:
    """The OS-TOTP client on a command's connection.

    The refusals commands handle stay os_totp exceptions; what no command
    can handle (no answer, a 401, a Keystone failure) becomes a CLIError.
    """

    def __init__(self, conn):
        self._auth_url = conn.auth_url
        self._client = os_totp.Client(conn.session,
                                      endpoint_override=conn.identity_url)

    def __getattr__(self, name):
        call = getattr(self._client, name)

        def translated(*args, **kwargs):
            try:
                return call(*args, **kwargs)
            except os_totp.Unavailable as exc:
                raise auth.translate(exc.__cause__, self._auth_url) from exc
            except (os_totp.Unauthorized, os_totp.ServerError) as exc:
                raise errors.CLIError('Keystone error: %s (HTTP %d)' % (
                    exc.message, exc.status)) from exc
        return translated
