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

"""Loader of the ``v3passwordtotp`` auth type (entry point in setup.cfg).

Options are those of ``v3password`` plus ``passcode``, ``totp-secret``,
``token-cache`` and ``code-length``; the openstack CLI turns them into
``--os-passcode`` / ``OS_PASSCODE``, ``--os-totp-secret`` /
``OS_TOTP_SECRET``, ``--os-token-cache`` / ``OS_TOKEN_CACHE`` and
``--os-code-length`` / ``OS_CODE_LENGTH``, and clouds.yaml takes them under
``auth:``.

``passcode`` deliberately has no loader ``prompt``: openstacksdk and osc-lib
prompt for every such option that is absent, and fail outright when stdin is
not a terminal, which would demand a code from users without 2FA, from
``totp-secret`` users and from every script. The plugin asks instead, on a
terminal only, once Keystone says a code is needed (PasswordTOTP.prompt).
"""

from keystoneauth1 import exceptions
from keystoneauth1 import loading

from keystone_totp_concat.client import plugin
from keystone_totp_concat.client import protocol
from keystone_totp_concat.core import totp


class PasswordTOTPLoader(loading.BaseV3Loader):
    """Authenticate with a username, a password and a TOTP code.

    The code of the user's authenticator app is sent directly after the
    password.
    """

    @property
    def plugin_class(self):
        return plugin.PasswordTOTP

    def get_options(self):
        options = loading.get_plugin_loader('v3password').get_options()
        options.extend([
            loading.Opt('passcode', secret=True,
                        help='Current TOTP code of the user (2FA); asked for '
                             'on a terminal when needed and not given'),
            loading.Opt('totp-secret', secret=True,
                        help='Base32 TOTP secret to compute codes from, for '
                             'unattended use (prefer application '
                             'credentials)'),
            loading.Opt('token-cache',
                        help='File (mode 0600) where tokens are kept and '
                             'reused until they expire, so one TOTP code '
                             'serves several commands'),
            loading.Opt('code-length', type=int,
                        help='Digits of the cloud\'s TOTP codes, %d to %d '
                             '(default %d); codes computed from totp-secret '
                             'have that many' % (
                                 protocol.MIN_CODE_LENGTH,
                                 protocol.MAX_CODE_LENGTH,
                                 protocol.DEFAULT_CODE_LENGTH)),
        ])
        return options

    def load_from_options(self, **kwargs):
        # keystoneauth1's v3password check (loading._plugins.identity.v3.
        # _assert_identity_options, private), pinned by
        # tests/unit/test_upstream_copies.py.
        if kwargs.get('username') and not (kwargs.get('user_domain_name')
                                           or kwargs.get('user_domain_id')):
            raise exceptions.OptionError(
                'You have provided a username. In the V3 identity API a '
                'username is only unique within a domain so you must also '
                'provide either a user_domain_id or user_domain_name.')
        try:
            protocol.code_length(kwargs.get('code_length'))
        except ValueError as e:
            raise exceptions.OptionError('Invalid code-length: %s' % e)
        if kwargs.get('totp_secret'):
            try:
                totp.normalize_secret(kwargs['totp_secret'])
            except totp.InvalidSecret as e:
                raise exceptions.OptionError('Invalid totp-secret: %s' % e)
        kwargs.setdefault('prompt', plugin.terminal_prompt)
        return super().load_from_options(**kwargs)
