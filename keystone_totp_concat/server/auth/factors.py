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

"""What a user must prove to log in: the one place that decides it.

Every path that lets a password in asks here: a login with the password
method (password.py, its first transaction in login_check.py) and the
self-service password change (password_change.py). A user with a ``totp``
device needs a second factor (a current code of a device or a recovery
code) beside the password. A user without one logs in with the password
alone, exactly as with Keystone's stock method, unless an operator
requires 2FA of the user (requirements.py): then the password alone logs
in only during the user's grace period, and set-up comes first after it
(required_login.py). A request that names the ``totp`` method beside
``password`` asks for the second factor itself.
"""

import enum

from keystone_totp_concat.server import requirements


class Needed(enum.Enum):
    """The factors a login must prove."""

    # Keystone's stock check of the password, nothing else.
    PASSWORD = 'password'
    # The password and a second factor: a TOTP code or a recovery code.
    PASSWORD_AND_CODE = 'password and code'
    # No device yet, but 2FA is required of the user: the password, then
    # the grace period decides (required_login.py).
    PASSWORD_THEN_SET_UP = 'password, then set-up'


def needed(enrolment, totp_requested=False, user_ref=None, rules=None):
    """What a login of the user whose devices are ``enrolment`` needs.

    ``totp_requested``: the request names the ``totp`` method beside the
    password (``methods: ["password", "totp"]``). ``user_ref``: the user
    Keystone resolved, whose requirement is asked when the user has no
    device; without it, the requirement is not asked. ``rules``: the
    operator's rules when the caller read them already.
    """
    if enrolment.enrolled or totp_requested:
        return Needed.PASSWORD_AND_CODE
    if user_ref is not None and requirements.reasons(user_ref, rules):
        return Needed.PASSWORD_THEN_SET_UP
    return Needed.PASSWORD
