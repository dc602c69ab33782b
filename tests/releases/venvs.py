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

"""One virtualenv per maintained Keystone release, with the packages of its
time: ``uv pip install --exclude-newer DATE`` resolves Keystone's (and this
package's) dependencies as the package index stood two weeks after the
release, which is what a cloud deployed then runs.

Usage: python -m tests.releases.venvs SERIES [DIR]  (prints DIR)

The plugin is installed editable from this checkout, so the tests always
run the working tree. ``make test-releases`` calls this, then runs the
functional contract with KTC_KEYSTONE_VENV=DIR (tests/conftest.py).
"""

import dataclasses
import pathlib
import shutil
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent.parent


@dataclasses.dataclass(frozen=True)
class Release:
    series: str
    keystone: str
    # The package index as it stood then (GA date plus two weeks).
    exclude_newer: str
    # Floors the resolution of that day lacks (see each note).
    extra: tuple = ()
    # Tests that cannot run against it, each for a reason outside this
    # package (see each note).
    deselect: tuple = ()


# The resolution of 2025.1 to 2026.1 backtracks pyOpenSSL to 22.0.0 to take
# the newest cryptography, which that pyOpenSSL cannot load (X509_V_FLAG_
# NOTIFY_POLICY): a floor makes it pick a matching pair of that day.
PYOPENSSL_FLOOR = ('pyOpenSSL>=24.3.0',)

# The test runs the main virtualenv's openstack CLI (2026), which sends
# "project_id": null in a new credential; Keystone 25 and 26 refuse that
# (400).
# A client/server skew: that release's own CLI omits the key.
OLD_SERVER_NEW_CLI = (
    'tests/functional/test_password_method.py::'
    'test_secret_enrolled_with_the_openstack_cli_works',)

RELEASES = {r.series: r for r in (
    Release('2024.1', '25.0.0', '2024-04-17', deselect=OLD_SERVER_NEW_CLI),
    Release('2024.2', '26.0.0', '2024-10-16', deselect=OLD_SERVER_NEW_CLI),
    Release('2025.1', '27.0.0', '2025-04-16', PYOPENSSL_FLOOR),
    Release('2025.2', '28.0.0', '2025-10-15', PYOPENSSL_FLOOR),
    Release('2026.1', '29.0.0', '2026-04-15', PYOPENSSL_FLOOR),
    Release('2026.2', '30.0.0', '2026-10-14'),
)}
OLDEST, NEWEST = '2024.1', '2026.2'

# Keystone's public application as its keystone-wsgi-public script makes it
# (releases before 2025.1 have no keystone.wsgi.api module), importable by
# uwsgi's --module from the release's site-packages.
PUBLIC_APP_MODULE = 'ktc_keystone_public'
PUBLIC_APP = """# tests/releases/venvs.py wrote this: keystone-wsgi-public.
from keystone.server import wsgi

application = wsgi.initialize_public_application()
"""

# Beside Keystone: the SQL drivers the tests use. uwsgi and the test
# tools stay in the main virtualenv (uwsgi serves the release's with --home).
DRIVERS = ('PyMySQL', 'psycopg2-binary')


def auth_methods(venv, wanted):
    """The methods of ``wanted`` that the venv's Keystone has.

    etc/keystone.conf.d/totp-concat.conf lists Keystone 30's default
    methods; ``ec2credential`` is not an auth method before 2026.2.
    """
    python = pathlib.Path(venv) / 'bin' / 'python'
    script = ('import sys\n'
              'from importlib.metadata import entry_points\n'
              'for m in sys.argv[1:]:\n'
              '    if entry_points(group="keystone.auth." + m):\n'
              '        print(m)\n')
    out = subprocess.run([str(python), '-c', script, *wanted],
                         capture_output=True, text=True, check=True)
    return out.stdout.split()


def build(series, target=None):
    release = RELEASES[series]
    target = pathlib.Path(target or ROOT / '.venv-releases' / series)
    marker = target / ('.installed-' + release.keystone)
    if marker.exists():
        return target
    shutil.rmtree(target, ignore_errors=True)
    uv = pathlib.Path(sys.executable).parent / 'uv'
    # Same interpreter as the main virtualenv: its uwsgi serves this one.
    subprocess.run([str(uv), 'venv', '--quiet', '--python', sys.executable,
                    str(target)], check=True)
    subprocess.run(
        [str(uv), 'pip', 'install', '--quiet',
         '--python', str(target / 'bin' / 'python'),
         '--exclude-newer', release.exclude_newer,
         'keystone==%s' % release.keystone, *release.extra, *DRIVERS,
         '-e', '%s[server]' % ROOT],
        check=True)
    site = subprocess.run(
        [str(target / 'bin' / 'python'), '-c',
         'import sysconfig; print(sysconfig.get_path("purelib"))'],
        capture_output=True, text=True, check=True).stdout.strip()
    (pathlib.Path(site) / (PUBLIC_APP_MODULE + '.py')).write_text(PUBLIC_APP)
    marker.touch()
    return target


def imports(venv, module):
    """Whether ``module`` imports in the venv.

    (True, None), or (False, the last line of the error).
    """
    out = subprocess.run([str(pathlib.Path(venv) / 'bin' / 'python'), '-c',
                          'import ' + module], capture_output=True, text=True,
                         cwd='/')
    if out.returncode == 0:
        return True, None
    return False, (out.stderr.strip().splitlines() or ['?'])[-1]


if __name__ == '__main__':
    print(build(*sys.argv[1:]))
