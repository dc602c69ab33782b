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

"""Policy defaults of the OS-TOTP API, registered in code (oslo.policy).

They are registered into Keystone's own enforcer, so they are overridden in
Keystone's policy file (``[oslo_policy] policy_file``, ``policy_dirs``) like
Keystone's rules, and may use Keystone's base rules (``admin_required``).
``oslopolicy-sample-generator --namespace keystone_totp_concat`` prints
them (entry point ``oslo.policy.policies``).

What a rule cannot express is enforced by the API itself on top of it: a
user acting on their own 2FA must prove the second factor (a current code,
or a fresh password+code token) to add or remove a device or turn 2FA off
(enrolment.py).
"""

from keystone.common.policies import base
from oslo_policy import policy

from keystone_totp_concat.server import compat

ADMIN = base.RULE_ADMIN_REQUIRED
SYSTEM_READER = base.SYSTEM_READER
# The user the path names: the target is ``{'user': {...}}`` (routes.py).
OWNER = 'user_id:%(target.user.id)s'
ADMIN_OR_OWNER = '(' + ADMIN + ') or ' + OWNER
ADMIN_OR_READER_OR_OWNER = ('(' + ADMIN + ') or (' + SYSTEM_READER + ') or '
                            + OWNER)
# Users act on their own 2FA with whatever token they hold (unscoped,
# project or domain scoped); admins and readers with system scope too.
SCOPE_TYPES = ['system', 'domain', 'project']
BASE = '/v3/users/{user_id}/OS-TOTP'

GET_STATUS = base.IDENTITY % 'get_totp_status'
BEGIN_ENROLMENT = base.IDENTITY % 'begin_totp_enrolment'
CANCEL_ENROLMENT = base.IDENTITY % 'cancel_totp_enrolment'
CREATE_DEVICE = base.IDENTITY % 'create_totp_device'
DELETE_DEVICE = base.IDENTITY % 'delete_totp_device'
DISABLE = base.IDENTITY % 'disable_totp'
CREATE_RECOVERY_CODES = base.IDENTITY % 'create_totp_recovery_codes'
DELETE_RECOVERY_CODES = base.IDENTITY % 'delete_totp_recovery_codes'
MANAGE_CREDENTIALS = base.IDENTITY % 'manage_totp_credentials'
LIST_REQUIREMENTS = base.IDENTITY % 'list_totp_requirements'
SET_REQUIREMENT = base.IDENTITY % 'set_totp_requirement'
DELETE_REQUIREMENT = base.IDENTITY % 'delete_totp_requirement'
GET_COMPLIANCE = base.IDENTITY % 'get_totp_compliance'
ADMIN_OR_READER = '(' + ADMIN + ') or (' + SYSTEM_READER + ')'
CLOUD = '/v3/OS-TOTP'

