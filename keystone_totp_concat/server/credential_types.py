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

"""Credential types that the database takes for ``totp``.

MariaDB and MySQL compare strings under the column's collation: with
Keystone's ``utf8mb3_general_ci``, ``TOTP``, ``tótp``, ``totṗ`` and
``totp `` (trailing spaces are padded) all equal ``totp``, so any SQL
filter on the type finds them too. Only a type that is exactly ``totp``
makes a device (credentials.is_device, checked in Python); the look-alikes
found here are handled as ``totp`` on /v3/credentials so that nobody can
plant one where a filter might take it for a device. The database is
asked itself, under the column's own collation: it is the authority on
what it equates. A Unicode fold catches the obvious variants besides,
whatever the database says.
"""

import re
import unicodedata

from keystone.common import sql
from oslo_log import log
import sqlalchemy as sa

LOG = log.getLogger(__name__)
TOTP = 'totp'
_NAME = re.compile(r'^\w+$')
_COLUMN = sa.text(
    "SELECT CHARACTER_SET_NAME, COLLATION_NAME FROM information_schema.COLUMNS"
    " WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'credential'"
    " AND COLUMN_NAME = 'type'")
# (character set, collation) of credential.type on MySQL, once known.
_collation = None


def fold(text):
    """``text`` without case, compatibility forms, accents or edge spaces."""
    decomposed = unicodedata.normalize('NFKD', text)
    bare = ''.join(ch for ch in decomposed if not unicodedata.combining(ch))
    return bare.casefold().strip()


def lookalikes(types):
    """Those of ``types`` that are or may be taken for ``totp``.

    Exactly ``totp``, equal to it once folded, or equal to it in the
    database. When the database cannot answer, every string counts: the
    callers refuse or hide them, the safe side.
    """
    strings = {t for t in types if isinstance(t, str)}
    found = {t for t in strings if t == TOTP or fold(t) == TOTP}
    rest = sorted(strings - found)
    if not rest:
        return found
    try:
        equal = _equal_in_database(rest)
    except Exception as e:
        LOG.warning('Could not compare credential types in the database '
                    '(%s); handling them as totp.', type(e).__name__)
        return strings
    return found | {t for t, same in zip(rest, equal) if same}


def is_lookalike(credential_type):
    return bool(lookalikes([credential_type]))


def _equal_in_database(values):
    """For each value, whether the database finds it equal to ``totp``."""
    with sql.session_for_read() as session:
        if session.get_bind().dialect.name == 'mysql':
            query = _mysql_query(session, len(values))
        else:
            query = sa.text('SELECT %s' % ', '.join(
                ':v%d = :ref' % i for i in range(len(values))))
        params = {'v%d' % i: v for i, v in enumerate(values)}
        params['ref'] = TOTP
        return [bool(x) for x in session.execute(query, params).one()]


def _mysql_query(session, count):
    """Compare under credential.type's own character set and collation.

    A literal alone would take the connection's collation, which need not
    be the column's.
    """
    global _collation
    if _collation is None:
        row = session.execute(_COLUMN).one_or_none()
        if row is None or not all(row) or not all(
                _NAME.match(name) for name in row):
            raise LookupError('no collation known for credential.type')
        _collation = tuple(row)
    charset, collation = _collation

    def text(name):
        return 'CONVERT(:%s USING %s) COLLATE %s' % (name, charset, collation)
    return sa.text('SELECT %s' % ', '.join(
        '%s = %s' % (text('v%d' % i), text('ref')) for i in range(count)))
