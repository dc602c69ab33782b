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

"""Where one login's time goes, inside uwsgi (``python -m bench.profile``).

Starts the benchmark's two nodes with one uwsgi process each, samples the
plugin node's worker (the stock node's for ``unknown-user``, Keystone's
cheapest refusal) with py-spy (wall clock, non-blocking, so the worker
runs at full speed; --idle, so waits for the database count) while one
client sends one kind of request, and prints the milliseconds per request
spent in this package's functions and in the parts of Keystone around them,
inclusive of what they call.
"""

import argparse
import collections
import pathlib
import re
import signal
import subprocess
import sys
import tempfile
import time

from bench import run as bench_run

import local_keystone  # tools/, put on sys.path by bench.run

from tests import databases

RATE = 250  # samples per second
WARMUP = 5  # requests before the profiler starts
# Keystone frames worth showing beside this package's own.
KEYSTONE = (
    'Flask.wsgi_app', 'authenticate_for_token', 'AuthInfo._lookup_project',
    'BaseUserInfo.create', 'Password.authenticate', 'check_password',
    'Manager.issue_token', '_send_audit_notification',
)
WHOLE = '(whole request in the worker: any Python frame)'
FRAME = re.compile(r'^(?P<func>.*?) \((?P<file>.*?):\d+\)$')


def worker_pid(node):
    path = '/proc/%d/task/%d/children' % (node.process.pid, node.process.pid)
    with open(path) as f:
        return int(f.read().split()[0])


def per_request(raw_file, requests, every=False):
    """Inclusive milliseconds per request of the interesting functions.

    With ``every``, of every function, named with its module.
    """
    totals = collections.Counter()
    with open(raw_file) as f:
        for line in f:
            stack, _, count = line.rstrip().rpartition(' ')
            seen = set()
            for frame in stack.split(';'):
                m = FRAME.match(frame)
                if not m:
                    continue
                seen.add(WHOLE)
                ours = 'keystone_totp_concat' in m['file']
                if every or ours or m['func'] in KEYSTONE:
                    module = m['file'].rsplit('/', 1)[-1]
                    name = ('%s (%s)' % (m['func'], module)
                            if ours or every else m['func'])
                    seen.add(name)
            for name in seen:
                totals[name] += int(count)
    scale = 1000.0 / RATE / requests
    return [(name, n * scale) for name, n in totals.most_common()]


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--db', choices=sorted(databases.SERVERS), default='mysql')
    p.add_argument('--scenario',
                   choices=('enrolled', 'wrong-code', 'unknown-user', 'plain',
                            'stock-plain'),
                   default='enrolled')
    p.add_argument('--seconds', type=float, default=30)
    p.add_argument('--limit', type=int, default=200,
                   help='at most this many profiled requests')
    p.add_argument('--every', action='store_true',
                   help='every function, not only this package\'s and '
                   'the Keystone ones around them')
    args = p.parse_args(argv)
    # Users enough for --limit requests: a code per enrolled login, and at
    # most 3 wrong codes per user (bench.run.WRONG_CODES_PER_USER).
    settings = bench_run.parse_args([
        '--samples', str(args.limit + WARMUP), '--plain-users', '2',
        '--enrolled-users', str(args.limit // 2)])
    with databases.fresh_database(args.db) as database, \
            tempfile.TemporaryDirectory(prefix='ktc-profile-') as tmp:
        bench = bench_run.Bench(settings, pathlib.Path(tmp), 1)
        try:
            bench.start_nodes(database, 1)
            bench.create_users()
            make = {'enrolled': bench.enrolled_login,
                    'wrong-code': bench.wrong_code,
                    'unknown-user': bench.stock_unknown_user,
                    'plain': bench.cheap_plugin_login,
                    'stock-plain': bench.cheap_stock_login}[args.scenario]
            # Keystone's cheapest refusal is the stock node's.
            node = (bench.stock if args.scenario in ('unknown-user',
                                                     'stock-plain')
                    else bench.plugin)
            for _ in range(WARMUP):
                bench.timed(make)
            raw = pathlib.Path(tmp) / 'profile.txt'
            spy = subprocess.Popen(
                [str(local_keystone.BIN / 'py-spy'), 'record',
                 '--nonblocking', '--idle',
                 '-r', str(RATE), '-f', 'raw', '-o', str(raw),
                 '-p', str(worker_pid(node))],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(1)
            count = 0
            deadline = time.monotonic() + args.seconds
            while time.monotonic() < deadline and count < args.limit:
                if bench.timed(make) is None:
                    sys.exit('profile: a request got an unexpected answer')
                count += 1
            spy.send_signal(signal.SIGINT)
            spy.wait()
        finally:
            for node in (bench.plugin, bench.stock):
                node.stop()
        print('%d %s requests; ms per request, inclusive:' % (
            count, args.scenario))
        for name, ms in per_request(raw, count, args.every):
            if ms >= 0.1 or not args.every:
                print('%8.2f  %s' % (ms, name))


if __name__ == '__main__':
    main()