rules = [
    policy.DocumentedRuleDefault(
        name=GET_STATUS,
        check_str=ADMIN_OR_READER_OR_OWNER,
        scope_types=SCOPE_TYPES,
        description='Show whether Two Factor Authentication is on for a '
        'user, and the user\'s devices (never a secret).',
        operations=[{'path': BASE, 'method': 'GET'},
                    {'path': BASE + '/devices', 'method': 'GET'},
                    {'path': BASE + '/devices/{device_id}', 'method': 'GET'}],
    ),
    policy.DocumentedRuleDefault(
        name=BEGIN_ENROLMENT,
        check_str=ADMIN_OR_OWNER,
        scope_types=SCOPE_TYPES,
        description='Begin an enrolment: the server makes a secret and '
        'shows it once. For a user who already has a device, the owner '
        'must also prove the second factor.',
        operations=[{'path': BASE + '/enrolment', 'method': 'POST'}],
    ),
    policy.DocumentedRuleDefault(
        name=CANCEL_ENROLMENT,
        check_str=ADMIN_OR_OWNER,
        scope_types=SCOPE_TYPES,
        description='Cancel a pending enrolment.',
        operations=[{'path': BASE + '/enrolment', 'method': 'DELETE'}],
    ),
    policy.DocumentedRuleDefault(
        name=CREATE_DEVICE,
        check_str=ADMIN_OR_OWNER,
        scope_types=SCOPE_TYPES,
        description='Confirm the pending enrolment with a code of the new '
        'device, which stores it as a totp credential.',
        operations=[{'path': BASE + '/devices', 'method': 'POST'}],
    ),
    policy.DocumentedRuleDefault(
        name=DELETE_DEVICE,
        check_str=ADMIN_OR_OWNER,
        scope_types=SCOPE_TYPES,
        description='Remove one device. The owner must prove the second '
        'factor; whoever else the rule allows (an admin) does not.',
        operations=[{'path': BASE + '/devices/{device_id}',
                     'method': 'DELETE'}],
    ),
    policy.DocumentedRuleDefault(
        name=DISABLE,
        check_str=ADMIN_OR_OWNER,
        scope_types=SCOPE_TYPES,
        description='Turn Two Factor Authentication off: remove every '
        'device and the pending enrolment. The owner must prove the second '
        'factor; whoever else the rule allows (an admin resetting a lost '
        'phone) does not.',
        operations=[{'path': BASE, 'method': 'DELETE'}],
    ),
    policy.DocumentedRuleDefault(
        name=CREATE_RECOVERY_CODES,
        check_str=ADMIN_OR_OWNER,
        scope_types=SCOPE_TYPES,
        description='Make a new set of recovery codes (shown once; the old '
        'set stops working). The owner must prove the second factor.',
        operations=[{'path': BASE + '/recovery_codes', 'method': 'POST'}],
    ),
    policy.DocumentedRuleDefault(
        name=DELETE_RECOVERY_CODES,
        check_str=ADMIN_OR_OWNER,
        scope_types=SCOPE_TYPES,
        description='Revoke the user\'s recovery codes. The owner must prove '
        'the second factor; an admin does not.',
        operations=[{'path': BASE + '/recovery_codes', 'method': 'DELETE'}],
    ),
    policy.DocumentedRuleDefault(
        name=MANAGE_CREDENTIALS,
        check_str=ADMIN,
        scope_types=SCOPE_TYPES,
        description='Read, create, change or delete credentials of type '
        'totp through /v3/credentials, when [totp_concat] '
        'protect_totp_credentials is on (the default). Everyone else gets '
        '403 there and uses the OS-TOTP API.',
        operations=[{'path': '/v3/credentials', 'method': 'GET'},
                    {'path': '/v3/credentials', 'method': 'POST'},
                    {'path': '/v3/credentials/{credential_id}',
                     'method': 'GET'},
                    {'path': '/v3/credentials/{credential_id}',
                     'method': 'PATCH'},
                    {'path': '/v3/credentials/{credential_id}',
                     'method': 'DELETE'}],
    ),
    policy.DocumentedRuleDefault(
        name=LIST_REQUIREMENTS,
        check_str=ADMIN_OR_READER,
        scope_types=SCOPE_TYPES,
        description='List who must use Two Factor Authentication: the '
        'domains, roles and users an operator named, and the exempted '
        'users.',
        operations=[{'path': CLOUD + '/requirements', 'method': 'GET'}],
    ),
    policy.DocumentedRuleDefault(
        name=SET_REQUIREMENT,
        check_str=ADMIN,
        scope_types=SCOPE_TYPES,
        description='Require Two Factor Authentication of a domain\'s users, '
        'of a role\'s holders or of one user, or exempt one user.',
        operations=[{'path': CLOUD + '/requirements/{kind}/{target_id}',
                     'method': 'PUT'}],
    ),
    policy.DocumentedRuleDefault(
        name=DELETE_REQUIREMENT,
        check_str=ADMIN,
        scope_types=SCOPE_TYPES,
        description='Lift a requirement or an exemption.',
        operations=[{'path': CLOUD + '/requirements/{kind}/{target_id}',
                     'method': 'DELETE'}],
    ),
    policy.DocumentedRuleDefault(
        name=GET_COMPLIANCE,
        check_str=ADMIN_OR_READER,
        scope_types=SCOPE_TYPES,
        description='The compliance report of a domain: each user, whether '
        'Two Factor Authentication is required and why, whether the user '
        'has a device, and the grace period.',
        operations=[{'path': CLOUD + '/compliance', 'method': 'GET'}],
    ),
]


def list_rules():
    """Entry point of ``oslo.policy.policies``."""
    return rules


def register():
    """Add the rules to Keystone's enforcer; once, at install.

    Keystone makes its enforcer once per process (RBACEnforcer keeps it in
    the class), so registering at install covers every request.
    """
    compat.accept_action_names(rule.name for rule in rules)
    enforcer = compat.policy_enforcer()
    if GET_STATUS not in enforcer.registered_rules:
        enforcer.register_defaults(rules)


def allowed(action, target):
    """True when the caller passes ``action`` (no exception)."""
    ctx = compat.request_context()
    if ctx is None or not ctx.authenticated:
        return False
    if getattr(ctx, 'is_admin', False):
        return True
    return compat.passes(ctx, action, target)
