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

"""A user's set of recovery codes, as the OS-TOTP API hands them out.

A new set replaces the old one at once; the codes are returned once, to be
shown to the user, and stored only as hashes made by Keystone's password
hasher (salted and slow, as configured for passwords). Using one is the
login's business (verify.check_recovery_code).

A set lives as long as the user has a device: it goes with the last one,
whichever route removed it, and a first device never brings an older set
back (a route that removed the last device without telling us, such as
Keystone deleting a project's credentials, leaves the set dormant; the
next first device revokes it).
"""

import time

from keystone.common import password_hashing
from oslo_log import log

from keystone_totp_concat.core import recovery
from keystone_totp_concat.db import recovery as db_recovery
from keystone_totp_concat.server import credentials

LOG = log.getLogger(__name__)


def new_set(user_id):
    """Replace the user's set; the new codes, in clear, this once."""
    codes = recovery.generate()
    db_recovery.replace_set(
        user_id,
        {recovery.code_id(code): password_hashing.hash_password(code)
         for code in codes},
        int(time.time()))
    return codes


def remaining(user_id):
    return db_recovery.remaining(user_id)


def revoke(user_id):
    """Delete the set; how many unused codes it had."""
    return db_recovery.revoke(user_id)


def last_device_gone(user_id):
    """The user has no device left: the set goes too."""
    _revoke(user_id, 'their last TOTP device is gone')


def device_removed(user_id):
    """A device of the user was deleted; the set goes if it was the last."""
    if not credentials.device_ids(user_id):
        last_device_gone(user_id)


def device_added(user_id, credential_id):
    """A device was created; if it is the user's only one, no set is.

    A set left from before the user's devices were all removed must not
    work again with a new device, whoever made it.
    """
    if credentials.device_ids(user_id) == [credential_id]:
        _revoke(user_id, 'a first TOTP device was added')


def _revoke(user_id, why):
    left = revoke(user_id)
    if left:
        LOG.info('Revoked %(left)d unused recovery code(s) of user %(user)s: '
                 '%(why)s.', {'left': left, 'user': user_id, 'why': why})
