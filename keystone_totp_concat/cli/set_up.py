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
"""Set-up at login: ``enable`` with the password when there is no token.

Past the grace period of a requirement, Keystone answers the password
alone with the set-up 401 and gives no token. ``keystone-totp enable`` and
``openstack two factor enable`` then run the usual steps (steps.py) with
the password instead (POST /v3/OS-TOTP/setup and /setup/device); each
command brings its client and its own way of showing the result.
"""

from keystone_totp_concat.cli import errors
from keystone_totp_concat.cli import identity
from keystone_totp_concat.cli import qr
from keystone_totp_concat.cli import steps
from keystone_totp_concat.client import os_totp

REQUIRED = ('Two Factor Authentication is required for this account: set '
            'it up now.')


def login_user(auth):
    """The login's user object, as the password method takes it."""
    if auth.get('user_id'):
        return {'id': auth['user_id']}
    domain = ({'id': auth['user_domain_id']} if auth.get('user_domain_id')
              else {'name': auth.get('user_domain_name') or 'Default'})
    return {'name': auth.get('username'), 'domain': domain}


def v3_url(override, auth_url):
    """Keystone's v3 URL: the endpoint override, else the auth URL."""
    url = (override or auth_url or '').rstrip('/')
    return url if url.endswith('/v3') else url + '/v3'


class _WithPassword:
    """steps.confirm's API for a set-up at login: the password, no token."""

    def __init__(self, api, user, password, label):
        self._api, self._user = api, user
        self._password, self._label = password, label

    def confirm(self, user_id, passcode):
        return self._api.set_up_device(self._user, self._password, passcode,
                                       self._label)


def at_login(api, out, args, auth, enabled, secret_only):
    """The enable command's result, set up with the login's password.

    ``api`` is an os_totp.Client on Keystone's v3 URL; ``auth`` the
    login's options. ``enabled(target, devices, answer)`` and
    ``secret_only(target, enrolment, uri)`` are the command's own results,
    so both ways answer alike; --no-confirm and --code split the steps.
    """
    password = auth.get('password')
    if not password:
        raise errors.CLIError('Two Factor Authentication is required for '
                              'this account: set it up with a password '
                              'login (--os-password).')
    user = login_user(auth)
    setup = _WithPassword(api, user, password, args.label)
    if args.code is not None:
        target = identity.Target(
            auth.get('user_id') or '', auth.get('username') or auth.get(
                'user_id'), auth.get('user_domain_name') or auth.get(
                'user_domain_id') or 'Default')
        return enabled(target, 1, steps.confirm(
            setup, out, target, None, args.code))
    try:
        enrolment = api.set_up(user, password, args.label)
    except os_totp.APIError as exc:
        raise steps.refused(exc) from None
    target = identity.Target(enrolment['user_id'],
                             *enrolment['account'].rsplit('@', 1))
    out.say(REQUIRED)
    uri = steps.enrolment_uri(enrolment, args)
    if args.no_confirm:
        return secret_only(target, enrolment, uri)
    if getattr(args, 'qr_file', None):
        qr.save(uri, args.qr_file)
    steps.show_enrolment(out, target, enrolment, uri)
    return enabled(target, 1, steps.confirm(setup, out, target,
                                            enrolment['digits']))
