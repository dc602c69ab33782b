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

"""Keystone's cache on (memcached, as production runs it): nothing stale.

Two nodes share the suite's database and one memcached. A device added or
removed through one node is seen by the very next login on the other,
however the device came or went: the login reads the user's ``totp``
credentials from the database, never from Keystone's cache. The last test
shows that the cache is on, and that a login does not read it: a credential
deleted behind Keystone's back is still served from the cache, and the
login already goes by the database.

Skipped without memcached and pymemcache (``make test-cache`` installs
them), unless KTC_MEMCACHED=1, which makes their absence a failure.
"""

import contextlib
import os

import pytest

import local_keystone  # tools/, put on sys.path by tests/conftest.py

from tests import cloud as cloud_mod
from tests import conftest
from tests import memcached as memcached_mod
from tests import totp_api


@pytest.fixture(scope='module')
def memcached():
    reason = memcached_mod.available()
    if reason:
        if os.environ.get('KTC_MEMCACHED') == '1':
            pytest.fail(reason)
        pytest.skip(reason)
    server = memcached_mod.Memcached().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope='module')
def nodes(keystone, tmp_path_factory, memcached):
    """Clouds seen through two nodes with Keystone's cache in memcached."""
    with contextlib.ExitStack() as stack:
        yield [cloud_mod.Cloud(stack.enter_context(conftest.another_node(
            keystone, tmp_path_factory, name,
            overrides=memcached.config())), local_keystone.ADMIN_PASSWORD)
            for name in ('cached-a', 'cached-b')]


def warm(cloud, user):
    """A bare-password login: whatever Keystone caches of the user is."""
    r = cloud.login_as(user, user.password)
    assert r.status_code == 201, r.text


def test_credentials_api_on_one_node_holds_at_once_on_another(cloud, nodes):
    a, b = nodes
    user = cloud.create_user()
    warm(b, user)

    credential_id = a.enrol(user, cloud_mod.new_secret())
    assert totp_api.refused_login(b.login_as(user, user.password))
    r = b.login_as(user, user.password + user.code())
    assert r.status_code == 201, r.text

    a.api('DELETE', '/credentials/%s' % credential_id)
    r = b.login_as(user, user.password)
    assert r.status_code == 201, r.text


def test_os_totp_api_on_one_node_holds_at_once_on_another(cloud, nodes):
    a, b = nodes
    user = cloud.create_user()
    warm(b, user)

    totp_api.enable(a, user)
    assert totp_api.refused_login(b.login_as(user, user.password))
    r = b.login_as(user, user.password + totp_api.next_code(user.secrets[0]))
    assert r.status_code == 201, r.text

    # The admin's reset: 2FA off for the user.
    r = totp_api.call(a.admin.get_token(), 'DELETE', totp_api.base(a, user))
    assert r.status_code == 204, r.text
    r = b.login_as(user, user.password)
    assert r.status_code == 201, r.text


def test_the_login_reads_the_database_not_the_cache(cloud, nodes):
    a, b = nodes
    user = cloud.create_user()
    credential_id = a.enrol(user, cloud_mod.new_secret())
    path = '/credentials/%s' % credential_id
    assert b.api('GET', path).status_code == 200

    # Behind Keystone's back: no node invalidates its cache.
    cloud.sql('DELETE FROM credential WHERE id = :id', id=credential_id)

    # Keystone's cache still has the credential ...
    assert b.api('GET', path).status_code == 200
    # ... the login goes by the database.
    r = b.login_as(user, user.password)
    assert r.status_code == 201, r.text
