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

"""Configuration options of the ``[totp_concat]`` group (oslo.config).

They are registered here, on Keystone's CONF, when this module is first
imported, as Keystone registers its own in ``keystone.conf``; every server
module takes ``CONF`` from here.
"""

import keystone.conf
from oslo_config import cfg

GROUP = cfg.OptGroup(
    'totp_concat',
    title='Two Factor Authentication (TOTP typed after the password)',
    help='Options of the totp_concat Keystone auth plugins.',
)

OPTS = [
    cfg.IntOpt(
        'steps_before',
        default=1,
        min=0,
        max=10,
        help='How many 30-second time steps before the current one are '
        'accepted, to allow for clock skew and typing time.',
    ),
    cfg.IntOpt(
        'steps_after',
        default=1,
        min=0,
        max=10,
        help='How many 30-second time steps after the current one are '
        'accepted, to allow for a phone clock running ahead.',
    ),
    cfg.IntOpt(
        'code_length',
        default=6,
        min=6,
        max=8,
        help='Number of digits of a code (RFC 6238 allows 6 to 8). It must '
        'match what the users\' authenticator apps show.',
    ),
    cfg.IntOpt(
        'max_failures',
        default=10,
        min=1,
        max=100,
        help='Consecutive code checks without a successful login after '
        'which the user\'s code checks are locked for a cool-down, so that '
        'someone who knows the password cannot try codes until one fits. A '
        'successful login resets the count. With the defaults of this and '
        'the two lockout options, an attacker gets at most 90 code guesses '
        'per user per day (see the administrator guide, "Replay protection '
        'and throttling").',
    ),
    cfg.IntOpt(
        'password_first_after',
        default=3,
        min=0,
        max=99,
        help='Failed code checks of a user (since their last successful '
        'login) after which a code is checked only once the password has '
        'been verified. Up to this count a wrong code is refused without '
        'computing a password hash; past it, whoever does not know the '
        'password gets the "Additional authentications steps required." '
        'answer without their code being checked or counted, so a caller who '
        'knows only the user name cannot lock the user out: only checks that '
        'came with the right password start a lockout. Capped at '
        'max_failures - 1; 0 always verifies the password first. A right '
        'code never waits for this: Keystone\'s own, counted password check '
        'decides, and the code is used up even when the password is wrong.',
    ),
    cfg.BoolOpt(
        'bind_to_check_wrong_codes',
        default=False,
        help='For users whose password Keystone cannot compare itself (an '
        'LDAP or other non-SQL identity backend), past password_first_after '
        'a wrong code can only be told from a stranger\'s by asking the '
        'backend, which counts a wrong password in its own lockout policy '
        '(an LDAP server\'s ppolicy). False (default): no such request '
        'reaches the backend; the wrong code is counted as if its password '
        'were right, so a stranger can start this package\'s lockout of the '
        'user\'s code checks (recovery codes still log in during it), but '
        'never the backend\'s. True: the backend is asked, as a wrong '
        'password on stock Keystone is, and its policy may lock the account '
        'for every service that uses it.',
    ),
    cfg.IntOpt(
        'lockout_duration',
        default=300,
        min=1,
        help='Seconds of the first cool-down after max_failures failed code '
        'checks. Each further lockout of the same user, without a successful '
        'login in between, lasts twice as long as the one before, up to '
        'max_lockout_duration; this escalation is what bounds the guesses per '
        'day. During a cool-down every login of the user gets the usual '
        '"Additional authentications steps required." answer.',
    ),
    cfg.IntOpt(
        'max_lockout_duration',
        default=86400,
        min=1,
        help='Upper bound, in seconds, of one cool-down. Lower it and the '
        'guesses per day rise (about max_failures per max_lockout_duration); '
        'keystone-totp-manage throttle_reset USER_ID ends a cool-down early '
        'for a user who has proved who they are.',
    ),
    cfg.IntOpt(
        'enrolment_expiry',
        default=600,
        min=30,
        max=86400,
        help='Seconds a pending enrolment (a secret made by POST '
        '/v3/users/{user_id}/OS-TOTP/enrolment and not yet confirmed with a '
        'code) stays valid. A pending secret never changes how the user logs '
        'in; once it expires the enrolment must begin again.',
    ),
    cfg.IntOpt(
        'fresh_token_seconds',
        default=300,
        min=0,
        max=3600,
        help='A token proves the second factor for adding or removing a '
        'device, or turning Two Factor Authentication off, only when it was '
        'issued by a password+code login (its methods include totp; not '
        're-issued from another token, a trust or an application '
        'credential) at most this many seconds ago. Older tokens need a '
        'current code in the request. 0 always asks for a code.',
    ),
    cfg.BoolOpt(
        'protect_totp_credentials',
        default=True,
        help='Refuse users (everyone who does not pass the policy '
        'identity:manage_totp_credentials, admins by default) reading, '
        'creating, changing or deleting credentials of type totp through '
        '/v3/credentials; TOTP credentials are then managed only through '
        'the OS-TOTP API, which checks a code before it stores a secret and '
        'never shows one again. Turning this off lets any holder of a '
        'user\'s token (or application credential) read the TOTP secret '
        'back, store a secret no authenticator app holds, and delete the '
        'user\'s devices without a code.',
    ),
    cfg.IntOpt(
        'required_grace_days',
        default=7,
        min=0,
        max=365,
        help='Days a user whom an operator requires to use Two Factor '
        'Authentication (PUT /v3/OS-TOTP/requirements/...) may still log in '
        'with the password alone, counted from the first such login. Every '
        'such login says until when (the Openstack-Totp-Required-By and '
        'Warning headers). After it, the password alone gets a 401 that '
        'says to set 2FA up, which the user can do without a token (POST '
        '/v3/OS-TOTP/setup). 0: no grace period.',
    ),
    cfg.StrOpt(
        'issuer',
        default='OpenStack',
        help='Issuer named in the otpauth:// URI of a new enrolment: the '
        'name authenticator apps show above the account.',
    ),
]


def register_opts(conf):
    conf.register_group(GROUP)
    conf.register_opts(OPTS, group=GROUP)


def list_opts():
    """Entry point of ``oslo.config.opts`` for oslo-config-generator."""
    return [(GROUP, OPTS)]


CONF = keystone.conf.CONF
register_opts(CONF)
