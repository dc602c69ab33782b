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

"""``openstack two factor enable`` for a user who must set 2FA up first.

Past the grace period of a requirement, Keystone answers the password
alone with the set-up 401 and gives no token; ``keystone-totp enable``'s
set-up (cli/set_up.py) then runs with the password instead (POST
/v3/OS-TOTP/setup and /setup/device). The password and the user come from
the command's auth options as osc_lib's ClientManager.get_configuration()
gives them (its public read of the options, clouds.yaml and OS_*
variables): openstack has no token to offer here.
"""

from keystone_totp_concat.cli import set_up
from keystone_totp_concat.client import os_totp


def set_up_at_login(manager, out, parsed_args, enabled, secret_only):
    """The enable command's result, set up with the password.

    ``enabled(target, devices, answer)`` and ``secret_only(enrolment, uri)``
    are the command's own results, so both ways answer alike.
    """
    config = manager.get_configuration()
    auth = config.get('auth') or {}
    api = os_totp.Client(manager.session, endpoint_override=set_up.v3_url(
        config.get('identity_endpoint_override'), auth.get('auth_url')))
    return set_up.at_login(
        api, out, parsed_args, auth, enabled,
        lambda target, enrolment, uri: secret_only(enrolment, uri))
