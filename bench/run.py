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

"""Benchmark this plugin side by side with stock Keystone (``make bench``).

Two uwsgi Keystones (several processes each) share one fresh MariaDB or
PostgreSQL database on 127.0.0.1, keys and users: one node serves this
package's WSGI application with its ``password`` and ``totp`` methods, the
other Keystone's own WSGI application with its stock methods. Users are
created through the API with Keystone's default bcrypt cost, so every
password check costs what it costs in production. Latency scenarios run one
request at a time, interleaved in a random order each round, so that noise
from the machine hits all of them alike, and record the server CPU each
request cost; throughput runs alternate stock and plugin at 16 clients. The
whole run is repeated for each number of uwsgi processes (2 and 4). Results
go to bench/results/ (JSON, Markdown, PNG).
"""

import argparse
from concurrent import futures
import datetime
import importlib.metadata
import itertools
import math
import os
import pathlib
import platform
import random
import statistics
import sys
import tempfile
import threading
import time

import bcrypt
import pytest
import requests
import sqlalchemy as sa

from bench import codes
from bench import report

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / 'tools'))

import local_keystone  # noqa: E402

from tests import cloud as cloud_mod  # noqa: E402
from tests import databases  # noqa: E402

METHODS = 'password,token,totp,application_credential'
# A user's first failed codes are refused without a password hash; from the
# fourth on (password_first_after = 3) the password is verified first, which
# costs what a wrong password costs. The wrong-code scenario measures the
# first kind, the normal typo; the "suspected" scenario the second.
WRONG_CODES_PER_USER = 3
# The suspected users' wrong codes: 3 to get there, then at most 6
# measured ones, so that none reaches the throttle's 10.
SUSPECTED_CODES_PER_USER = 6
STOCK_WSGI = 'keystone.wsgi.api:application'
# Users whose passwords are stored with bcrypt cost 4 (Bench.cheapen).
CHEAP_PLAIN, CHEAP_ENROLLED = 10, 150
# The scenarios of the added-CPU figure, measured in --cpu-blocks more
# blocks (Bench.latency): stock and password+code, and between them the
# stock scenario's users on the plugin node, which splits the figure into
# what the plugin node costs a user without 2FA and what the second factor
# costs on the same node (added_cpu_parts).
CPU_BLOCK = ('stock_password_cost4', 'plugin_plain_cost4',
             'plugin_enrolled_cost4')


def has_totp_method():
    """Whether this package provides the hardened ``totp`` method."""
    return bool(importlib.metadata.entry_points(
        group='keystone.auth.totp', name='totp_concat'))


def scoped(user):
    return {'project': {'id': user.project_id}}


def password_body(user, field):
    ref = {'name': user.name, 'domain': {'id': user.domain_id}}
    return cloud_mod.password_auth(ref, field, scope=scoped(user))


def native_body(user, code):
    """Keystone's own multi-method request: password and totp methods."""
    ref = {'name': user.name, 'domain': {'id': user.domain_id}}
    return {'auth': {
        'identity': {
            'methods': ['password', 'totp'],
            'password': {'user': dict(ref, password=user.password)},
            'totp': {'user': dict(ref, passcode=code)},
        },
        'scope': scoped(user),
    }}


class Cycle:
    """Thread-safe endless round-robin over a list."""

    def __init__(self, items):
        self._items = itertools.cycle(items)
        self._lock = threading.Lock()

    def next(self):
        with self._lock:
            return next(self._items)


