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
"""The operator's side of the OS-TOTP API: who must use 2FA, who does.

``/v3/OS-TOTP/requirements`` lists the rules; ``PUT`` and ``DELETE`` on
``/v3/OS-TOTP/requirements/{domains|roles|users|exemptions}/{id}`` set and
lift one. Only an id Keystone resolves exactly is stored. ``GET
/v3/OS-TOTP/compliance?domain_id=`` is the report: each user of the
domain, required or not and why, enrolled or not, and the grace period.
"""

import http.client
import time

import flask
from keystone.common import provider_api
from keystone.common import rbac_enforcer
from keystone import exception
from keystone.server import flask as ks_flask

from keystone_totp_concat.core import clock
from keystone_totp_concat.core import requirement
from keystone_totp_concat.db import requirements as db
from keystone_totp_concat.server.api import caller
from keystone_totp_concat.server.api import errors
from keystone_totp_concat.server.api import policy
from keystone_totp_concat.server import audit
from keystone_totp_concat.server import conf
from keystone_totp_concat.server import credentials
from keystone_totp_concat.server import requirements

CONF = conf.CONF
PROVIDERS = provider_api.ProviderAPIs
ENFORCER = rbac_enforcer.RBACEnforcer
# The path's plural, as Keystone names collections; the stored kind.
KIND_IN_PATH = {'domains': requirement.DOMAIN, 'roles': requirement.ROLE,
                'users': requirement.USER,
                'exemptions': requirement.EXEMPT}


def _kind(name):
    kind = KIND_IN_PATH.get(name)
    if kind is None:
        raise exception.NotFound('Could not find requirement kind: %s.'
                                 % caller.printable(name))
    return kind


def _resolved(kind, target_id):
    """The target Keystone has by exactly this id, or a 404."""
    try:
        if kind == requirement.DOMAIN:
            ref = PROVIDERS.resource_api.get_domain(target_id)
        elif kind == requirement.ROLE:
            ref = PROVIDERS.role_api.get_role(target_id)
        else:
            ref = PROVIDERS.identity_api.get_user(target_id)
    except exception.NotFound:
        ref = None
    if ref is None or ref['id'] != target_id:
        raise exception.NotFound('Could not find %s: %s.'
                                 % (kind, caller.printable(target_id)))
    return ref


def _rule(kind, target_id, created_at):
    return {'kind': kind, 'target_id': target_id,
            'created_at': clock.iso(created_at)}


class RequirementsResource(ks_flask.ResourceBase):
    collection_key = 'requirements'
    member_key = 'requirement'

    def get(self):
        """GET /v3/OS-TOTP/requirements: every rule."""
        ENFORCER.enforce_call(action=policy.LIST_REQUIREMENTS)
        return {'requirements': [_rule(*row) for row in sorted(db.rows())]}


class RequirementResource(ks_flask.ResourceBase):
    collection_key = 'requirements'
    member_key = 'requirement'

    def put(self, kind, target_id):
        """PUT .../requirements/{kind}/{id}: 201 when new, else 204."""
        ENFORCER.enforce_call(action=policy.SET_REQUIREMENT)
        kind = _kind(kind)
        _resolved(kind, target_id)
        now = int(time.time())
        if not db.put(kind, target_id, now):
            return None, http.client.NO_CONTENT
        audit.requirement_changed(True, kind, target_id)
        return ({'requirement': _rule(kind, target_id, now)},
                http.client.CREATED)

    def delete(self, kind, target_id):
        """DELETE .../requirements/{kind}/{id}: the rule is lifted."""
        ENFORCER.enforce_call(action=policy.DELETE_REQUIREMENT)
        kind = _kind(kind)
        if not db.delete(kind, target_id):
            raise errors.RequirementNotFound(
                kind=kind, target_id=caller.printable(target_id))
        audit.requirement_changed(False, kind, target_id)
        return None, http.client.NO_CONTENT


class ComplianceResource(ks_flask.ResourceBase):
    collection_key = 'users'
    member_key = 'user'

    def get(self):
        """GET /v3/OS-TOTP/compliance?domain_id=: the domain's users."""
        ENFORCER.enforce_call(action=policy.GET_COMPLIANCE)
        domain_id = flask.request.args.get('domain_id')
        if not domain_id:
            raise errors.BadRequest(detail='"domain_id" is required.')
        _resolved(requirement.DOMAIN, domain_id)
        return {'users': report(domain_id), 'domain_id': domain_id}


def report(domain_id):
    """Each user of the domain: required and why, enrolled, grace."""
    rules = requirements.rules()
    users = PROVIDERS.identity_api.list_users(domain_scope=domain_id)
    starts = db.starts(u['id'] for u in users)
    grace_days = CONF.totp_concat.required_grace_days
    rows = []
    for user in sorted(users, key=lambda u: u['name']):
        reasons = requirements.reasons(user, rules)
        enrolled = bool(credentials.device_ids(user['id']))
        start = starts.get(user['id'])
        ends = (requirement.grace_ends(start, grace_days)
                if reasons and not enrolled and start is not None else None)
        rows.append({
            'id': user['id'], 'name': user['name'],
            'required': bool(reasons), 'reasons': list(reasons),
            'exempt': user['id'] in rules.exempt, 'enrolled': enrolled,
            'grace_ends_at': clock.iso(ends),
            'state': _state(reasons, enrolled, start, ends),
        })
    return rows


def _state(reasons, enrolled, start, ends):
    """One word for the report's table."""
    if enrolled:
        return 'enrolled'
    if not reasons:
        return 'not_required'
    if start is None:
        return 'not_yet_logged_in'
    return 'overdue' if time.time() >= ends else 'in_grace'
