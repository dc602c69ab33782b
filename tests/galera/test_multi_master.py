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

"""Multi-master: three Keystone nodes, each writing to its own Galera node.

In every round, one user's one code (with the right password) is sent by
twelve clients at once, four to each Keystone, released together (the user
logged in once before, see ``first_login``). The
replay record's and the throttle's rows are then written on three cluster
nodes at the same moment, which Galera settles by certification: one
transaction commits, the others are aborted at commit (a ``DBDeadlock``)
and retried by db/retry.py. What must hold in every round: exactly one
token, every other answer the "Additional authentications steps required."
401, nothing 5xx, and no traceback in any Keystone log.
"""

from concurrent import futures
import json
import threading
import time

import pytest
import requests

import local_keystone  # tools/, put on sys.path by tests/conftest.py

from tests import cloud as cloud_mod
from tests.galera import conftest as galera_conftest

ROUNDS = 20
PER_NODE = 4


@pytest.fixture(scope='module')
def masters(galera_cluster, seed, tmp_path_factory):
    started = []
    try:
        for node in galera_cluster.nodes:
            started.append(galera_conftest.keystone_on(
                seed, tmp_path_factory, 'master-' + node.name, node.url()))
        yield started
    finally:
        for server in started:
            server.stop()


def race(urls, user, field):
    """Send the same login to every url at once; statuses and bodies."""
    barrier = threading.Barrier(len(urls))
    body = cloud_mod.password_auth(
        {'name': user.name, 'domain': {'id': user.domain_id}}, field)

    def send(url):
        http = requests.Session()
        barrier.wait(timeout=60)
        r = http.post(url + '/auth/tokens', json=body, timeout=120)
        return r.status_code, r.json() if r.content else None, url

    with futures.ThreadPoolExecutor(len(urls)) as pool:
        return list(pool.map(send, urls))


CONFLICTS = ('wsrep_local_cert_failures', 'wsrep_local_bf_aborts')


def first_login(cloud, user):
    """Log the user in once through one node, before the race.

    Keystone itself writes the user's row at the first login of a day
    (``last_active_at``, without a retry): a race of first logins across
    masters makes Keystone, not this plugin, answer 500 to the losers of
    Galera's certification. See doc/source/admin/multi-node.rst,
    "MariaDB Galera".
    """
    r = cloud.login_as(user, user.password + user.code())
    assert r.status_code == 201, r.text


def not_at_midnight():
    """Near 00:00 UTC only, wait for the next day.

    So that the first login and the race write the same date.
    """
    while time.time() % 86400 > 86400 - 90:
        time.sleep(1)


@pytest.fixture(scope='module')
def run(masters, galera_cluster, output_dir):
    # Users made through one node; each round has its own user, so no round
    # waits for a new time step.
    cloud = cloud_mod.Cloud(masters[0], local_keystone.ADMIN_PASSWORD)
    users = [cloud.create_user(devices=1) for _ in range(ROUNDS)]
    urls = [m.url for m in masters for _ in range(PER_NODE)]
    before = {c: galera_conftest.wsrep_counter(galera_cluster, c)
              for c in CONFLICTS}
    results = []
    for user in users:
        not_at_midnight()
        first_login(cloud, user)
        # The next step's code: inside every node's window, never used.
        field = user.password + user.code(offset_steps=1)
        results.append(race(urls, user, field))
    winners = [[url for status, _, url in answers if status == 201]
               for answers in results]
    report = {
        'rounds': ROUNDS, 'requests_per_round': len(urls),
        'tokens_per_round': [len(w) for w in winners],
        'token_by_node': {m.url: sum(w == [m.url] for w in winners)
                          for m in masters},
        'statuses': sorted({s for answers in results for s, _, _ in answers}),
        # Galera's own count of transactions it aborted during the rounds.
        'galera': {c: galera_conftest.wsrep_counter(galera_cluster, c)
                   - before[c] for c in CONFLICTS},
        'retried': sum(galera_conftest.log_text(m)[0].count('; retrying.')
                       for m in masters),
        'given_up': sum(galera_conftest.log_text(m)[0].count('giving up')
                        for m in masters),
    }
    (output_dir / 'galera-multi-master.json').write_text(
        json.dumps(report, indent=1) + '\n')
    return results, report


@pytest.fixture(scope='module')
def rounds(run):
    return run[0]


@pytest.fixture(scope='module')
def report(run):
    return run[1]


def test_each_code_gives_exactly_one_token(rounds):
    assert [sum(s == 201 for s, _, _ in answers)
            for answers in rounds] == [1] * ROUNDS


def test_every_other_request_is_the_additional_steps_refusal(rounds):
    for answers in rounds:
        for status, body, _ in answers:
            if status != 201:
                assert (status, body) == (
                    401, cloud_mod.ADDITIONAL_STEPS_BODY)


def test_no_server_errors(rounds):
    assert [s for answers in rounds for s, _, _ in answers if s >= 500] == []


def test_the_race_is_real(report):
    # More than one master won rounds, and Galera aborted transactions of
    # the plugin that db/retry.py ran again (20-40 a run on two cores).
    assert sum(n > 0 for n in report['token_by_node'].values()) >= 2
    assert report['retried'] > 0
    assert report['given_up'] == 0


def test_no_tracebacks_in_keystone_logs(rounds, masters):
    for server in masters:
        keystone_log, uwsgi_log = galera_conftest.log_text(server)
        assert 'WARNING keystone_totp_concat.' in keystone_log
        assert 'Traceback' not in keystone_log, server.log_file
        assert 'Traceback' not in uwsgi_log, server.workdir
        assert 'ERROR' not in keystone_log, server.log_file
