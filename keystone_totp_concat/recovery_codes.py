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
"""

import time

from keystone.common import password_hashing

from keystone_totp_concat.db import recovery as db_recovery
from keystone_totp_concat import recovery


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
