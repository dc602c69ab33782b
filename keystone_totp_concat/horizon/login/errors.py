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

"""Keystone's answer "TOTP code missing or wrong", as Horizon sees it.

How the answer is recognised is the client protocol's
(:mod:`keystone_totp_concat.client.protocol`); the number of digits comes
from the ``KEYSTONE_TOTP_CODE_LENGTH`` setting (6 to 8, default 6: the
server's ``[totp_concat] code_length``).
"""

from django.utils.translation import gettext as _
from openstack_auth import exceptions

from keystone_totp_concat.horizon import code_field

code_length = code_field.code_length


def reminder():
    """The warning when Keystone got the password without a code.

    Shown as a warning, not an error: the password may well be right. The
    password field is empty again (never echoed), hence "again".
    """
    return _('Two Factor Authentication is enabled for this account: type '
             'your password again and the %(length)d-digit code of your '
             'authenticator app.') % {'length': code_length()}


def refused():
    """The form error when a code was typed and Keystone refused it.

    Keystone gives one answer for a wrong, expired or reused code and for a
    user whose code checks are locked after too many wrong codes.
    """
    return _('The code was not accepted: it is wrong, expired or already '
             'used (each code works once), or too many wrong codes were '
             'tried recently. Type your password again and a new '
             '%(length)d-digit code.') % {'length': code_length()}


class TOTPCodeRequired(exceptions.KeystoneAuthException):
    """The account has 2FA and Keystone got no valid code with the password.

    A subclass of openstack_auth's base error, so Horizon's login form turns
    it into a form error like any other failed login.
    """


def set_up_required():
    """The form error when the set-up page cannot be shown."""
    return _('Two Factor Authentication is required for this account: set '
             'it up first, then log in with your password and a code.')


class TOTPSetUpRequired(exceptions.KeystoneAuthException):
    """Keystone's set-up 401, told apart by its header, not its message.

    The right password of a required user without a device, after the grace
    period.
    """


class SetUpAtLogin(Exception):
    """Raised by the login form to leave openstack_auth's login view.

    Not a KeystoneAuthException, so it is no form error: it goes past
    Django's LoginView to :func:`..views.login`, which shows the set-up page
    instead of the login form, as openstack_auth does with an expired
    password. ``state`` is what the page shows and signs: Keystone's
    pending secret, the login's user object and Keystone's URL.
    """

    def __init__(self, state):
        super().__init__('set-up at login')
        self.state = state
