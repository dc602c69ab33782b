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

"""A code produces one token, once, across processes and Keystone nodes.

Against the suite's real Keystone (uwsgi, 2 processes) and a second node on
the same database (4 processes), on SQLite or the server KTC_TEST_DB picks.
Each test uses fresh users, and codes of increasing time steps.
"""

import concurrent.futures
import subprocess
import threading

import pytest
import requests

from keystone_totp_concat.db import migration
from tests import cloud as c
from tests.conftest import another_node

import local_keystone


@pytest.fixture(scope='module')
def second_node(keystone, tmp_path_factory):
    """Another node of the same cloud: same database, same keys."""
    with another_node(keystone, tmp_path_factory, 'replay-node',
                      processes=4) as server:
        yield server


def refused(response):
    return (response.status_code == 401
            and response.json() == c.ADDITIONAL_STEPS_BODY
            and 'X-Subject-Token' not in response.headers)


def test_a_code_that_produced_a_token_is_refused_the_second_time(
        cloud, keystone):
    user = cloud.create_user(devices=1)
    field = user.password + user.code()
    assert cloud.login_as(user, field).status_code == 201
    start = keystone.log_offset()
    again = cloud.login_as(user, field)
    assert refused(again), again.text
    assert ('TOTP code of user %s refused' % user.id
            in keystone.log_since(start))
    # The next time step's code still works: the user is not locked out.
    r = cloud.login_as(user, user.password + user.code(offset_steps=1))
    assert r.status_code == 201, r.text


def test_the_passcode_key_and_the_concatenated_form_share_the_record(cloud):
    user = cloud.create_user(devices=1)
    code = user.code()
    r = cloud.login_as(user, user.password, passcode=code)
    assert r.status_code == 201, r.text
    assert refused(cloud.login_as(user, user.password + code))


def test_an_older_code_is_refused_after_a_newer_one(cloud):
    """RFC 6238 section 5.2: an older code stops working.

    RFC 6238 section 5.2: an observed earlier code must not work once a
    later one has been used.
    """
    user = cloud.create_user(devices=1)
    newer = user.code(offset_steps=1)
    older = user.code(offset_steps=-1)
    assert cloud.login_as(user, user.password + newer).status_code == 201
    assert refused(cloud.login_as(user, user.password + older))


def test_each_device_has_its_own_record(cloud):
    user = cloud.create_user(devices=2)
    r = cloud.login_as(user, user.password + user.code(0))
    assert r.status_code == 201, r.text
    r = cloud.login_as(user, user.password + user.code(1))
    assert r.status_code == 201, r.text


def test_a_code_with_a_wrong_password_is_used_up(cloud):
    """One password guess per code: the right password cannot follow."""
    user = cloud.create_user(devices=1)
    code = user.code()
    r = cloud.login_as(user, 'wrong-password' + code)
    assert r.status_code == 401 and not refused(r), r.text
    assert refused(cloud.login_as(user, user.password + code))
    r = cloud.login_as(user, user.password + user.code(offset_steps=1))
    assert r.status_code == 201, r.text


def test_a_login_that_fails_after_the_code_leaves_it_unused(cloud):
    """A login that fails after the code was recorded gives it back.

    Both factors held, but the scope is refused (no role on the
    project): the code was recorded before the token was made and is
    given back, so the user's next login with it works.
    """
    user = cloud.create_user(devices=1)
    other = cloud.create_user()
    code = user.code()
    r = cloud.login_as(user, user.password + code,
                       scope={'project': {'id': other.project_id}})
    assert r.status_code == 401, r.text
    r = cloud.login_as(user, user.password + code)
    assert r.status_code == 201, r.text
    r = cloud.login_as(user, user.password + code)
    assert r.json() == c.ADDITIONAL_STEPS_BODY


def test_a_code_used_on_one_node_is_refused_on_the_other(cloud, second_node):
    user = cloud.create_user(devices=1)
    # Current and next step: still in the window if the step rolls over.
    first = user.password + user.code()
    second = user.password + user.code(offset_steps=1)
    assert cloud.login_as(user, first).status_code == 201
    assert refused(cloud.login_as(user, first, url=second_node.url))
    assert cloud.login_as(user, second, url=second_node.url).status_code == 201
    assert refused(cloud.login_as(user, second))


