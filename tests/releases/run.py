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

"""make test-releases: the functional contract on each maintained release.

Usage: python -m tests.releases.run [SERIES ...]  (default: every release)

For each release: its virtualenv (tests/releases/venvs.py), then the login,
replay, throttle and route tests (SUBSET) against real Keystone nodes
served from it, on MariaDB (the database deployments use; KTC_TEST_DB picks
another as for make test: older releases' oslo.db lock SQLite between
uwsgi processes, "database is locked"). A node serves this plugin's WSGI
application when it loads on that release, else Keystone's own
(keystone-wsgi-public), which the auth methods need nothing more than; the
stock node serves Keystone's. Results go to test-output/releases/
SERIES.json (and .xml); the exit status is non-zero when a release failed.
"""

import json
import os
import pathlib
import subprocess
import sys
import time
import xml.etree.ElementTree as ElementTree

from tests.releases import venvs

SUBSET = (
    'tests/functional/test_password_method.py',
    'tests/functional/test_replay.py',
    'tests/functional/test_throttle.py',
    'tests/functional/test_login_routes.py',
    'tests/functional/test_password_change.py',
    'tests/functional/test_2fa_api.py',
)
# What the plugin's WSGI application imports beside Keystone's.
PLUGIN_APP_MODULES = ('keystone_totp_concat.server.api.routes, '
                      'keystone_totp_concat.server.auth.password_change, '
                      'keystone_totp_concat.server.guards.request_guard')
PUBLIC = venvs.PUBLIC_APP_MODULE + ':application'
VERSIONS = ('keystone', 'oslo.db', 'SQLAlchemy', 'Flask', 'cryptography',
            'pyOpenSSL', 'keystonemiddleware')


def versions(venv):
    script = ('import sys\nfrom importlib import metadata\n'
              'for n in sys.argv[1:]:\n'
              '    print(n, metadata.version(n))\n')
    out = subprocess.run([str(venv / 'bin' / 'python'), '-c', script,
                          *VERSIONS], capture_output=True, text=True,
                         check=True, cwd='/')
    return dict(line.split(' ', 1) for line in out.stdout.splitlines())


def run(series, output, extra=()):
    release = venvs.RELEASES[series]
    started = time.monotonic()
    venv = venvs.build(series)
    built = time.monotonic() - started
    env = dict(os.environ, KTC_KEYSTONE_VENV=str(venv))
    env.setdefault('KTC_TEST_DB', 'mysql')
    plugin_app, why = venvs.imports(venv, PLUGIN_APP_MODULES)
    if not plugin_app:
        env['KTC_PLUGIN_WSGI'] = PUBLIC
    stock_app, _ = venvs.imports(
        venv, 'importlib.util; assert importlib.util.find_spec('
              '"keystone.wsgi.api")')
    if not stock_app:
        env['KTC_STOCK_WSGI'] = PUBLIC
    junit = output / ('%s.xml' % series)
    started = time.monotonic()
    code = subprocess.run(
        [sys.executable, '-m', 'pytest', '-q', '-p', 'no:cacheprovider',
         '--junitxml', str(junit), *SUBSET,
         *('--deselect=' + d for d in release.deselect), *extra],
        env=env).returncode
    seconds = time.monotonic() - started
    suite = ElementTree.parse(junit).getroot()
    suite = suite if suite.tag == 'testsuite' else suite.find('testsuite')
    counts = {k: int(suite.get(k, 0))
              for k in ('tests', 'failures', 'errors', 'skipped')}
    result = {
        'series': series, 'keystone': release.keystone,
        'exclude_newer': release.exclude_newer,
        'extra_requirements': list(release.extra),
        'deselected': list(release.deselect),
        'database': env['KTC_TEST_DB'],
        'plugin_wsgi': (env.get('KTC_PLUGIN_WSGI')
                        or 'keystone_totp_concat.wsgi:application'),
        'plugin_wsgi_unavailable_because': why,
        'passed': (counts['tests'] - counts['failures'] - counts['errors']
                   - counts['skipped']),
        **counts, 'seconds': round(seconds, 1),
        'venv_seconds': round(built, 1), 'exit_status': code,
        'versions': versions(venv),
    }
    (output / ('%s.json' % series)).write_text(
        json.dumps(result, indent=1) + '\n')
    return result


def main(argv):
    series = argv or list(venvs.RELEASES)
    unknown = [s for s in series if s not in venvs.RELEASES]
    if unknown:
        sys.exit('unknown series %s; known: %s' % (
            ', '.join(unknown), ', '.join(venvs.RELEASES)))
    output = pathlib.Path(os.environ.get(
        'KTC_TEST_OUTPUT', venvs.ROOT / 'test-output')) / 'releases'
    output.mkdir(parents=True, exist_ok=True)
    extra = os.environ.get('PYTEST_ARGS', '').split()
    results = [run(s, output, extra) for s in series]
    print('\nrelease  keystone  passed/tests  seconds  plugin WSGI app')
    for r in results:
        print('%-8s %-9s %4d/%-7d %7.0f  %s' % (
            r['series'], r['versions']['keystone'], r['passed'], r['tests'],
            r['seconds'], 'yes' if r['plugin_wsgi_unavailable_because'] is None
            else 'no: ' + r['plugin_wsgi_unavailable_because']))
    if any(r['exit_status'] for r in results):
        sys.exit(1)


if __name__ == '__main__':
    main(sys.argv[1:])
