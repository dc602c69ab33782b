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

"""The released wheel, installed the way the installation guide says.

``make dist`` builds the sdist and wheel; the wheel goes into a new, empty
virtualenv with Keystone (``pip install -c constraints.txt
'WHEEL[server]'``, from the package index), then that virtualenv's
``keystone-manage`` and ``keystone-totp-manage db_sync`` set up a Keystone
that uwsgi serves from it, and an enrolled user logs in with password+code.
Nothing of the clone is on that Keystone's path.

About a minute on two cores (build ~15 s, install ~25 s, Keystone ~15 s);
needs the package index.
"""

import os
import pathlib
import subprocess
import sys

import pytest
import sqlalchemy

import local_keystone  # tools/, put on sys.path by tests/conftest.py

from tests import cloud as cloud_mod
from tests import conftest

ROOT = pathlib.Path(__file__).resolve().parents[2]
VERSION = '1.0.0'


def run(*args, **kwargs):
    result = subprocess.run([str(a) for a in args], capture_output=True,
                            text=True, timeout=600, **kwargs)
    assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]
    return result.stdout


@pytest.fixture(scope='module')
def dist(tmp_path_factory):
    """The sdist and wheel of ``make dist``."""
    out = tmp_path_factory.mktemp('dist')
    run('make', '-s', '-C', ROOT, 'dist', 'DIST_DIR=%s' % out)
    return out


@pytest.fixture(scope='module')
def venv(dist, tmp_path_factory):
    """A new virtualenv with Keystone and the wheel, nothing else."""
    path = tmp_path_factory.mktemp('venv') / 'keystone'
    run(sys.executable, '-m', 'venv', path)
    (wheel,) = dist.glob('*.whl')
    env = {k: v for k, v in os.environ.items()
           if k not in ('PYTHONPATH', 'VIRTUAL_ENV', 'PIP_CONSTRAINT')}
    run(path / 'bin/pip', 'install', '--quiet', '-c', ROOT / 'constraints.txt',
        '%s[server]' % wheel, env=env, cwd=path)
    return path


def test_make_dist_builds_the_release(dist):
    assert sorted(p.name for p in dist.iterdir()) == [
        'keystone_totp_concat-%s-py3-none-any.whl' % VERSION,
        'keystone_totp_concat-%s.tar.gz' % VERSION,
    ]


def test_wheel_installs_beside_keystone(venv):
    found = run(venv / 'bin/python', '-c',
                'import importlib.metadata as m, keystone_totp_concat as k; '
                'print(m.version("keystone-totp-concat")); print(k.__file__)',
                cwd=venv).split()
    assert found[0] == VERSION
    assert found[1].startswith(str(venv))
    # The configuration files come with it (doc/source/install/).
    share = venv / 'share/keystone-totp-concat'
    for name in ('keystone.conf.d/totp-concat.conf',
                 'policy.d/totp-credentials.yaml',
                 'horizon/_90_keystone_totp_concat.py',
                 'keystone-totp-concat.conf.sample'):
        assert (share / name).read_bytes() == (
            ROOT / 'etc' / name).read_bytes()


def test_db_sync_and_login_with_the_installed_wheel(venv, tmp_path):
    keystone = local_keystone.LocalKeystone(
        tmp_path / 'keystone', local_keystone.free_port(),
        overrides=conftest.TEST_OVERRIDES, venv=venv)
    # keystone-manage db_sync, then the wheel's keystone-totp-manage db_sync.
    keystone.setup()
    assert keystone.bin == venv / 'bin'
    engine = sqlalchemy.create_engine(keystone.database)
    try:
        tables = set(sqlalchemy.inspect(engine).get_table_names())
    finally:
        engine.dispose()
    assert {'totp_concat_last_use', 'totp_concat_throttle'} <= tables

    keystone.start(processes=1)
    try:
        cloud = cloud_mod.Cloud(keystone, local_keystone.ADMIN_PASSWORD)
        user = cloud.create_user(devices=1)
        refused = cloud.login_as(user, user.password)
        assert refused.status_code == 401
        assert refused.json() == cloud_mod.ADDITIONAL_STEPS_BODY
        accepted = cloud.login_as(user, user.password + user.code())
        assert accepted.status_code == 201, accepted.text
    finally:
        keystone.stop()
    # uwsgi served the virtualenv's Keystone and plugin.
    log = (keystone.workdir / 'uwsgi.log').read_text()
    assert 'Set PythonHome to %s\n' % venv.resolve() in log
