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

"""Keystone nodes on a real 3-node MariaDB Galera cluster (tests/galera/).

Skipped unless KTC_GALERA=1 (``make test-galera`` and ``.ci/run`` set it);
then a machine without MariaDB, the galera-4 provider or rsync fails the
run rather than skipping it. The cluster is started once for the session
and stopped at its end, also when a test fails; its servers' logs are
copied to test-output/ (galera-node*.log).

The modules run in name order, and the last one (test_single_writer.py)
kills cluster nodes: first the single writer, then the quorum.
"""

import os
import pathlib

from oslo_log import _options
import pytest

import local_keystone  # tools/, put on sys.path by tests/conftest.py

from tests.galera import cluster as galera

ENABLED = os.environ.get('KTC_GALERA') == '1'
# Cheap bcrypt: the tests are about the database, not the hash. The
# retries' DEBUG lines are logged too (oslo.log's default levels plus
# db/retry.py's), so the tests can count the conflicts that were retried.
OVERRIDES = {
    'identity': {'password_hash_rounds': 4},
    'DEFAULT': {'default_log_levels': ','.join(
        _options.DEFAULT_LOG_LEVELS
        + ['keystone_totp_concat.db.retry=DEBUG'])},
}


def pytest_collection_modifyitems(config, items):
    if ENABLED:
        return
    skip = pytest.mark.skip(reason='Galera cluster test: run `make '
                                   'test-galera`')
    here = pathlib.Path(__file__).parent
    for item in items:
        if here in pathlib.Path(item.fspath).parents:
            item.add_marker(skip)


@pytest.fixture(scope='session')
def galera_cluster(output_dir):
    missing = galera.missing_tools()
    if missing:
        pytest.fail('KTC_GALERA=1 but this machine lacks: %s (make '
                    'test-galera installs the packages)' % ', '.join(missing))
    cluster = galera.GaleraCluster()
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop(output_dir=output_dir)


@pytest.fixture(scope='session')
def seed(galera_cluster, tmp_path_factory):
    """Keystone's and this package's tables, keys and admin, made once.

    Made through the first cluster node; the Keystone nodes join it.
    """
    server = local_keystone.LocalKeystone(
        tmp_path_factory.mktemp('galera-seed'), local_keystone.free_port(),
        overrides=OVERRIDES, database=galera_cluster.nodes[0].url())
    server.setup()
    return server


def keystone_on(seed, tmp_path_factory, name, database, processes=2,
                overrides=None):
    """A started Keystone node of ``seed``'s cloud on ``database``.

    ``seed`` is the node that set the cloud up (its keys and tables).
    """
    server = local_keystone.LocalKeystone(
        tmp_path_factory.mktemp(name), local_keystone.free_port(),
        overrides=dict(OVERRIDES, **(overrides or {})))
    server.join(seed)
    server.database = database
    server.write_config()
    server.start(processes=processes)
    return server


def wsrep_counter(cluster, name):
    """Sum of a wsrep status counter over the cluster's live nodes."""
    return sum(int(node.status(name) or 0) for node in cluster.nodes
               if node.alive)


def log_text(server):
    """Keystone's and uwsgi's logs of a node, read back."""
    return (server.log_file.read_text(errors='replace'),
            (server.workdir / 'uwsgi.log').read_text(errors='replace'))
