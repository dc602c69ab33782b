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

"""Who calls the OS-TOTP API, on whom, and what their token proves.

Keystone's RBAC runs first on the user the path names, looked up by exact
id; then the token tells whether it proves the second factor by itself.
"""

import flask
from keystone.common import authorization
from keystone.common import provider_api
from keystone.common import rbac_enforcer
from keystone import exception
from oslo_utils import timeutils

from keystone_totp_concat.server.api import enrolment
from keystone_totp_concat.server import compat
from keystone_totp_concat.server import conf

CONF = conf.CONF
PROVIDERS = provider_api.ProviderAPIs
ENFORCER = rbac_enforcer.RBACEnforcer
# The methods of a token from a password+code login, whichever form the
# code took (after the password, ``passcode``, or a ``totp`` method).
PASSWORD_AND_CODE = frozenset(['password', 'totp'])
# Nodes' clocks may differ a little: a token issued "in the future" by
# another node still counts as fresh within this many seconds.
CLOCK_SLACK = 60


def enforce(action, user_id):
    """Keystone's RBAC on ``{'user': ...}`` of the target user; the user.

    The user is looked up only after the check, so existence does not leak
    to callers the policy refuses (Keystone's own pattern). A path id that
    is not byte for byte the id of the user Keystone finds is no user: a
    database that compares ids under a collation (MariaDB's ignores case
    and trailing spaces) would otherwise find the user for ``ABC`` while
    "acting on oneself" compares the path with the caller's id. Every
    decision after this call uses the returned user's id.
    """
    def build_target():
        ref = canonical_user(user_id)
        if ref is None:
            return {'user': {'id': user_id}}
        return {'user': {'id': ref['id'], 'domain_id': ref['domain_id']}}

    ENFORCER.enforce_call(action=action, build_target=build_target)
    ref = canonical_user(user_id)
    if ref is None:
        raise exception.UserNotFound(user_id=printable(user_id))
    return ref


def canonical_user(user_id):
    """The user whose id is exactly ``user_id``, or None."""
    try:
        ref = PROVIDERS.identity_api.get_user(user_id)
    except exception.NotFound:
        return None
    return ref if ref['id'] == user_id else None


def _token():
    return (flask.request.environ.get(authorization.AUTH_CONTEXT_ENV)
            or {}).get('token')


def fresh_second_factor(user_id):
    """Whether the request's token proves the second factor by itself.

    True when it is the user's own, issued by a password+code login (its
    methods are ``password`` and ``totp`` and nothing else) at most
    ``fresh_token_seconds`` ago: not re-issued from another token (which
    keeps the methods but gets a new issue time), not a trust, application
    credential, EC2 or OAuth token.
    """
    token = _token()
    seconds = CONF.totp_concat.fresh_token_seconds
    if token is None or seconds <= 0 or token.user_id != user_id:
        return False
    if set(token.methods or []) != PASSWORD_AND_CODE:
        return False
    if token.parent_audit_id or token.trust_id or (
            token.application_credential_id) or token.oauth_scoped:
        return False
    try:
        issued = timeutils.parse_isotime(token.issued_at)
    except (ValueError, TypeError):
        return False
    age = (timeutils.utcnow(with_timezone=True) - issued).total_seconds()
    return -CLOCK_SLACK <= age <= seconds


def of(user_id):
    """The request's caller, acting on ``user_id``."""
    return enrolment.Caller(compat.caller_id(), fresh_second_factor(user_id))


def printable(text):
    text = str(text)[:64]
    return text.encode('ascii', 'backslashreplace').decode('ascii')
