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

"""Keystone's answer "TOTP code missing or wrong", as Horizon sees it."""

from django.utils.translation import gettext_lazy as _
from openstack_auth import exceptions

# The message of the 401 that the server plugin sends when an enrolled user's
# code is missing, wrong or already used (see the user guide).
ADDITIONAL_STEPS = 'Additional authentications steps required.'

REMINDER = _('Two Factor Authentication is enabled for this account: '
             'enter the 6-digit code.')
# Keystone gives one answer for a wrong, expired or reused code and for a
# user whose code checks are locked after too many wrong codes.
REFUSED = _('The code was not accepted: it is wrong, expired or already '
            'used, or too many wrong codes were tried recently. Two Factor '
            'Authentication is enabled for this account: enter the 6-digit '
            'code.')


class TOTPCodeRequired(exceptions.KeystoneAuthException):
    """The account has 2FA and Keystone got no valid code with the password.

    A subclass of openstack_auth's base error, so Horizon's login form turns
    it into a form error like any other failed login.
    """


def asks_for_code(exc):
    """True when a keystoneauth1 ``Unauthorized`` is the server plugin's.

    Read from the response body: keystoneauth1 decorates ``exc.message``.
    """
    try:
        error = exc.response.json()['error']
        return error['message'] == ADDITIONAL_STEPS
    except (AttributeError, ValueError, TypeError, KeyError):
        return False
