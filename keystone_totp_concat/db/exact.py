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

"""Equality of ids that the database's collation does not bend.

MariaDB and MySQL compare this package's string columns under
utf8mb4_general_ci (case, accents and trailing spaces ignored), so ``=``
alone lets ``ABC`` or ``abc `` match the row of ``abc``. On those, the
plain ``=`` stays for the index, and ``BINARY column = value`` makes the
comparison byte for byte. PostgreSQL's default collations and SQLite's
compare bytes already.
"""

import sqlalchemy as sa


def equal(session, column, value):
    """``column == value``, byte for byte on every database."""
    same = column == value
    if session.get_bind().dialect.name == 'mysql':
        return sa.and_(same, sa.func.binary(column) == value)
    return same
