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

"""A bounded login load over two nodes, with replays and a node killed.

Client threads log enrolled users in with password+code, alternating nodes;
each accepted code is at once sent again (a replay) to the other node. Once
``kill_after`` logins are done, the second node is killed with SIGKILL: the
clients carry on against the first node only, and the first node is asked
again for every code accepted before the kill that is still inside its time
window. Only counts and statuses are kept for the report, never a code.
"""

import collections
import dataclasses
import os
import signal
import threading
import time

import requests

from tests import cloud as cloud_mod

FIRST, SECOND = 0, 1


@dataclasses.dataclass
class Answer:
    """One request and what came back (status None: connection failed)."""

    kind: str  # 'login', 'replay' or 'replay_after_kill'
    node: int
    status: object
    refusal_body: bool
    after_kill: bool
    accepted_by: object = None  # for replays: the node that took the code


@dataclasses.dataclass
class Accepted:
    user: object
    field: str
    step: int
    node: int


class LoadRun:
    def __init__(self, nodes, book, logins, clients, kill_after, deadline):
        self.nodes = nodes
        self.book = book
        self.logins = logins
        self.clients = clients
        self.kill_after = kill_after
        self.deadline = deadline
        self.answers = []
        self.accepted_before_kill = []
        self.killed = threading.Event()
        self.kill_time = None
        self._lock = threading.Lock()
        self._issued = 0
        self._done = 0

    # -- HTTP --

    def post(self, http, node, user, field):
        body = cloud_mod.password_auth(
            {'name': user.name, 'domain': {'id': user.domain_id}}, field)
        try:
            r = http.post(self.nodes[node].url + '/auth/tokens', json=body,
                          timeout=60)
        except requests.ConnectionError:
            return None, False
        refusal = (r.status_code == 401
                   and r.json() == cloud_mod.ADDITIONAL_STEPS_BODY)
        return r.status_code, refusal

    def record(self, answer):
        with self._lock:
            self.answers.append(answer)

    # -- clients --

    def _next_login(self):
        with self._lock:
            if self._issued >= self.logins or time.monotonic() > self.deadline:
                return None
            self._issued += 1
            return self._issued

    def client(self, number):
        http = requests.Session()
        while (index := self._next_login()) is not None:
            user, code, step = self.book.take()
            field = user.password + code
            after_kill = self.killed.is_set()
            node = FIRST if after_kill else (number + index) % 2
            status, refusal = self.post(http, node, user, field)
            self.record(Answer('login', node, status, refusal, after_kill))
            if status == 201:
                if not after_kill:
                    with self._lock:
                        self.accepted_before_kill.append(
                            Accepted(user, field, step, node))
                other = FIRST if self.killed.is_set() else 1 - node
                status, refusal = self.post(http, other, user, field)
                self.record(Answer('replay', other, status, refusal,
                                   self.killed.is_set(), accepted_by=node))
            with self._lock:
                self._done += 1

    # -- the run --

    def kill_second(self):
        self.killed.set()
        self.kill_time = time.time()
        process = self.nodes[SECOND].process
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()

    def replay_after_kill(self):
        """Ask the survivor again for codes accepted before the kill.

        Ask the survivor again for codes accepted before the kill that
        its window still covers (older ones it refuses by time alone).
        """
        http = requests.Session()
        now = int(time.time() // 30)
        with self._lock:
            fresh = [a for a in self.accepted_before_kill if a.step >= now - 1]
        for a in fresh:
            status, refusal = self.post(http, FIRST, a.user, a.field)
            self.record(Answer('replay_after_kill', FIRST, status, refusal,
                               True, accepted_by=a.node))

    def run(self):
        threads = [threading.Thread(target=self.client, args=(n,))
                   for n in range(self.clients)]
        started = time.monotonic()
        for t in threads:
            t.start()
        while (self._done < self.kill_after
               and any(t.is_alive() for t in threads)):
            time.sleep(0.05)
        self.kill_second()
        self.replay_after_kill()
        for t in threads:
            t.join()
        self.elapsed = time.monotonic() - started
        return self

    def counts(self):
        """Statuses per kind of request and phase, for the report."""
        tally = collections.Counter()
        for a in self.answers:
            phase = 'after_kill' if a.after_kill else 'before_kill'
            tally['%s %s node%s %s' % (a.kind, phase, 'AB'[a.node],
                                       a.status or 'no-answer')] += 1
        return dict(sorted(tally.items()))
