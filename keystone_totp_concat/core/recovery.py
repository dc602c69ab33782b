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

"""Recovery codes: their format, making them, finding one after a password.

A recovery code is three groups of four characters joined by dashes, such as
``k7f2-9xqm-3hpa``: lowercase letters and digits of Crockford's base32 (no
i, l, o or u), 60 random bits. The dashes make it impossible to mistake for
a TOTP code (digits only) and let the server find it at the end of the
password field: a field ends with a recovery code when its last fourteen
characters have that shape, which a field ending with a TOTP code never
has. The first group names the code in the database (``code_id``); the
whole code is stored only as a salted slow hash. Nothing here imports
Keystone.
"""

import re
import secrets

ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz'
GROUPS = 3
GROUP_LENGTH = 4
LENGTH = GROUPS * GROUP_LENGTH + GROUPS - 1
COUNT = 10
_GROUP = '[%s]{%d}' % (ALPHABET, GROUP_LENGTH)
_SHAPE = re.compile('-'.join([_GROUP] * GROUPS) + r'\Z')


def generate(count=COUNT):
    """``count`` new codes whose first groups (their ids) all differ."""
    codes, ids = [], set()
    while len(codes) < count:
        code = '-'.join(
            ''.join(secrets.choice(ALPHABET) for _ in range(GROUP_LENGTH))
            for _ in range(GROUPS))
        if code_id(code) not in ids:
            ids.add(code_id(code))
            codes.append(code)
    return codes


def is_recovery_code(value):
    """Whether ``value`` is, as a whole, shaped like a recovery code."""
    return (isinstance(value, str) and len(value) == LENGTH
            and _SHAPE.match(value) is not None)


def split_field(field):
    """``(password, code)`` when the field ends with a recovery code.

    None otherwise, so that the caller looks for a TOTP code instead.
    """
    if not isinstance(field, str) or len(field) < LENGTH:
        return None
    if not is_recovery_code(field[-LENGTH:]):
        return None
    return field[:-LENGTH], field[-LENGTH:]


def code_id(code):
    """The first group: which stored hash to compare with. Not secret."""
    return code[:GROUP_LENGTH]
