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

"""The second factor on Keystone's self-service password change.

``POST /v3/users/{user_id}/password`` takes no token, only the original
password, so whoever holds just the password could change it (and lock the
owner out of their account). For enrolled users this guard demands the code
typed after the original password, exactly as at login, checked before
Keystone looks at the password. The code is used up only by a change that
succeeds (second_factor.use_up).
"""

import functools
import re

import flask
from keystone.common import provider_api
from keystone import exception
from keystone.server.flask import common as ks_flask

from keystone_totp_concat.core import totp
from keystone_totp_concat.server import audit
from keystone_totp_concat.server.auth import factors
from keystone_totp_concat.server.auth import password_probe
from keystone_totp_concat.server.auth import second_factor
from keystone_totp_concat.server import code_use
from keystone_totp_concat.server import credentials
from keystone_totp_concat.server import verify

PROVIDERS = provider_api.ProviderAPIs
PATH = re.compile(r'^/v3/users/(?P<user_id>[^/]+)/password/?$')


def install(app):
    """Add the guard to Keystone's Flask application."""
    app.before_request(require_code)


def _is_canonical(user_id):
    """False for a path id that is not exactly the id of the user found.

    Keystone's change would find the user through a database collation
    (MariaDB ignores case and trailing spaces) while the credentials, read
    by exact id, would say "not enrolled": the change must not run then.
    Such an id gets Keystone's answer to an unknown one; an unknown user
    is left to Keystone itself.
    """
    try:
        ref = PROVIDERS.identity_api.get_user(user_id)
    except exception.NotFound:
        return True
    return ref['id'] == user_id


def require_code():
    if flask.request.method != 'POST':
        return
    match = PATH.match(flask.request.path)
    if not match:
        return
    # The parsed body is cached by Flask: Keystone's handler reads this very
    # dict, with the code removed from the original password.
    body = flask.request.get_json(silent=True, force=True)
    user = body.get('user') if isinstance(body, dict) else None
    if not isinstance(user, dict) or not isinstance(
            user.get('original_password'), str):
        return  # Keystone's own validation answers.
    user_id = match.group('user_id')
    if not _is_canonical(user_id):
        ks_flask.set_unenforced_ok()
        raise exception.Unauthorized()  # Keystone's answer to an unknown id
    enrolment = credentials.load_enrolment(user_id)
    if factors.needed(enrolment) is factors.Needed.PASSWORD:
        return
    # The endpoint takes no token, so there is no RBAC to enforce; Keystone
    # must be told so before a refusal ends the request here.
    ks_flask.set_unenforced_ok()
    original, code = totp.split_field(user['original_password'],
                                      verify.code_length())

    @functools.cache
    def password_is_right():
        return password_probe.matches(user_id, original) is True

    decision = verify.check_code(user_id, enrolment, code, password_is_right)
    if not decision.accepted:
        raise audit.refuse(user_id, second_factor.REFUSED)
    user['original_password'] = original
    if not password_is_right():
        code_use.password_refused(decision)
        return  # Keystone refuses (and counts) the wrong password.
    second_factor.use_up(decision)
