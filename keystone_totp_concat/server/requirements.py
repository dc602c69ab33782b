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
"""Whether an operator requires Two Factor Authentication of a user.

The rules (core.requirement) come from this package's table, read whole at
each question: a rule set or lifted on any node counts at once. A user's
roles are asked of Keystone only when some rule names a role: effective
assignments on projects and domains (groups and inheritance expanded,
implied roles included) and system grants, the user's own and their
groups'.
"""

import dataclasses
import time

from keystone.common import provider_api

from keystone_totp_concat.core import requirement
from keystone_totp_concat.db import requirements as db
from keystone_totp_concat.server import conf

CONF = conf.CONF
PROVIDERS = provider_api.ProviderAPIs


@dataclasses.dataclass(frozen=True)
class Grace:
    """A required user's grace period: when it ends, whether it has."""

    ends_at: int
    over: bool


def rules(session=None):
    """The operator's rules, read in ``session`` when given."""
    return requirement.Rules.from_rows(db.rows(session))


def reasons(user_ref, rules_now=None):
    """Why the user must use 2FA (core.requirement.reasons); ``()`` if not."""
    rules_now = rules() if rules_now is None else rules_now
    if not rules_now.requires_anyone:
        return ()
    user_id = user_ref['id']
    role_ids = role_ids_of(user_id) if rules_now.roles else ()
    return requirement.reasons(rules_now, user_id, user_ref['domain_id'],
                               role_ids)


def role_ids_of(user_id):
    """Every role the user holds anywhere (see the module's docstring)."""
    assignment = PROVIDERS.assignment_api
    held = {a['role_id'] for a in assignment.list_role_assignments(
        user_id=user_id, effective=True)}
    held.update(g['id'] for g in
                assignment.list_system_grants_for_user(user_id))
    for group in PROVIDERS.identity_api.list_groups_for_user(user_id):
        held.update(g['id'] for g in
                    assignment.list_system_grants_for_group(group['id']))
    return held


def grace(user_id, now=None):
    """The user's Grace, started now if this is the first time."""
    now = int(time.time()) if now is None else now
    ends_at = requirement.grace_ends(db.start(user_id, now),
                                     CONF.totp_concat.required_grace_days)
    return Grace(ends_at, now >= ends_at)
