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

"""Checking a password without counting a failure in Keystone's lockout.

Once a user's code checks without a proved password are spent, the code is
checked only after the password (see verify.check_code). That password check
must not go through ``identity_api.authenticate``: a wrong password there
counts towards ``[security_compliance] lockout_failure_attempts``, which
would let a caller who knows only the user name lock the user out through
Keystone's own lockout, something the code check in front of it prevents.
So the hash is compared here, as Keystone's SQL identity driver does, and
Keystone's full check still runs once the code has been accepted.
"""

from keystone.common import password_hashing
from keystone.common import sql
from keystone.identity.backends import sql_model


def matches(user_id, password):
    """Whether ``password`` is the user's current local password.

    None when the user has no local password record (a user of an LDAP or
    federated domain): only Keystone's identity driver can tell then.
    """
    with sql.session_for_read() as session:
        user = session.get(sql_model.User, user_id)
        if user is None or user.local_user is None:
            return None
        hashed = user.password
    if not isinstance(password, str) or hashed is None:
        return False
    return password_hashing.check_password(password, hashed)