def test_twenty_concurrent_requests_with_one_code_give_one_token(
        cloud, keystone, second_node):
    """Six uwsgi workers on two nodes race for the same code.

    The user logs in once before enrolling: Keystone's first login of a day
    writes ``last_active_at`` in a read-then-write transaction, which SQLite
    (a test-only backend) fails at once when another worker is committing.
    Keystone alone has that race; this test is about ours.
    """
    user = cloud.create_user()
    assert cloud.login_as(user, user.password).status_code == 201
    cloud.enrol(user, c.new_secret())
    field = user.password + user.code()
    urls = [keystone.url, second_node.url] * 10
    start = threading.Barrier(len(urls))

    body = c.password_auth(
        {'name': user.name, 'domain': {'id': user.domain_id}}, field)

    def attempt(url):
        start.wait()
        # A connection of its own per request: no pooled socket is shared.
        return requests.post(url + '/auth/tokens', json=body, timeout=60)

    with concurrent.futures.ThreadPoolExecutor(len(urls)) as pool:
        responses = list(pool.map(attempt, urls))
    codes = sorted(r.status_code for r in responses)
    assert codes == [201] + [401] * 19, codes
    assert all(refused(r) for r in responses if r.status_code == 401)


def test_replay_records_outside_the_window_are_purged(
        cloud, keystone, tmp_path_factory):
    """No cron job: a first use purges records nobody can need.

    No cron job: a credential's first use purges records that no node's
    window can reach any more, and keeps recent ones. A node of its own, as
    each process purges at most once a step.
    """
    recent = cloud.create_user(devices=1)
    r = cloud.login_as(recent, recent.password + recent.code())
    assert r.status_code == 201, r.text
    cloud.sql("INSERT INTO totp_concat_last_use (user_id, credential_id, step)"
              " VALUES ('gone-user', 'gone-cred', 1000)")
    user = cloud.create_user(devices=1)
    with another_node(keystone, tmp_path_factory, 'purge-node') as node:
        r = cloud.login_as(user, user.password + user.code(), url=node.url)
    assert r.status_code == 201, r.text
    rows = cloud.sql('SELECT user_id FROM totp_concat_last_use '
                     'WHERE user_id IN (:a, :b, :c)',
                     a='gone-user', b=recent.id, c=user.id)
    assert {row.user_id for row in rows} == {recent.id, user.id}


@pytest.mark.parametrize('table', ['totp_concat_last_use',
                                   'totp_concat_throttle'])
def test_no_token_when_the_store_is_unavailable(cloud, keystone, table):
    """Fail closed when a table of the store is missing.

    Fail closed: with a table of the store missing on the live database,
    a valid code gets the usual 401 (not a 500, never a token) and the
    error is logged without the code.
    """
    user = cloud.create_user(devices=1)
    code = user.code(offset_steps=-1)
    cloud.sql('ALTER TABLE %s RENAME TO %s_moved' % (table, table))
    start = keystone.log_offset()
    try:
        r = cloud.login_as(user, user.password + code)
    finally:
        cloud.sql('ALTER TABLE %s_moved RENAME TO %s' % (table, table))
    assert refused(r), r.text
    log = keystone.log_since(start)
    assert 'TOTP replay/throttle store failed while' in log
    line = [x for x in log.splitlines()
            if 'store failed' in x and user.id in x]
    assert line and code not in line[0] and user.password not in line[0]
    r = cloud.login_as(user, user.password + user.code(offset_steps=1))
    assert r.status_code == 201, r.text


def test_db_sync_is_repeatable_and_reports_the_revision(keystone):
    tool = str(local_keystone.BIN / 'keystone-totp-manage')
    for command in ('db_sync', 'db_version'):
        result = subprocess.run(
            [tool, '--config-file', str(keystone.conf_file), command],
            env=keystone.env(), capture_output=True, text=True, check=True)
    assert result.stdout.strip() == migration.head_revision()
