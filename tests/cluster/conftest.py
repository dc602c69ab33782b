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

"""Two Keystone nodes sharing one MariaDB (or PostgreSQL) database.

The tests that use these nodes are skipped unless KTC_CLUSTER=1 (``make
test-cluster`` and ``.ci/run`` set it): they need a SQL server on 127.0.0.1
and two minutes of both cores.
KTC_CLUSTER_DB picks ``mysql`` (default) or ``postgresql``.
"""

import os
import pathlib

import pytest

import local_keystone  # tools/, put on sys.path by tests/conftest.py

from tests import databases

ENABLED = os.environ.get('KTC_CLUSTER') == '1'
# Cheap bcrypt so that 2,000 logins fit two cores; everything else is
# Keystone's and this plugin's defaults.
OVERRIDES = {'identity': {'password_hash_rounds': 4}}


def pytest_collection_modifyitems(config, items):
    if ENABLED:
        return
    skip = pytest.mark.skip(
        reason='two-node load test: run `make test-cluster`')
    here = pathlib.Path(__file__).parent
    for item in items:
        if (here in pathlib.Path(item.fspath).parents
                and 'nodes' in getattr(item, 'fixturenames', ())):
            item.add_marker(skip)


@pytest.fixture(scope='session')
def cluster_database():
    kind = os.environ.get('KTC_CLUSTER_DB', 'mysql')
    if kind not in databases.SERVERS:
        raise pytest.UsageError('KTC_CLUSTER_DB must be one of %s'
                                % ', '.join(databases.SERVERS))
    with databases.fresh_database(kind) as url:
        yield url


@pytest.fixture(scope='session')
def nodes(cluster_database, tmp_path_factory):
    """Two started uwsgi Keystones, one database and one set of keys."""
    first = local_keystone.LocalKeystone(
        tmp_path_factory.mktemp('node-a'), local_keystone.free_port(),
        overrides=OVERRIDES, database=cluster_database)
    first.setup()
    second = local_keystone.LocalKeystone(
        tmp_path_factory.mktemp('node-b'), local_keystone.free_port(),
        overrides=OVERRIDES)
    second.join(first)
    started = []
    try:
        for node in (first, second):
            started.append(node.start(processes=2))
        yield first, second
    finally:
        for node in started:
            node.stop()
