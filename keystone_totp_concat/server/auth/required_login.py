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
"""A login of a user who must use 2FA and has no device yet.

The password is checked first, by Keystone (counted in its lockout), so
that a stranger learns nothing: a wrong password gets Keystone's own 401.
With the right one, the user's grace period decides (requirements.grace):
within it the token is issued and the answer says until when, in headers
the clients show; after it, the 401 SetUpRequired, and the user sets 2FA
up without a token (server/api/setup.py).
"""

import functools

import flask
from keystone import exception
from keystone.i18n import _

from keystone_totp_concat.core import clock
from keystone_totp_concat.server import audit
from keystone_totp_concat.server import requirements

# On a login inside the grace period: when it ends (ISO 8601, UTC).
REQUIRED_BY_HEADER = 'Openstack-Totp-Required-By'
# On the 401 after it: what clients branch on, never the message.
SET_UP_HEADER = 'Openstack-Totp-Set-Up-Required'


class SetUpRequired(exception.Unauthorized):
    message_format = _(
        'Two Factor Authentication is required for this account: set it up '
        'first (keystone-totp enable, openstack two factor enable, the '
        'dashboard, or POST /v3/OS-TOTP/setup), then log in with the '
        'password and a code.')


def password_login(user_ref, check_password):
    """Keystone's answer to the password, within the grace period only."""
    response = check_password()
    user_id = user_ref['id']
    grace = requirements.grace(user_id)
    if grace.over:
        audit.set_up_required(user_id, user_ref['name'])
        flask.after_this_request(_mark_set_up_required)
        raise SetUpRequired()
    audit.grace_login(user_id, grace.ends_at)
    flask.after_this_request(functools.partial(_tell_grace, grace.ends_at))
    return response


def grace_message(ends_at):
    return ('Two Factor Authentication is required for this account from '
            '%s: set it up before then.' % clock.iso(ends_at))


def _tell_grace(ends_at, response):
    if response.status_code < 400:
        response.headers[REQUIRED_BY_HEADER] = clock.iso(ends_at)
        response.headers.add(
            'Warning', '299 keystone "%s"' % grace_message(ends_at))
    return response


def _mark_set_up_required(response):
    if response.status_code == 401:
        response.headers[SET_UP_HEADER] = 'true'
    return response
