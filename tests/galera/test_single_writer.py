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

"""The topology deployers use: every Keystone writes to one cluster node.

Two Keystone nodes reach the cluster through a TCP proxy (tests/galera/
proxy.py) that, like HAProxy in Kolla-Ansible and OpenStack-Ansible, sends
every connection to one Galera node. Under a login load (each accepted code
replayed at once on the other Keystone), that database node is killed
(SIGKILL) and the proxy switches to the next node, as HAProxy does when the
node fails its health check. What must hold: logins continue, no code gives
two tokens across the failover (every code accepted before it is refused
after it), and the throttle's counts and lockouts are still there.

Then the node the Keystones use loses its quorum (the third node is killed:
one node of two is not a majority) and leaves the primary component. Every
login through it must fail closed, 401 or 503, never a token.

The tests of this module run in order and kill cluster nodes: it must be
the last module of tests/galera/.
"""

import collections
import dataclasses
import json
import re
import threading
import time

import pytest
import requests

import local_keystone  # tools/, put on sys.path by tests/conftest.py

from bench import codes
from tests import cloud as cloud_mod
from tests.galera import conftest as galera_conftest
from tests.galera import proxy as proxy_mod

USERS = 80
LOGINS = 240
CLIENTS = 6
# A hard stop so a broken cluster cannot hold CI; the test then fails on
# the logins that were never made.
TIME_LIMIT = 240
MAX_FAILURES = 10  # the plugin's default [totp_concat] max_failures


@dataclasses.dataclass
class Answer:
    kind: str  # 'login', 'replay', 'replay_after_kill' or 'replay_after'
    keystone: int
    user: object
    step: int
    status: object  # None: the connection failed
    refusal: bool
    started: float
    ended: float


@pytest.fixture(scope='module')
def proxy(galera_cluster):
    p = proxy_mod.Proxy(galera_cluster.nodes[0].port)
    yield p
    p.close()


@pytest.fixture(scope='module')
def writers(galera_cluster, seed, proxy, tmp_path_factory):
    url = galera_cluster.nodes[0].url(port=proxy.port)
    started = []
    try:
        for name in ('writer-a', 'writer-b'):
            started.append(galera_conftest.keystone_on(
                seed, tmp_path_factory, name, url))
        yield started
    finally:
        for server in started:
            server.stop()


@pytest.fixture(scope='module')
def cloud(writers):
    return cloud_mod.Cloud(writers[0], local_keystone.ADMIN_PASSWORD)


def post(http, url, user, field):
    body = cloud_mod.password_auth(
        {'name': user.name, 'domain': {'id': user.domain_id}}, field)
    try:
        r = http.post(url + '/auth/tokens', json=body, timeout=60)
    except requests.ConnectionError:
        return None, False
    return r.status_code, (r.status_code == 401
                           and r.json() == cloud_mod.ADDITIONAL_STEPS_BODY)