class Bench:
    def __init__(self, args, workdir, processes):
        self.args = args
        self.workdir = workdir
        self.processes = processes
        self.notes = []
        self.errors = 0
        self.totp_method = has_totp_method()
        self.local = threading.local()

    # -- set-up --

    def start_nodes(self, database, processes):
        auth = {'methods': METHODS}
        totp_method = 'totp_concat' if self.totp_method else 'default'
        plugin_auth = dict(auth, password='totp_concat', totp=totp_method)
        self.plugin = local_keystone.LocalKeystone(
            self.workdir / 'plugin', local_keystone.free_port(),
            overrides={'auth': plugin_auth}, database=database)
        self.plugin.setup()
        self.stock = local_keystone.LocalKeystone(
            self.workdir / 'stock', local_keystone.free_port(),
            overrides={'auth': dict(auth, password='default', totp='default')},
            wsgi_module=STOCK_WSGI)
        self.stock.join(self.plugin)
        for node in (self.plugin, self.stock):
            node.start(processes=processes)

    def cloud(self):
        if not hasattr(self.local, 'cloud'):
            self.local.cloud = cloud_mod.Cloud(
                self.plugin, local_keystone.ADMIN_PASSWORD)
        return self.local.cloud

    def http(self):
        if not hasattr(self.local, 'http'):
            self.local.http = requests.Session()
        return self.local.http

    def new_user(self, enrolled):
        """A user with a project role, enrolled with one device if asked."""
        return self.cloud().create_user(devices=1 if enrolled else 0)

    def create_users(self):
        a = self.args
        # Each enrolled device yields 2 codes at once and 1 per 30 s step.
        # Every request of a scenario, warm-up included, has its own code.
        requests = self.warmup() + a.samples
        wrong = math.ceil(requests / WRONG_CODES_PER_USER)
        suspected = math.ceil(requests / SUSPECTED_CODES_PER_USER)
        wanted = [False] * a.plain_users + [True] * (
            a.enrolled_users + wrong + suspected)
        with futures.ThreadPoolExecutor(4) as pool:
            users = list(pool.map(self.new_user, wanted))
        with futures.ThreadPoolExecutor(4) as pool:
            cheap = list(pool.map(self.new_user, [False] * CHEAP_PLAIN
                                  + [True] * CHEAP_ENROLLED))
        self.cheapen(cheap)
        self.cheap_plain = Cycle(cheap[:CHEAP_PLAIN])
        self.cheap_book = codes.CodeBook(
            [(u, u.secrets[0]) for u in cheap[CHEAP_PLAIN:]])
        suspects = users[len(users) - suspected:]
        users = users[:len(users) - suspected]
        with futures.ThreadPoolExecutor(4) as pool:
            list(pool.map(self.make_suspected, suspects))
        self.suspected_users = Cycle(suspects * SUSPECTED_CODES_PER_USER)
        # Keystone writes last_active_at on a user's first login of the day;
        # do it for all now, so no measured login is anyone's first.
        users_table = sa.table('user', sa.column('last_active_at'))
        today = datetime.datetime.now(datetime.timezone.utc).date()
        with self.cloud().db.begin() as conn:
            conn.execute(sa.update(users_table).values(last_active_at=today))
        self.plain = Cycle(users[:a.plain_users])
        enrolled = users[a.plain_users:a.plain_users + a.enrolled_users]
        self.book = codes.CodeBook([(u, u.secrets[0]) for u in enrolled])
        self.native_stock_users = Cycle(enrolled)
        self.wrong_code_users = Cycle(
            users[a.plain_users + a.enrolled_users:] * WRONG_CODES_PER_USER)

    def cheapen(self, users):
        """Store the users' passwords with bcrypt cost 4 instead of 12.

        Their logins cost a hash of about a millisecond, so that the CPU
        a node spends around the hash (where this package's work is) shows
        without the hash's own spread of tens of milliseconds.
        """
        with self.cloud().db.begin() as conn:
            for user in users:
                hashed = bcrypt.hashpw(user.password.encode(),
                                       bcrypt.gensalt(4)).decode()
                conn.execute(sa.text(
                    'UPDATE password SET password_hash = :h WHERE '
                    'local_user_id = (SELECT id FROM local_user '
                    'WHERE user_id = :u)'), {'h': hashed, 'u': user.id})

    def restart_nodes(self):
        """Both nodes start measuring from fresh workers.

        The set-up ran through the plugin node; without a restart its
        workers would carry that history (heap, caches) into the runs.
        A node that does not come back is started once more, and what its
        uwsgi said is printed: a run of half an hour should not end there.
        """
        for node in (self.plugin, self.stock):
            node.stop()
            try:
                node.start(processes=self.processes)
            except RuntimeError as e:
                log = node.workdir / 'uwsgi.log'
                print('bench: %s; last lines of %s:\n%s' % (
                    e, log, ''.join(log.read_text(errors='replace')
                                    .splitlines(True)[-8:])), flush=True)
                node.stop()
                node.start(processes=self.processes)

    def warmup(self):
        """Latency rounds not measured: each worker warms up."""
        return 3 * self.processes

    def make_suspected(self, user):
        """Three wrong codes: the next ones are checked password first."""
        for _ in range(WRONG_CODES_PER_USER):
            code = cloud_mod.wrong_code(user.secrets[0])
            r = self.post(self.plugin, password_body(
                user, user.password + code))
            if r.status_code != 401:
                raise RuntimeError('a wrong code got %d' % r.status_code)

    # -- requests: each returns (node, body, expected status) --

    def stock_login(self):
        user = self.plain.next()
        return self.stock, password_body(user, user.password), 201

    def plugin_plain_login(self):
        user = self.plain.next()
        return self.plugin, password_body(user, user.password), 201

    def cheap_stock_login(self):
        user = self.cheap_plain.next()
        return self.stock, password_body(user, user.password), 201

    def cheap_plugin_login(self):
        user = self.cheap_plain.next()
        return self.plugin, password_body(user, user.password), 201

    def cheap_enrolled_login(self):
        user, code, _ = self.cheap_book.take()
        return self.plugin, password_body(user, user.password + code), 201

    def enrolled_login(self):
        user, code, _ = self.book.take()
        return self.plugin, password_body(user, user.password + code), 201

    def native_plugin_login(self):
        user, code, _ = self.book.take()
        return self.plugin, native_body(user, code), 201

    def native_stock_login(self):
        user = self.native_stock_users.next()
        # Stock totp accepts the current and the previous step, any number
        # of times: it has no replay protection.
        code = cloud_mod.code_for(user.secrets[0])
        return self.stock, native_body(user, code), 201

    def wrong_code(self):
        user = self.wrong_code_users.next()
        code = cloud_mod.wrong_code(user.secrets[0])
        return self.plugin, password_body(user, user.password + code), 401

    def suspected_wrong_code(self):
        user = self.suspected_users.next()
        code = cloud_mod.wrong_code(user.secrets[0])
        return self.plugin, password_body(user, user.password + code), 401

    def stock_unknown_user(self):
        user = self.plain.next()
        body = password_body(user, user.password)
        body['auth']['identity']['password']['user']['name'] += '-unknown'
        return self.stock, body, 401

    def stock_wrong_password(self):
        user = self.plain.next()
        return self.stock, password_body(user, 'not-' + user.password), 401

    def scenarios(self):
        """name -> (label, request maker); the first one is the baseline."""
        table = {
            'stock_password': ('stock: password, non-enrolled user',
                               self.stock_login),
            'plugin_non_enrolled': ('plugin: password, non-enrolled user',
                                    self.plugin_plain_login),
            'plugin_enrolled': ('plugin: password+code in one field',
                                self.enrolled_login),
            'stock_native_password_totp': (
                'stock: methods [password, totp]', self.native_stock_login),
        }
        if self.totp_method:
            table['plugin_native_password_totp'] = (
                'plugin: methods [password, totp]', self.native_plugin_login)
        else:
            self.notes.append(
                'This package\'s totp method is not installed: '
                'methods [password, totp] measured on the stock node only.')
        table['stock_password_cost4'] = (
            'stock: password, bcrypt cost 4', self.cheap_stock_login)
        table['plugin_plain_cost4'] = (
            'plugin: password, non-enrolled user, bcrypt cost 4',
            self.cheap_plugin_login)
        table['plugin_enrolled_cost4'] = (
            'plugin: password+code, bcrypt cost 4', self.cheap_enrolled_login)
        table['plugin_wrong_code'] = ('plugin: wrong code, enrolled user',
                                      self.wrong_code)
        table['plugin_wrong_code_suspected'] = (
            'plugin: wrong code after 3 failed ones (password checked first)',
            self.suspected_wrong_code)
        table['stock_wrong_password'] = (
            'stock: wrong password, non-enrolled user',
            self.stock_wrong_password)
        table['stock_unknown_user'] = (
            'stock: unknown user name (Keystone\'s cheapest 401)',
            self.stock_unknown_user)
        return table

    # -- measuring --

    def post(self, node, body):
        return self.http().post(node.url + '/auth/tokens', json=body,
                                timeout=120)

    def timed(self, make_request):
        """Seconds one request took, or None when its status was wrong."""
        node, body, expected = make_request()
        start = time.perf_counter()
        r = self.post(node, body)
        elapsed = time.perf_counter() - start
        if r.status_code != expected:
            self.errors += 1
            return None
        return elapsed

    def latency(self, scenarios):
        """Seconds and server CPU seconds per request of each scenario.

        A request's CPU is what its node's uwsgi processes spent from the
        moment it was sent until the next request to that node was: work a
        worker finishes after answering (closing the request) counts for
        the request that caused it. One client, so nothing else runs there.

        The scenarios of the added-CPU figure (CPU_BLOCK) then run on,
        interleaved, in --cpu-blocks more blocks of --samples rounds, each
        on freshly restarted nodes: a login's CPU varies by a standard
        deviation of about 15 ms here, and a node's workers differ from the
        next start's (hash seed, memory layout) by a millisecond or two,
        while the figure is a difference of a few.
        """
        samples = {name: [] for name in scenarios}
        cpu = {name: [] for name in scenarios}
        block = [name for name in CPU_BLOCK if name in scenarios]
        blocks = [list(scenarios)] + [block] * (
            self.args.cpu_blocks if block else 0)
        rng = random.Random(8)
        for number, order in enumerate(blocks):
            if number:
                self.restart_nodes()
            self.latency_block(scenarios, order, rng, samples, cpu)
        return samples, cpu

    def latency_block(self, scenarios, order, rng, samples, cpu):
        """Warm-up rounds, then --samples measured rounds of ``order``."""
        open_request = {}  # node -> (scenario, CPU at its start) or None

        def close(node):
            now = tree_cpu_seconds(node.process.pid)
            previous = open_request.get(node)
            if previous is not None and previous[0] is not None:
                cpu[previous[0]].append(now - previous[1])
            return now

        warmup = self.warmup()
        for i in range(warmup + self.args.samples):
            rng.shuffle(order)
            for name in order:
                node, body, expected = scenarios[name][1]()
                measured = i >= warmup
                started = close(node)
                start = time.perf_counter()
                r = self.post(node, body)
                elapsed = time.perf_counter() - start
                ok = r.status_code == expected
                if not ok:
                    self.errors += 1
                open_request[node] = (name if measured and ok else None,
                                      started)
                if measured and ok:
                    samples[name].append(elapsed)
        for node in list(open_request):
            close(node)

    def throughput(self, node, make_request, clients):
        """Logins per second of ``clients`` threads, and CPU per login.

        Logins per second: of the successful logins completed between the
        moment every client is busy (after the warm-up) and the deadline.
        CPU per login: the node's CPU seconds over the whole run divided by
        every successful login, so each login's work counts once.
        """
        warm = min(3.0, self.args.duration / 4)
        cpu = tree_cpu_seconds(node.process.pid)
        start = time.perf_counter() + 0.5
        window = (start + warm, start + self.args.duration)
        completions = []
        lock = threading.Lock()

        def client():
            time.sleep(max(0, start - time.perf_counter()))
            while time.perf_counter() < window[1]:
                if self.timed(make_request) is not None:
                    with lock:
                        completions.append(time.perf_counter())

        threads = [threading.Thread(target=client) for _ in range(clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        cpu = tree_cpu_seconds(node.process.pid) - cpu
        inside = sorted(t for t in completions if window[0] <= t <= window[1])
        # Logins between the first and the last one inside the window, over
        # the time between them: not rounded to whole logins per window.
        return ((len(inside) - 1) / (inside[-1] - inside[0]),
                cpu / max(len(completions), 1))

    def throughputs(self):
        rows = []
        for clients in self.args.clients:
            runs = {'stock': [], 'enrolled': []}
            cpu = {'stock': [], 'enrolled': []}
            for r in range(self.args.rounds):
                pair = [('stock', self.stock, self.stock_login),
                        ('enrolled', self.plugin, self.enrolled_login)]
                for name, node, make in (pair if r % 2 == 0 else pair[::-1]):
                    rate, cpu_per_login = self.throughput(node, make, clients)
                    runs[name].append(round(rate, 3))
                    cpu[name].append(round(cpu_per_login * 1000, 2))
            stock = statistics.fmean(runs['stock'])
            enrolled = statistics.fmean(runs['enrolled'])
            stock_cpu = statistics.fmean(cpu['stock'])
            enrolled_cpu = statistics.fmean(cpu['enrolled'])
            rows.append({'clients': clients, 'stock_per_s': round(stock, 3),
                         'enrolled_per_s': round(enrolled, 3),
                         'ratio': round(enrolled / stock, 4),
                         'stock_cpu_ms': round(stock_cpu, 2),
                         'enrolled_cpu_ms': round(enrolled_cpu, 2),
                         'added_cpu_ms': round(enrolled_cpu - stock_cpu, 2),
                         'runs': runs, 'cpu_ms_per_login': cpu})
        return rows

    # -- facts for the report --

    def environment(self):
        cloud = self.cloud()
        hashed = cloud.sql('SELECT password_hash FROM password '
                           'WHERE password_hash IS NOT NULL LIMIT 1')[0][0]
        version = cloud.sql('SELECT version()')[0][0]
        with open('/proc/cpuinfo') as f:
            cpu = next((line.split(':', 1)[1].strip() for line in f
                        if line.startswith('model name')), platform.machine())
        return {
            'cpu': cpu,
            'cores': os.cpu_count(),
            'keystone': importlib.metadata.version('keystone'),
            'processes': self.processes,
            'database': '%s %s' % (self.args.db, version.split(' ')[0]),
            # "$2b$12$...": only the cost field is kept, never the hash.
            'bcrypt_cost': hashed.split('$')[2],
            'totp_method': 'totp_concat' if self.totp_method else 'default',
        }

    def tracebacks(self):
        count = 0
        for node in (self.plugin, self.stock):
            for log in (node.log_file, node.workdir / 'uwsgi.log'):
                if log.exists():
                    count += log.read_text(errors='replace').count('Traceback')
        return count


def tree_cpu_seconds(pid):
    """CPU seconds of a process, its threads and its children.

    uwsgi's master and workers, which live as long as the node. Read from
    the scheduler's nanosecond run time (``/proc/<pid>/task/<tid>/
    schedstat``), not from the 10 ms ticks of ``stat``: one login's few
    milliseconds of Python must show beside a bcrypt hash.
    """
    total = 0
    pids = [pid]
    while pids:
        current = pids.pop()
        try:
            tids = os.listdir('/proc/%d/task' % current)
        except FileNotFoundError:
            continue
        for tid in tids:
            task = '/proc/%d/task/%s/' % (current, tid)
            try:
                with open(task + 'schedstat') as f:
                    total += int(f.read().split()[0])
                with open(task + 'children') as f:
                    pids += [int(c) for c in f.read().split()]
            except FileNotFoundError:
                continue
    return total / 1e9


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--db', choices=sorted(databases.SERVERS), default='mysql',
                   help='SQL server on 127.0.0.1 (see tests/databases.py)')
    p.add_argument('--samples', type=int, default=100,
                   help='measured requests per latency scenario')
    p.add_argument('--cpu-blocks', type=int, default=8,
                   help='more blocks of --samples rounds of the three '
                   'scenarios of the added-CPU figure (bcrypt cost 4), '
                   'each on restarted nodes')
    p.add_argument('--processes', type=int, nargs='+', default=[2, 4],
                   help='uwsgi processes per Keystone node: a whole run '
                   'for each number')
    p.add_argument('--clients', type=int, nargs='+', default=[16],
                   help='concurrent clients of the throughput runs')
    p.add_argument('--duration', type=float, default=30,
                   help='seconds of each throughput run')
    p.add_argument('--rounds', type=int, default=3,
                   help='throughput runs per node and client count')
    p.add_argument('--plain-users', type=int, default=20)
    p.add_argument('--enrolled-users', type=int, default=300)
    p.add_argument('--out', type=pathlib.Path,
                   default=ROOT / 'bench' / 'results')
    return p.parse_args(argv)


# The targets of the per-login cost issue: name -> (label, limit, at most).
TARGETS = {
    'added_cpu_ms': (
        'Server CPU a password+code login adds to a stock login, ms', 3.0,
        True),
    'throughput_16_clients': (
        'Throughput at 16 clients, enrolled / stock', 0.98, False),
    'wrong_code_vs_cheapest_refusal': (
        'Refused wrong code / Keystone\'s cheapest refusal (unknown user)',
        1.2, True),
    'enrolled_login': ('Password+code login / stock login', 1.02, True),
}


def targets(latency, throughput):
    """Each target's measured value, limit and whether it holds."""
    at_16 = next((row for row in throughput if row['clients'] == 16), None)
    values = {
        'added_cpu_ms': (latency['plugin_enrolled_cost4']['cpu_median_ms']
                         - latency['stock_password_cost4']['cpu_median_ms']),
        'throughput_16_clients': at_16['ratio'] if at_16 else None,
        'wrong_code_vs_cheapest_refusal': (
            latency['plugin_wrong_code']['median_ms']
            / latency['stock_unknown_user']['median_ms']),
        'enrolled_login': latency['plugin_enrolled']['median_ratio'],
    }
    return {name: report.check(values[name], limit, at_most)
            for name, (_, limit, at_most) in TARGETS.items()
            if values[name] is not None}


def added_cpu_parts(latency):
    """The added CPU in two parts (ms), or None without the middle scenario.

    ``plugin_node``: the plugin node's login of a user without 2FA (its
    request guard and credential read) minus the stock node's, for the
    same users; ``second_factor``: password+code minus that login, both on
    the plugin node, where differences between the two nodes' workers
    cancel out.
    """
    if 'plugin_plain_cost4' not in latency:
        return None
    stock, plain, enrolled = (latency[name]['cpu_median_ms']
                              for name in CPU_BLOCK)
    return {'plugin_node_ms': round(plain - stock, 3),
            'second_factor_ms': round(enrolled - plain, 3)}


def run(args, database, workdir, processes):
    bench = Bench(args, workdir, processes)
    began = time.monotonic()
    started = datetime.datetime.now(datetime.timezone.utc)
    loadavg = os.getloadavg()
    try:
        bench.start_nodes(database, processes)
        bench.create_users()
        bench.restart_nodes()
        print('%d processes: users ready after %.0f s' % (
            processes, time.monotonic() - began), flush=True)
        scenarios = bench.scenarios()
        samples, cpu = bench.latency(scenarios)
        print('%d processes: latency done after %.0f s' % (
            processes, time.monotonic() - began), flush=True)
        throughput = bench.throughputs()
        environment = bench.environment()
    finally:
        for node in (bench.plugin, bench.stock):
            node.stop()
    environment['loadavg'] = ' '.join('%.2f' % x for x in loadavg)
    baseline = next(iter(scenarios))
    base = report.summarize(samples[baseline])
    latency = {}
    for name, (label, _) in scenarios.items():
        stats = report.summarize(samples[name])
        stats.update(report.summarize_cpu(cpu[name]))
        stats.update(
            label=label, node=label.split(':')[0],
            median_ratio=round(stats['median_ms'] / base['median_ms'], 4),
            p95_ratio=round(stats['p95_ms'] / base['p95_ms'], 4))
        latency[name] = stats
    results = {
        'started': started.strftime('%Y-%m-%d %H:%M'),
        'duration_s': round(time.monotonic() - began, 1),
        'environment': environment,
        'baseline': baseline,
        'latency': latency,
        'throughput': throughput,
        'rounds': args.rounds,
        'run_seconds': args.duration,
        'targets': targets(latency, throughput),
        'added_cpu_parts': added_cpu_parts(latency),
        'errors': bench.errors,
        'code_waits': bench.book.waits,
        'tracebacks': bench.tracebacks(),
        'notes': bench.notes,
        'samples_ms': {n: [round(s * 1000, 2) for s in v]
                       for n, v in samples.items()},
        'cpu_ms': {n: [round(s * 1000, 3) for s in v]
                   for n, v in cpu.items()},
    }
    return results, samples


def main(argv=None):
    args = parse_args(argv if argv is not None else sys.argv[1:])
    args.out.mkdir(parents=True, exist_ok=True)
    began = time.monotonic()
    runs, samples = [], None
    try:
        for processes in args.processes:
            with databases.fresh_database(args.db) as database, \
                    tempfile.TemporaryDirectory(prefix='ktc-bench-') as tmp:
                result, samples = run(args, database, pathlib.Path(tmp),
                                      processes)
            runs.append(result)
    except pytest.skip.Exception as e:
        sys.exit('bench: %s' % e.msg)
    results = {
        'command': ' '.join(['python -m bench.run', *sys.argv[1:]]),
        'duration_s': round(time.monotonic() - began, 1),
        'target_labels': {name: label
                          for name, (label, _, _) in TARGETS.items()},
        'runs': runs,
    }
    report.write_json(args.out / 'results.json', results)
    report.write_markdown(args.out / 'results.md', results)
    report.write_chart(args.out / 'latency.png', results, samples)
    print((args.out / 'results.md').read_text())
    if not all(t['holds'] for r in runs for t in r['targets'].values()):
        sys.exit('bench: a target does not hold (see results.md)')


if __name__ == '__main__':
    main()
