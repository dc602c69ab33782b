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

"""Authenticate with the standard OpenStack options and environment.

openstacksdk's config loader already knows ``--os-cloud``/clouds.yaml, the
``OS_*`` variables, ``--os-auth-type`` and every auth plugin's options, so
this module only wires it to argparse and turns its failures into one-line
errors with stable exit codes.
"""

import getpass
import re
import sys

from keystoneauth1 import exceptions as ksa_exc
from keystoneauth1 import plugin
from openstack.config import loader
from openstack import exceptions as sdk_exc

from keystone_totp_concat.cli import errors
from keystone_totp_concat.client import plugin as totp_plugin
from keystone_totp_concat.client import protocol


def _prompt(prompt):
    """Ask for a prompting option (the password) only on a terminal.

    As the openstack CLI does; a script without it gets the plugin's own
    error.
    """
    if sys.stdin.isatty():
        return getpass.getpass(prompt)
    return None


def one_line(exc):
    """The message of ``exc`` on one line (keystoneauth's span several)."""
    text = str(getattr(exc, 'message', None) or exc) or type(exc).__name__
    return ' '.join(text.split())


def make_config():
    try:
        return loader.OpenStackConfig(pw_func=_prompt)
    except sdk_exc.ConfigException as exc:
        raise errors.CLIError(one_line(exc), errors.USAGE) from exc


def register_arguments(config, parser, argv):
    """Add ``--os-*`` options; peeks at ``argv`` for the auth type's own."""
    try:
        config.register_argparse_arguments(parser, list(argv))
    except (sdk_exc.ConfigException, ksa_exc.ClientException) as exc:
        raise errors.CLIError(one_line(exc), errors.USAGE) from exc


SET_UP_MESSAGE = (
    'Authentication failed: Two Factor Authentication is required for this '
    'account and not set up yet; set it up with keystone-totp enable (the '
    'same options, no token needed), then log in with the password and a '
    'code.')


def _auth_failure(exc):
    """The message for a 401 at login; never echoes what was typed."""
    if type(exc) is not ksa_exc.Unauthorized:
        # A plugin's own subclass (v3passwordtotp) already says what to do.
        return 'Authentication failed: %s' % one_line(exc)
    if protocol.asks_for_code(exc):
        return ('Authentication failed: Two Factor Authentication is enabled '
                'for this account and the code was missing, wrong or already '
                'used (each code works once: wait for the next one); type '
                'the current code of the authenticator app directly after the '
                'password, or use --os-auth-type v3passwordtotp.')
    return ('Authentication failed: the user name, password or code is '
            'wrong, or the account is disabled or locked.')


def _connect_reason(exc):
    """The OS-level reason ("Connection refused"), else the class.

    It comes from the urllib3 chain keystoneauth quotes.
    """
    found = re.search(r'\[Errno -?\d+\] ([^"\'()]+)', str(exc))
    return found.group(1).strip() if found else type(exc).__name__


def translate(exc, auth_url=None):
    """A CLIError for a keystoneauth/openstacksdk failure."""
    if isinstance(exc, (ksa_exc.ConnectFailure, ksa_exc.ConnectTimeout,
                        ksa_exc.SSLError)):
        return errors.CLIError(
            'Cannot reach Keystone at %s (%s).' % (
                auth_url or 'the configured URL', _connect_reason(exc)),
            errors.UNREACHABLE)
    if isinstance(exc, ksa_exc.Unauthorized):
        return errors.CLIError(_auth_failure(exc), errors.AUTH_FAILED)
    if isinstance(exc, ksa_exc.Forbidden):
        return errors.CLIError(
            'Not allowed: %s (acting on another user needs the admin role)'
            % one_line(exc), errors.ERROR)
    if isinstance(exc, (ksa_exc.MissingRequiredOptions, ksa_exc.OptionError,
                        ksa_exc.MissingAuthPlugin, ksa_exc.NoMatchingPlugin,
                        ksa_exc.AuthorizationFailure,
                        sdk_exc.ConfigException)):
        return errors.CLIError(
            'Cannot authenticate: %s' % one_line(exc), errors.USAGE)
    if isinstance(exc, ksa_exc.HttpError):
        return errors.CLIError('Keystone error: %s' % one_line(exc))
    return errors.CLIError(one_line(exc), errors.ERROR)


class Connection:
    """An authenticated keystoneauth1 session and the Identity endpoint.

    Both are resolved once.
    """

    def __init__(self, config, args):
        self.auth_url = None
        auth, self.session = {}, None
        try:
            self.region = config.get_one(argparse=args)
            auth = self.region.config.get('auth', {})
            self.auth_url = auth.get('auth_url')
            self.session = self.region.get_session()
            # Any auth type: the login's warnings (a recovery code used, 2FA
            # required soon) reach the user.
            self.session.session.hooks['response'].append(
                totp_plugin.warn_after_login)
            # Authenticate now so a bad password fails before anything else.
            self.user_id = self.session.get_user_id()
            self.identity_url = self._identity_url()
        except (ksa_exc.ClientException, sdk_exc.SDKException) as exc:
            if protocol.asks_for_set_up(exc):
                raise errors.SetUpRequired(SET_UP_MESSAGE, auth,
                                           self.session) from None
            raise translate(exc, self.auth_url) from exc

    def _identity_url(self):
        """The Identity v3 endpoint the API calls go to.

        Configured, from the catalog, or the auth URL when the token has no
        catalog (unscoped).

        Configured is openstacksdk's ``identity_endpoint_override``
        (``--os-identity-endpoint-override``, clouds.yaml).
        """
        override = self.region.get_endpoint('identity')
        if override:
            return override.rstrip('/')
        interface = self.region.get_interface('identity')
        try:
            url = self.session.get_endpoint(
                service_type='identity', interface=interface,
                region_name=self.region.get_region_name('identity'),
                min_version='3.0', max_version='3.latest')
        except ksa_exc.EndpointNotFound:
            url = None
        if not url:
            url = self.session.get_endpoint(
                interface=plugin.AUTH_INTERFACE, min_version='3.0',
                max_version='3.latest')
        return (url or self.auth_url).rstrip('/')

    @property
    def access(self):
        """The token's AccessInfo (user, scope, expiry)."""
        return self.session.auth.get_access(self.session)

    def request(self, method, path, **kwargs):
        """An Identity v3 API call, with errors mapped to CLIError.

        Bodies may carry secrets or codes, so they are never logged.
        """
        kwargs.setdefault('log', False)
        try:
            return self.session.request(
                self.identity_url + path, method, **kwargs)
        except (ksa_exc.ClientException, sdk_exc.SDKException) as exc:
            raise translate(exc, self.auth_url) from exc
