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

"""v3passwordtotp plugins used by several threads on one session.

Against the suite's Keystone, on one keystoneauth1 session. The code
travels in the request body only (PasswordTOTPMethod): no thread ever sees
another's code, and a plugin's password stays the bare password while its
login is in flight.
"""

import threading

from keystoneauth1 import loading
from keystoneauth1 import session as ks_session

THREADS = 4
TIMEOUT = 60


def load(cloud, user, **options):
    return loading.get_plugin_loader('v3passwordtotp').load_from_options(
        auth_url=cloud.url, username=user.name, password=user.password,
        user_domain_id=user.domain_id, project_id=user.project_id,
        prompt=None, **options)


class GatedSession(ks_session.Session):
    """A session that holds login requests until all are in flight.

    Each login request waits until ``parties`` threads (the main thread
    among them) have reached the gate, then until the main thread lets them
    go: every login body is built at the same time. The requests then go to
    Keystone one at a time: what is tested is the client, and the suite's
    Keystone runs on SQLite, where simultaneous code checks can fail on a
    locked database (the code is then refused, failing closed).
    """

    def __init__(self, parties):
        super().__init__()
        self.in_flight = threading.Barrier(parties, timeout=TIMEOUT)
        self.go = threading.Barrier(parties, timeout=TIMEOUT)
        self.one_at_a_time = threading.Lock()
        self.sent = {}
        self.logins = 0

    def request(self, url, method, **kwargs):
        if method != 'POST' or not url.endswith('/auth/tokens'):
            return super().request(url, method, **kwargs)
        user = kwargs['json']['auth']['identity']['password']['user']
        self.sent[user['name']] = user['password']
        self.logins += 1
        self.in_flight.wait()
        self.go.wait()
        with self.one_at_a_time:
            return super().request(url, method, **kwargs)


def run_threads(target, count):
    """Start ``count`` threads on ``target(i)``.

    Returns (threads, results, errors); results and errors by index.
    """
    results, errors = {}, {}

    def run(i):
        try:
            results[i] = target(i)
        except Exception as e:  # reported by the test
            errors[i] = e

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    return threads, results, errors


def test_each_thread_sends_its_own_code_on_a_shared_session(cloud):
    users = [cloud.create_user(devices=1) for _ in range(THREADS)]
    codes = [user.code() for user in users]
    plugins = [load(cloud, user, passcode=code)
               for user, code in zip(users, codes)]
    cache_ids = [plugin.get_cache_id() for plugin in plugins]
    session = GatedSession(THREADS + 1)

    threads, results, errors = run_threads(
        lambda i: (session.get_user_id(auth=plugins[i]),
                   session.get_token(auth=plugins[i])), THREADS)
    try:
        session.in_flight.wait()
        # Every login request is built and waiting: each plugin's password
        # method still holds the bare password, nothing derived from a code.
        assert [p.auth_methods[0].password for p in plugins] == [
            user.password for user in users]
        assert [p.get_cache_id() for p in plugins] == cache_ids
    finally:
        session.go.wait()
        for thread in threads:
            thread.join(TIMEOUT)

    assert errors == {}
    assert session.sent == {user.name: user.password + code
                            for user, code in zip(users, codes)}
    assert [results[i][0] for i in range(THREADS)] == [u.id for u in users]
    tokens = [results[i][1] for i in range(THREADS)]
    assert len(set(tokens)) == THREADS
    for user, token in zip(users, tokens):
        check = cloud.api('GET', '/auth/tokens',
                          headers={'X-Subject-Token': token}).json()
        assert check['token']['user']['id'] == user.id
        assert sorted(check['token']['methods']) == ['password', 'totp']


def test_threads_sharing_one_plugin_log_in_once_with_one_code(cloud):
    """One login, one code for every thread using one plugin.

    keystoneauth1 lets one thread at a time fetch a plugin's token.
    """
    user = cloud.create_user(devices=1)
    code = user.code()
    plugin = load(cloud, user, passcode=code)
    session = GatedSession(2)

    threads, results, errors = run_threads(
        lambda i: session.get_token(auth=plugin), THREADS)
    try:
        session.in_flight.wait()
        assert plugin.auth_methods[0].password == user.password
    finally:
        session.go.wait()
        for thread in threads:
            thread.join(TIMEOUT)

    assert errors == {}
    assert session.logins == 1
    assert session.sent == {user.name: user.password + code}
    assert len(set(results.values())) == 1
