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

from keystone.common import sql
import keystone.conf
import pytest

from keystone_totp_concat.db import migration
from tests import databases

CONF = keystone.conf.CONF


@pytest.fixture(scope='module')
def database(tmp_path_factory):
    """A fresh database with this package's migrations, for one module.

    Keystone's own enginefacade points at it, as in a Keystone process: a
    SQLite file, or MariaDB/PostgreSQL when KTC_TEST_DB selects one.
    """
    sql.initialize()
    with databases.fresh_database(databases.selected()) as url:
        url = url or 'sqlite:///%s' % (
            tmp_path_factory.mktemp('db') / 'keystone.db')
        CONF.set_override('connection', url, group='database')
        sql.cleanup()
        try:
            assert migration.db_version() is None
            migration.db_sync()
            yield url
        finally:
            sql.cleanup()
            CONF.clear_override('connection', group='database')
