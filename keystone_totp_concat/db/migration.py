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

"""Create and upgrade this package's tables with alembic.

The migrations keep their revision in their own version table, so they
never mix with Keystone's ``alembic_version`` and Keystone's ``db_sync`` and
ours can run in either order.
"""

import os

from alembic import command as alembic_command
from alembic import config as alembic_config
from alembic import migration as alembic_migration
from alembic import script as alembic_script
from keystone.common import sql

from keystone_totp_concat.db import keystone_indexes

SCRIPT_LOCATION = os.path.join(os.path.dirname(__file__), 'migrations')
VERSION_TABLE = 'totp_concat_alembic_version'


def _config(connection):
    config = alembic_config.Config()
    config.set_main_option('script_location', SCRIPT_LOCATION)
    config.attributes['connection'] = connection
    return config


def _engine():
    """The engine of Keystone's ``[database] connection``."""
    with sql.session_for_write() as session:
        return session.get_bind()


def db_sync(revision='head'):
    """Upgrade the tables to ``revision`` (the newest by default).

    Then make sure of the index on Keystone's ``credential`` table, also
    when the migration that adds it ran before Keystone's own db_sync made
    the table: what keystone_indexes.ensure did.
    """
    with _engine().begin() as connection:
        alembic_command.upgrade(_config(connection), revision)
        if _current(connection) != head_revision():
            return None
        return keystone_indexes.ensure(connection)


def _current(connection):
    context = alembic_migration.MigrationContext.configure(
        connection, opts={'version_table': VERSION_TABLE})
    return context.get_current_revision()


def db_version():
    """The current revision, or None before the first db_sync."""
    with _engine().connect() as connection:
        return _current(connection)


def head_revision():
    """The newest revision the package ships (what db_sync reaches)."""
    config = alembic_config.Config()
    config.set_main_option('script_location', SCRIPT_LOCATION)
    scripts = alembic_script.ScriptDirectory.from_config(config)
    return scripts.get_current_head()
