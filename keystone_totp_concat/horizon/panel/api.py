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


"""The OS-TOTP API of Keystone, called with the dashboard user's token.

keystone_totp_concat.client.os_totp over a keystoneauth1 session made by
openstack_auth (so the dashboard's TLS settings apply); the library never
lets the session log bodies, which hold codes, secrets and recovery codes.

The user's own account is handled with the session's *unscoped* token when
there is one: right after a password+code login it is the "fresh
password+code token" that Keystone accepts as proof of the second factor
(the project token is re-issued from it, so it is never fresh). Admin
actions on other users use the project token, which carries the roles.
"""

import functools

from django.conf import settings
from keystoneauth1 import token_endpoint
from openstack_auth import utils as auth_utils

from keystone_totp_concat.client import os_totp


def _identity_url(request):
    """Keystone's v3 URL: the one the user logged in to."""
    url = (getattr(request.user, 'endpoint', None)
           or settings.OPENSTACK_KEYSTONE_URL).rstrip('/')
    if not url.endswith('/v3'):
        url += '/v3'
    return url


class Client:
    """The os_totp.Client methods for one user, as the dashboard user.

    ``Client(request).status()`` is ``os_totp.Client.status(user_id)``
    with the token chosen above; errors are os_totp's exceptions.
    ``admin``: the project token even for the user's own calls (reports
    on others, such as the compliance report).
    """

    def __init__(self, request, user_id=None, admin=False):
        self.user_id = user_id or request.user.id
        token = request.user.token.id
        if self.user_id == request.user.id and not admin:
            token = getattr(request.user, 'unscoped_token', None) or token
        url = _identity_url(request)
        self._client = os_totp.Client(
            auth_utils.get_session(), auth=token_endpoint.Token(url, token),
            endpoint_override=url)

    def compliance(self, domain_id):
        """The domain's compliance report: not a call on one user."""
        return self._client.compliance(domain_id)

    def __getattr__(self, name):
        return functools.partial(getattr(self._client, name), self.user_id)
