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

import configparser
import contextlib
import os
import pathlib
import sys
import uuid

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / 'tools'))

import local_keystone  # noqa: E402

from tests import cloud as cloud_mod  # noqa: E402
from tests import databases  # noqa: E402
from tests import ldap_domain as ldap_domain_mod  # noqa: E402
from tests import ldap_server  # noqa: E402
from tests.releases import venvs  # noqa: E402

# Settings of the suite's Keystone: cheap bcrypt so the suite is fast, and
# Keystone's lockout on so tests can see whether the password hash was hit.
LOCKOUT_ATTEMPTS = 3
TEST_OVERRIDES = {
    'identity': {'password_hash_rounds': 4},
    'security_compliance': {
        'lockout_failure_attempts': LOCKOUT_ATTEMPTS,
        'lockout_duration': 600,
    },
    # CADF notifications go to Keystone's log, where tests can read them.
    'oslo_messaging_notifications': {'driver': 'log'},
}
# Serve Keystone (and this package) from another virtualenv: one per
# maintained Keystone release under make test-releases (tests/releases/),
# with the shipped [auth] methods that release has.
KEYSTONE_VENV = os.environ.get('KTC_KEYSTONE_VENV') or None
# The WSGI applications the nodes serve: the plugin's, and Keystone's own
# for the stock node. make test-releases sets them for a release that lacks
# one (tests/releases/run.py).
PLUGIN_WSGI = os.environ.get('KTC_PLUGIN_WSGI',
                             'keystone_totp_concat.wsgi:application')
STOCK_WSGI = os.environ.get('KTC_STOCK_WSGI', 'keystone.wsgi.api:application')
if KEYSTONE_VENV:
    _shipped = configparser.RawConfigParser()
    _shipped.read(local_keystone.PLUGIN_CONF)
    TEST_OVERRIDES['auth'] = {'methods': ','.join(venvs.auth_methods(
        KEYSTONE_VENV, _shipped.get('auth', 'methods').split(',')))}


@pytest.fixture(scope='session')
def output_dir():
    """Where tests leave artefacts (screenshots, logs) for people to read."""
    path = pathlib.Path(os.environ.get('KTC_TEST_OUTPUT',
                                       ROOT / 'test-output'))
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope='session')
def database_url():
    """Keystone's database URL: None means a SQLite file.

    KTC_TEST_DB picks MariaDB or PostgreSQL instead; see tests/databases.py.
    """
    with databases.fresh_database(databases.selected()) as url:
        yield url


@pytest.fixture(scope='session')
def keystone(tmp_path_factory, database_url):
    """One real Keystone (uwsgi, SQLite or KTC_TEST_DB) for the session."""
    server = local_keystone.LocalKeystone(
        tmp_path_factory.mktemp('keystone'), local_keystone.free_port(),
        overrides=TEST_OVERRIDES, database=database_url,
        venv=KEYSTONE_VENV, wsgi_module=PLUGIN_WSGI,
    )
    server.setup()
    server.start()
    yield server
    server.stop()


@contextlib.contextmanager
def another_node(keystone, tmp_path_factory, name, processes=1,
                 overrides=None, **kwargs):
    """Start another node of the suite's cloud.

    Same database, same keys, the suite's settings updated with
    ``overrides``.
    """
    kwargs.setdefault('venv', KEYSTONE_VENV)
    kwargs.setdefault('wsgi_module', PLUGIN_WSGI)
    server = local_keystone.LocalKeystone(
        tmp_path_factory.mktemp(name), local_keystone.free_port(),
        overrides=dict(TEST_OVERRIDES, **(overrides or {})), **kwargs,
    )
    server.join(keystone)
    server.start(processes=processes)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope='session')
def stock_keystone(keystone, tmp_path_factory):
    """A node with Keystone's stock methods and WSGI application.

    Its password and totp methods are Keystone's own, so tests can compare
    answers for the very same users.
    """
    with another_node(
            keystone, tmp_path_factory, 'stock-keystone',
            overrides={'auth': dict(TEST_OVERRIDES.get('auth', {}),
                                    password='default', totp='default')},
            wsgi_module=STOCK_WSGI) as server:
        yield server


@pytest.fixture(scope='session')
def cloud(keystone):
    return cloud_mod.Cloud(keystone, local_keystone.ADMIN_PASSWORD)


def _no_ldap(reason):
    """Skip, or fail under KTC_LDAP=1 (CI), where LDAP must be there."""
    if os.environ.get('KTC_LDAP') == '1':
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture(scope='session')
def ldap_directory(tmp_path_factory):
    """A private slapd with a lockout policy (tests/ldap_server.py).

    Skipped where slapd or python-ldap is missing or slapd does not start,
    unless KTC_LDAP=1.
    """
    reason = ldap_server.available()
    if reason:
        _no_ldap(reason)
    server = ldap_server.LdapServer(tmp_path_factory.mktemp('slapd'))
    try:
        try:
            server.start()
        except RuntimeError as e:
            _no_ldap(str(e))
        yield server
    finally:
        server.stop()


@pytest.fixture(scope='session')
def ldap_domain(ldap_directory, keystone, cloud, tmp_path_factory):
    """A domain backed by ``ldap_directory``, served by a node of its own.

    The domain is created first: Keystone reads the domain configs of
    domains that exist when a process starts. ``ldap_directory`` comes
    first, so that a skip costs no Keystone.
    """
    domain = cloud.api('POST', '/domains', json={'domain': {
        'name': 'ldap-' + uuid.uuid4().hex[:8]}}).json()['domain']
    conf_dir = tmp_path_factory.mktemp('domains')
    ldap_server.write_domain_config(conf_dir, domain['name'], ldap_directory)
    with ldap_node(keystone, tmp_path_factory, conf_dir) as node:
        yield ldap_domain_mod.LdapDomain(
            cloud_mod.Cloud(node, local_keystone.ADMIN_PASSWORD), domain,
            ldap_directory, conf_dir)


def ldap_node(keystone, tmp_path_factory, conf_dir, overrides=None):
    """Another node that reads the domain configs of ``conf_dir``."""
    identity = dict(TEST_OVERRIDES['identity'],
                    domain_specific_drivers_enabled=True,
                    domain_config_dir=str(conf_dir))
    return another_node(keystone, tmp_path_factory, 'ldap-keystone',
                        overrides=dict(overrides or {}, identity=identity))
