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

"""alembic environment of keystone-totp-concat's own tables.

Run through keystone_totp_concat.db.migration, which hands over a
connection to Keystone's database.
"""

from alembic import context

from keystone_totp_concat.db import migration
from keystone_totp_concat.db import models


def include_name(name, type_, parent_names):
    """Autogenerate looks only at this package's tables, never Keystone's."""
    if type_ == 'table':
        return name in models.metadata.tables
    return True


context.configure(
    connection=context.config.attributes['connection'],
    target_metadata=models.metadata,
    version_table=migration.VERSION_TABLE,
    include_name=include_name,
    render_as_batch=True,
)
with context.begin_transaction():
    context.run_migrations()
