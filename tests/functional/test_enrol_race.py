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

"""A device enrolled on one node binds the very next login on another.

The suite's Keystone (node A, 2 processes) enrols a fresh user, and the
client at once, without any pause, logs in on node B (2 processes, same
database) with the bare password. B must read the credential that A
committed before it answered: an answer 201 would be a bare password
accepted for an enrolled user. Rounds of both ways to enrol (the OS-TOTP
confirm flow, an admin's POST /v3/credentials) run in several client
threads, so that B's logins also meet other rounds' writes, on SQLite or
the server KTC_TEST_DB picks.
"""

import concurrent.futures
import uuid

import pytest
import requests

from tests import cloud as c
from tests.conftest import another_node
from tests import totp_api

# Clients running the rounds side by side.
THREADS = 4
TIMEOUT = 30


@pytest.fixture(scope='module')
def node_b(keystone, tmp_path_factory):
    with another_node(keystone, tmp_path_factory, 'enrol-race-node',
                      processes=2) as server:
        yield server


def post(url, token, body):
    r = requests.post(url, json=body, headers={'X-Auth-Token': token},
                      timeout=TIMEOUT)
    assert r.status_code == 201, r.text
    return r.json()


def new_user(cloud, token):
    """A user without project or role: the unscoped login is enough.

    The password ends in a letter, so that its last six characters are
    never taken for a code: the bare password is always a login without one.
    """
    name = 'race-' + uuid.uuid4().hex[:12]
    password = 'pw-%s-x' % uuid.uuid4().hex
    ref = post(cloud.url + '/users', token, {'user': {
        'name': name, 'password': password, 'domain_id': 'default'}})
    return c.User(ref['user']['id'], name, password, 'default', None)


def bare_login(user, url):
    """POST /v3/auth/tokens, unscoped, with the bare password.

    Not cloud.login_as: its requests session is not for several threads.
    """
    ref = {'name': user.name, 'domain': {'id': user.domain_id}}
    return requests.post(url + '/auth/tokens', timeout=TIMEOUT,
                         json=c.password_auth(ref, user.password))


def enrol_by_admin(cloud, user, token):
    post(cloud.url + '/credentials', token, {'credential': {
        'type': 'totp', 'user_id': user.id, 'blob': c.new_secret()}})


def enrol_by_confirm(cloud, user, token):
    """The OS-TOTP flow: begin, then confirm with a code of the secret."""
    pending = totp_api.begin(cloud, token, user)
    r = totp_api.confirm(cloud, token, user, c.code_for(pending['secret']))
    assert r.status_code == 201, r.text


def race(cloud, node, enrol, rounds):
    """Create, enrol on A, at once log in on B; B's unexpected answers.

    The admin's token enrols: the OS-TOTP API lets an admin do so, on the
    code path a user's own token takes, and a token of each user would
    cost a login per round, which on SQLite must run one at a time
    (Keystone records a login's ``last_active_at`` in a read-then-write
    transaction, which SQLite fails at once while another one commits).
    """
    token = cloud.admin.get_token()

    def one_round(_):
        user = new_user(cloud, token)
        enrol(cloud, user, token)
        r = bare_login(user, node.url)
        return None if totp_api.refused_login(r) else r.status_code

    with concurrent.futures.ThreadPoolExecutor(THREADS) as pool:
        answers = list(pool.map(one_round, range(rounds)))
    return [a for a in answers if a is not None]


def test_node_b_lets_a_user_without_a_device_in(cloud, node_b):
    """The control: B's 201 for a bare password is what the rounds detect."""
    user = new_user(cloud, cloud.admin.get_token())
    r = bare_login(user, node_b.url)
    assert r.status_code == 201, r.text


@pytest.mark.parametrize('enrol, rounds', [(enrol_by_confirm, 80),
                                           (enrol_by_admin, 120)],
                         ids=['os-totp-confirm', 'admin-credential'])
def test_the_next_login_on_another_node_needs_the_code(
        cloud, node_b, enrol, rounds):
    unexpected = race(cloud, node_b, enrol, rounds)
    assert unexpected == [], (
        '%d of %d logins on node B right after enrolment on node A did not '
        'ask for the code (statuses %s)'
        % (len(unexpected), rounds, sorted(set(unexpected))))
