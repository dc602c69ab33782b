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
"""Who must use Two Factor Authentication, from an operator's rules.

A user must when a rule names the user, the user's domain, or a role the
user holds (on a project, a domain or the system, directly, through a group
or inherited; the caller lists the role ids), unless a rule exempts the
user: an exemption wins over every other rule. The grace period runs from
when a requirement first met the user's right password.
"""

import dataclasses

DOMAIN = 'domain'
ROLE = 'role'
USER = 'user'
EXEMPT = 'exempt'
KINDS = (DOMAIN, ROLE, USER, EXEMPT)
DAY_SECONDS = 86400


@dataclasses.dataclass(frozen=True)
class Rules:
    """The operator's rules, by kind: frozensets of ids."""

    domains: frozenset = frozenset()
    roles: frozenset = frozenset()
    users: frozenset = frozenset()
    exempt: frozenset = frozenset()

    @classmethod
    def from_rows(cls, rows):
        """From ``(kind, target_id, ...)`` rows; unknown kinds are ignored."""
        by_kind = {kind: set() for kind in KINDS}
        for kind, target_id, *_ in rows:
            if kind in by_kind:
                by_kind[kind].add(target_id)
        return cls(frozenset(by_kind[DOMAIN]), frozenset(by_kind[ROLE]),
                   frozenset(by_kind[USER]), frozenset(by_kind[EXEMPT]))

    @property
    def requires_anyone(self):
        return bool(self.domains or self.roles or self.users)


def reasons(rules, user_id, domain_id, role_ids=()):
    """Why the user must use 2FA: ``('user', 'domain', 'role:<id>', ...)``.

    Empty when no rule applies or the user is exempt. ``role_ids`` matter
    only when ``rules.roles`` is not empty.
    """
    if user_id in rules.exempt:
        return ()
    found = []
    if user_id in rules.users:
        found.append(USER)
    if domain_id in rules.domains:
        found.append(DOMAIN)
    found.extend('%s:%s' % (ROLE, role_id)
                 for role_id in sorted(rules.roles.intersection(role_ids)))
    return tuple(found)


def grace_ends(start, grace_days):
    """When a grace period that began at ``start`` ends (Unix time)."""
    return start + grace_days * DAY_SECONDS
