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

"""The SQL server behind the suite's Keystone: KTC_TEST_DB selects it.

``sqlite`` (default) keeps Keystone's database in a file of its work dir;
``mysql`` (MariaDB/MySQL, root with an empty password) and ``postgresql``
(user postgres, trust auth) get a fresh, uniquely named database on
127.0.0.1 that is dropped at the end. When that server does not answer, the
tests that need a Keystone are skipped with a message saying so.
"""

import contextlib
import os
import uuid

import pytest
import sqlalchemy

ENV = 'KTC_TEST_DB'
SERVERS = {
    'mysql': ('mysql+pymysql://root@127.0.0.1:3306/%s?charset=utf8mb4',
              'mysql+pymysql://root@127.0.0.1:3306/'),
    'postgresql': ('postgresql+psycopg2://postgres@127.0.0.1:5432/%s',
                   'postgresql+psycopg2://postgres@127.0.0.1:5432/postgres'),
}


def selected():
    kind = os.environ.get(ENV, 'sqlite').lower()
    if kind not in ('sqlite', *SERVERS):
        raise pytest.UsageError(
            '%s must be sqlite, mysql or postgresql, not %r' % (ENV, kind))
    return kind


@contextlib.contextmanager
def fresh_database(kind):
    """Yield the URL of a new empty database of ``kind``; drop it after.

    Yields None for sqlite: the caller picks a file.
    """
    if kind == 'sqlite':
        yield None
        return
    url, admin_url = SERVERS[kind]
    name = 'ktc_test_' + uuid.uuid4().hex[:12]
    admin = sqlalchemy.create_engine(admin_url, isolation_level='AUTOCOMMIT')
    try:
        with admin.connect() as conn:
            conn.execute(sqlalchemy.text('CREATE DATABASE %s' % name))
    except sqlalchemy.exc.OperationalError as e:
        admin.dispose()
        pytest.skip('%s=%s but no %s server answers on 127.0.0.1 (%s)'
                    % (ENV, kind, kind, type(e.orig).__name__))
    try:
        yield url % name
    finally:
        drop = 'DROP DATABASE %s' % name
        if kind == 'postgresql':
            drop += ' WITH (FORCE)'
        with admin.connect() as conn:
            conn.execute(sqlalchemy.text(drop))
        admin.dispose()
