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

"""``login``: type the code once, then use a token for its lifetime.

A TOTP code works once, and every ``openstack`` command authenticates anew,
so with password+code each command would need a fresh code. ``eval "$(
keystone-totp login)"`` authenticates once with the usual options (typing
one code) and leaves the shell with ``OS_AUTH_TYPE=v3token`` and the token,
which keystoneauth1's token plugin reuses until it expires. The password
variables are unset, so the shell no longer holds the password either.
"""

import shlex
import sys

from keystone_totp_concat.cli import errors
from keystone_totp_concat.cli import output

# Variables of password-style logins that would contradict or outlive the
# token (OS_CLOUD would make clients read clouds.yaml instead of the token).
UNSET = (
    'OS_CLOUD', 'OS_PASSWORD', 'OS_PASSCODE', 'OS_TOTP_SECRET',
    'OS_USERNAME', 'OS_USER_ID', 'OS_USER_DOMAIN_NAME', 'OS_USER_DOMAIN_ID',
    'OS_PROJECT_NAME', 'OS_PROJECT_ID', 'OS_PROJECT_DOMAIN_NAME',
    'OS_PROJECT_DOMAIN_ID', 'OS_TENANT_NAME', 'OS_TENANT_ID',
    'OS_DOMAIN_NAME', 'OS_DOMAIN_ID', 'OS_SYSTEM_SCOPE', 'OS_DEFAULT_DOMAIN',
    'OS_TRUST_ID',
)


def token_environment(conn):
    """The ``OS_*`` variables for the v3token plugin.

    With the same scope, endpoint selection and TLS settings as the login.
    """
    access = conn.access
    config = conn.region.config
    env = {
        'OS_AUTH_TYPE': 'v3token',
        'OS_TOKEN': access.auth_token,
        'OS_AUTH_URL': conn.auth_url,
        'OS_IDENTITY_API_VERSION': '3',
    }
    if access.project_id:
        env['OS_PROJECT_ID'] = access.project_id
    elif access.domain_id:
        env['OS_DOMAIN_ID'] = access.domain_id
    elif access.system_scoped:
        env['OS_SYSTEM_SCOPE'] = 'all'
    optional = {
        'OS_REGION_NAME': config.get('region_name'),
        'OS_INTERFACE': config.get('interface'),
        'OS_CACERT': config.get('cacert'),
        'OS_CERT': config.get('cert'),
        'OS_KEY': config.get('key'),
        'OS_INSECURE': 'true' if config.get('verify') is False else None,
    }
    env.update((k, v) for k, v in optional.items() if v)
    return env, access.expires


def shell_lines(env):
    unset = [name for name in UNSET if name not in env]
    exports = ' '.join('%s=%s' % (k, shlex.quote(str(v)))
                       for k, v in env.items())
    return 'unset %s\nexport %s' % (' '.join(unset), exports)


def login(args, connect):
    out = output.Output(args.format)
    env, expires = token_environment(connect())
    expiry = expires.isoformat() if expires else None
    out.result(dict(env, expires_at=expiry), shell_lines(env))
    if not out.json:
        # stderr: a person sees it, eval does not run it.
        print('# Token valid until %s. Use: eval "$(keystone-totp login)"'
              % (expiry or 'unknown'), file=sys.stderr)
    return errors.OK
