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

"""Schema operations of the migrations that survive a half-finished run.

MariaDB commits each CREATE TABLE at once, so a db_sync that stopped half
way (or a rollback that dropped some tables but not all) leaves tables the
next run's migration would create again ("table already exists"). Each
operation here is skipped when its result is already there; a table that
exists without the columns its migration gives it is refused with one line
saying what to do, never altered.
"""

from alembic import op
import sqlalchemy as sa


class SchemaConflict(Exception):
    """A table of this package exists in a shape db_sync cannot continue."""


def _inspector():
    return sa.inspect(op.get_bind())


def create_table(name, *columns, **kwargs):
    """Create table ``name`` unless it exists with at least ``columns``.

    Extra columns are those of later migrations (which add them only when
    missing), e.g. a table the rollback left of a newer revision.
    """
    inspector = _inspector()
    if not inspector.has_table(name):
        op.create_table(name, *columns, **kwargs)
        return
    found = {c['name'] for c in inspector.get_columns(name)}
    missing = sorted({c.name for c in columns} - found)
    if missing:
        raise SchemaConflict(
            'table %s exists without column(s) %s: drop it (upgrade guide, '
            '"Turning the plugin off") and run db_sync again'
            % (name, ', '.join(missing)))


def create_index(name, table, columns):
    """Create index ``name`` on ``table`` unless it exists."""
    if name not in {i['name'] for i in _inspector().get_indexes(table)}:
        op.create_index(name, table, columns)


def add_column(table, column):
    """Add ``column`` to ``table`` unless the table has it."""
    if column.name not in {c['name']
                           for c in _inspector().get_columns(table)}:
        op.add_column(table, column)