class Failover:
    """The load, the kill and the switch; answers kept for the tests."""

    def __init__(self, cluster, proxy, writers, users):
        self.cluster = cluster
        self.proxy = proxy
        self.urls = [w.url for w in writers]
        self.book = codes.CodeBook([(u, u.secrets[0]) for u in users])
        self.answers = []
        self.fields = {}
        self.lock = threading.Lock()
        self.issued = self.done = 0
        self.killed_at = self.switched_at = None
        self.deadline = time.monotonic() + TIME_LIMIT

    def ask(self, http, kind, keystone, user, step, field):
        started = time.monotonic()
        status, refusal = post(http, self.urls[keystone], user, field)
        answer = Answer(kind, keystone, user, step, status, refusal, started,
                        time.monotonic())
        with self.lock:
            self.answers.append(answer)
        return answer

    def next_login(self):
        with self.lock:
            if self.issued >= LOGINS or time.monotonic() > self.deadline:
                return None
            self.issued += 1
            return self.issued

    def client(self, number):
        http = requests.Session()
        while (index := self.next_login()) is not None:
            user, code, step = self.book.take()
            field = user.password + code
            with self.lock:
                self.fields[(user.id, step)] = (user, field)
            keystone = (number + index) % 2
            answer = self.ask(http, 'login', keystone, user, step, field)
            if answer.status == 201:
                self.ask(http, 'replay', 1 - keystone, user, step, field)
            with self.lock:
                self.done += 1

    def run(self):
        threads = [threading.Thread(target=self.client, args=(n,))
                   for n in range(CLIENTS)]
        started = time.monotonic()
        for t in threads:
            t.start()
        while self.done < LOGINS // 2 and any(t.is_alive() for t in threads):
            time.sleep(0.05)
        # The single writer dies; HAProxy's check sends the Keystones on.
        self.killed_at = time.monotonic()
        self.cluster.nodes[0].kill()
        self.proxy.switch(self.cluster.nodes[1].port)
        self.switched_at = time.monotonic()
        self.replay_accepted_before_kill()
        for t in threads:
            t.join()
        self.replay_everything('replay_after')
        self.elapsed = time.monotonic() - started
        return self

    def replay_everything(self, kind):
        """Send every code still inside the window once more.

        Through the new writer: a code taken before or during the failover
        is refused (one that never produced a token may still log in, once).
        """
        http = requests.Session()
        now = int(time.time() // 30)
        with self.lock:
            fresh = [(key, value) for key, value in self.fields.items()
                     if key[1] >= now - 1]
        for (_, step), (user, field) in fresh:
            self.ask(http, kind, 0, user, step, field)

    def replay_accepted_before_kill(self):
        """Send the codes that logged in before the kill again.

        Right after the switch, while the clients go on: they are still
        inside the window however slow the rest of the run is.
        """
        http = requests.Session()
        now = int(time.time() // 30)
        with self.lock:
            taken = [a for a in self.answers if a.kind == 'login'
                     and a.status == 201 and a.ended < self.killed_at
                     and a.step >= now - 1]
        for a in taken:
            user, field = self.fields[(a.user.id, a.step)]
            self.ask(http, 'replay_after_kill', 0, user, a.step, field)

    def of(self, kind):
        return [a for a in self.answers if a.kind == kind]

    def report(self):
        tally = collections.Counter()
        for a in self.answers:
            phase = ('after_switch' if a.started >= self.switched_at else
                     'before_kill' if a.ended < self.killed_at else
                     'across_kill')
            tally['%s %s %s' % (a.kind, phase, a.status)] += 1
        return {'logins': LOGINS, 'clients': CLIENTS, 'users': USERS,
                'seconds': round(self.elapsed, 1),
                'proxy_refused_connections': self.proxy.refused,
                'answers': dict(sorted(tally.items()))}


def throttle_row(node, user):
    rows = node.sql('SELECT failures, lockouts, locked_until FROM '
                    'totp_concat_throttle WHERE user_id = :u', u=user.id)
    return rows[0] if rows else None


@pytest.fixture(scope='module')
def throttled(cloud, writers, galera_cluster):
    """Before the failover: one user with three failed codes, one locked."""
    counted, locked = cloud.create_user(devices=1), cloud.create_user(
        devices=1)
    for user, times in ((counted, 3), (locked, MAX_FAILURES)):
        wrong = cloud_mod.wrong_code(*user.secrets)
        for _ in range(times):
            r = cloud.login_as(user, user.password + wrong)
            assert r.status_code == 401
    first = galera_cluster.nodes[0]
    assert throttle_row(first, counted)[0] == 3
    assert throttle_row(first, locked)[2] > time.time()
    return counted, locked


@pytest.fixture(scope='module')
def failover(galera_cluster, proxy, writers, cloud, throttled, output_dir):
    users = [cloud.create_user(devices=1) for _ in range(USERS)]
    run = Failover(galera_cluster, proxy, writers, users).run()
    (output_dir / 'galera-failover.json').write_text(
        json.dumps(run.report(), indent=1) + '\n')
    return run


def test_logins_continue_after_the_failover(failover):
    logins = failover.of('login')
    assert len(logins) == LOGINS, 'run stopped after %d s' % TIME_LIMIT
    after = [a for a in logins if a.started >= failover.switched_at]
    assert len(after) >= LOGINS // 3
    assert [a.status for a in after if a.status != 201] == []


def test_only_logins_in_flight_at_the_kill_failed(failover):
    failed = [a for a in failover.of('login') if a.status != 201]
    # Requests whose SQL was cut by the kill fail, closed: no token; a 401
    # when the plugin's write was cut, a 503 when Keystone's query was
    # (keystone_totp_concat/db/unavailable.py).
    assert {a.status for a in failed} <= {401, 503}
    for a in failed:
        assert a.started < failover.switched_at and (
            a.ended >= failover.killed_at), a
    assert len(failed) <= CLIENTS


def test_no_code_gives_two_tokens_across_the_failover(failover):
    tokens = collections.Counter((a.user.id, a.step)
                                 for a in failover.answers
                                 if a.status == 201)
    assert [key for key, n in tokens.items() if n > 1] == []


def test_every_replay_is_refused(failover):
    replays = failover.of('replay')
    assert len(replays) >= LOGINS - CLIENTS
    assert [a for a in replays if not a.refusal
            and a.started >= failover.switched_at] == []
    # Codes accepted before the kill, refused by the new writer.
    taken = {(a.user.id, a.step) for a in failover.of('login')
             if a.status == 201 and a.ended < failover.killed_at}
    after = [a for a in failover.of('replay_after_kill')
             if (a.user.id, a.step) in taken]
    assert after, 'no code of before the kill still inside the window'
    assert [a.status for a in after if not a.refusal] == []


def test_no_server_errors_after_the_switch(failover):
    assert [a for a in failover.answers if a.status and a.status >= 500
            and a.started >= failover.switched_at] == []


def test_throttle_state_survives_the_failover(failover, throttled, cloud,
                                              galera_cluster):
    counted, locked = throttled
    second = galera_cluster.nodes[1]
    assert throttle_row(second, counted)[0] == 3
    assert throttle_row(second, locked)[2] > time.time()
    # The lockout still holds: the right password and code are refused.
    r = cloud.login_as(locked, locked.password + locked.code())
    assert (r.status_code, r.json()) == (401, cloud_mod.ADDITIONAL_STEPS_BODY)
    r = cloud.login_as(counted, counted.password + counted.code())
    assert r.status_code == 201, r.text


def test_a_node_without_quorum_fails_closed(failover, galera_cluster, cloud,
                                            writers, output_dir):
    users = [cloud.create_user(devices=1) for _ in range(4)]
    _, second, third = galera_cluster.nodes
    third.kill()
    second.wait_non_primary()
    http = requests.Session()
    answers = []
    for user in users:
        for w in writers:
            answers.append(post(http, w.url, user,
                                user.password + user.code())[0])
    (output_dir / 'galera-quorum.json').write_text(
        json.dumps({'statuses': answers}) + '\n')
    assert answers and set(answers) <= {401, 503}


def test_no_tracebacks_through_the_plugin(failover, writers):
    # Run last: the failover and the quorum loss logged ERROR lines (the
    # store failures, the 503s), each one line, never a traceback. The one
    # traceback allowed is SQLAlchemy's own, when its pool takes back a
    # connection the kill cut (its rollback fails): library logging, not a
    # request's error.
    for server in writers:
        keystone_log, uwsgi_log = galera_conftest.log_text(server)
        assert 'ERROR keystone_totp_concat.db.unavailable' in keystone_log
        assert [line for line in keystone_log.splitlines()
                if 'Traceback' in line
                and 'ERROR sqlalchemy.pool' not in line] == []
        assert re.search(r'File "[^"]*keystone_totp_concat/',
                         keystone_log) is None, server.log_file
        assert 'CRITICAL' not in keystone_log, server.log_file
        assert 'Traceback' not in uwsgi_log, server.workdir
