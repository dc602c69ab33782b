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

"""openstack_auth plugin: the stock password login, aware of 2FA.

openstack_auth reports every 401 as "Invalid credentials.", which would hide
from an enrolled user that only the code is missing. This plugin raises
:class:`~keystone_totp_concat.horizon.login.errors.TOTPCodeRequired`
instead, for the login form to act on, and
:class:`~keystone_totp_concat.horizon.login.errors.TOTPSetUpRequired` for a
required user past the grace period. It hands the headers of Keystone's
token answer to the login form, which shows what they tell (a grace period,
a recovery code used: :mod:`~keystone_totp_concat.horizon.login.notices`).
Listed first in ``AUTHENTICATION_PLUGINS``.
"""

from keystoneauth1 import exceptions as ks_exceptions
from keystoneauth1.identity import v3
from openstack_auth.plugin import password

from keystone_totp_concat.client import protocol
from keystone_totp_concat.horizon.login import errors
from keystone_totp_concat.horizon.login import notices


class _Password(v3.Password):
    """keystoneauth1's v3 password plugin that tells a missing code apart."""

    def get_auth_ref(self, session, **kwargs):
        session = notices.HeaderRecorder(session)
        try:
            auth_ref = super().get_auth_ref(session, **kwargs)
        except ks_exceptions.Unauthorized as exc:
            if protocol.asks_for_code(exc):
                raise errors.TOTPCodeRequired(errors.reminder()) from None
            if protocol.asks_for_set_up(exc):
                raise errors.TOTPSetUpRequired(
                    errors.set_up_required()) from None
            raise
        notices.record(session.headers)
        return auth_ref


class PasswordPlugin(password.PasswordPlugin):
    """Drop-in for ``openstack_auth.plugin.password.PasswordPlugin``."""

    def get_plugin(self, auth_url=None, username=None, password=None,
                   user_domain_name=None, **kwargs):
        # openstack_auth's own body with _Password; pinned by
        # tests/e2e/test_upstream_openstack_auth.py.
        if not all((auth_url, username, password)):
            return None
        return _Password(auth_url=auth_url, username=username,
                         password=password,
                         user_domain_name=user_domain_name, unscoped=True)
