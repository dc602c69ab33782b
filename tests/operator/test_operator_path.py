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

"""The operator's path of the documentation, run as written.

The commands are read out of the pages of doc/source/ (the code block after
each ``.. operator-path: NAME`` comment: the installation guide, upgrade
and rollback), so the documentation cannot drift from what this test
runs: ``build`` and ``install`` (shell, with ``$KEYSTONE_VENV`` and
``$KEYSTONE_CONF`` set), ``db_sync`` and ``upgrade`` (shell),
``keystone.conf`` (the lines merged into keystone.conf), ``uwsgi`` and
``uwsgi-rollback`` (the WSGI module uwsgi serves), ``uninstall`` (shell)
and ``drop-tables`` (SQL). Rollback step 1 is prose (remove three
settings); the test does what it says.

The Keystone is stock, in a new virtualenv of its own, on a fresh MariaDB
database, served by uwsgi: 30.0.0 (2026.2, installed with constraints.txt,
which stands in for OpenStack's 2026.2 upper-constraints) and, with
KTC_OPERATOR_RELEASES="2026.2 2024.1", also the oldest supported release,
25.0.0, installed with a stand-in for 2024.1's upper-constraints: Keystone
and this package's requirements resolved as the package index stood then
(``uv pip compile --exclude-newer``, tests/releases/venvs.py). Users
and their states are made through Keystone's and the plugin's APIs. The
tests run in order, each on the state the previous one left. One state
cannot be reached through any API: the previous release's schema, which
``test_upgrade_keeps_everything`` makes by undoing the newest migration in
SQL. Skipped unless KTC_OPERATOR=1 (``make test-operator``); needs MariaDB
on 127.0.0.1 and the package index (or pip's cache). About 3 minutes a
release.
"""

import configparser
import dataclasses
import os
import pathlib
import re
import shutil
import subprocess
import sys

import pytest
import sqlalchemy

import local_keystone  # tools/, put on sys.path by tests/conftest.py

from keystone_totp_concat.db import migration
from tests import cloud as c
from tests import databases
from tests.functional.test_routes_around_password import ec2_login
from tests.releases import venvs
from tests.totp_api import base
from tests.totp_api import begin
from tests.totp_api import call
from tests.totp_api import confirm
from tests.totp_api import refused_login
from tests.totp_api import status
from tests.totp_api import token_of

pytestmark = pytest.mark.skipif(
    os.environ.get('KTC_OPERATOR') != '1',
    reason='the operator path: run `make test-operator`')

ROOT = pathlib.Path(__file__).resolve().parents[2]
DOCS = ROOT / 'doc' / 'source'
RELEASES = os.environ.get('KTC_OPERATOR_RELEASES', venvs.NEWEST).split()
# Releases before 2025.1 serve Keystone through its keystone-wsgi-public
# script; the documented block names it by an example path.
EXAMPLE_VENV = '/path/to/keystone-venv'
# The operator's own choices, beside the documented lines: cheap bcrypt,
# a window of ten steps so that a code stays usable across a reinstall
# (replay records), and an hour's lockout that outlasts the test.
OVERRIDES = {
    'identity': {'password_hash_rounds': 4},
    'totp_concat': {'steps_before': 10, 'lockout_duration': 3600},
}
MAX_FAILURES = 10
# Three migrations back: the proofs' throttle, the login indexes and the
# requirements undone.
PREVIOUS_REVISION = '9d4e1f7a2b35'
UNDO_NEWER_MIGRATIONS = (
    'DROP TABLE totp_concat_requirement',
    'DROP TABLE totp_concat_required_since',
    'DROP INDEX ix_totp_concat_credential_user_type ON credential',
    'DROP INDEX ix_totp_concat_pending_expires_at ON totp_concat_pending',
    'DROP TABLE totp_concat_proof_throttle',
    'ALTER TABLE totp_concat_throttle DROP COLUMN refused',
)
OUR_TABLES = re.compile(r'^totp_concat_')
# The index db_sync adds to Keystone's credential table.
CREDENTIAL_INDEX = 'ix_totp_concat_credential_user_type'
# A marked block: the comment, a blank line, the code-block directive at
# the same indentation, a blank line, and the block's lines indented deeper.
MARKER = re.compile(r'^( *)\.\. operator-path: ([\w.-]+)\n\n'
                    r'\1\.\. code-block:: (\w+)\n\n'
                    r'((?:\1 +\S.*\n|\n)+)', re.M)


def documented():
    """{name: (language, text)} of the marked blocks of doc/source/."""
    blocks = {}
    for page in sorted(DOCS.rglob('*.rst')):
        for _, name, lang, body in MARKER.findall(page.read_text()):
            assert name not in blocks, 'two blocks named %s' % name
            lines = body.rstrip('\n').splitlines()
            indent = min(len(x) - len(x.lstrip()) for x in lines if x.strip())
            blocks[name] = (lang, '\n'.join(x[indent:] for x in lines))
    return blocks


BLOCKS = documented()


def run(*args, **kwargs):
    result = subprocess.run([str(a) for a in args], capture_output=True,
                            text=True, timeout=600, **kwargs)
    assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]
    return result.stdout


@dataclasses.dataclass
class Path:
    """The cloud and what the tests remember between steps."""

    work: pathlib.Path
    venv: pathlib.Path
    node: local_keystone.LocalKeystone
    database: str
    series: str
    schema: dict = dataclasses.field(default=None, repr=False)
    cloud: c.Cloud = None
    # Never in a report: they hold passwords, codes and secrets.
    users: dict = dataclasses.field(default_factory=dict, repr=False)
    memo: dict = dataclasses.field(default_factory=dict, repr=False)

    def shell(self, name, cwd=None, **env):
        """Run the documented shell block ``name`` under bash -e."""
        lang, script = BLOCKS[name]
        assert lang == 'sh', name
        clean = {k: v for k, v in os.environ.items()
                 if k not in ('PYTHONPATH', 'VIRTUAL_ENV', 'PIP_CONSTRAINT')}
        clean.update(KEYSTONE_VENV=str(self.venv),
                     KEYSTONE_CONF=str(self.node.conf_file), **env)
        return run('bash', '-euo', 'pipefail', '-c', script,
                   cwd=cwd or self.work, env=clean)

    def restart(self):
        self.node.stop()
        self.node.write_config()
        self.node.start(processes=1)

    def sql(self, statement, **params):
        engine = sqlalchemy.create_engine(self.database)
        try:
            with engine.begin() as conn:
                result = conn.execute(sqlalchemy.text(statement), params)
                return result.fetchall() if result.returns_rows else None
        finally:
            engine.dispose()

    def tables(self):
        return {row[0] for row in self.sql('SHOW TABLES')}

    def documented_wsgi(self, name):
        """The module, or this venv's script, of a documented uwsgi line."""
        lang, text = BLOCKS[name]
        assert lang == 'ini', name
        (line,) = text.splitlines()
        key, value = (x.strip() for x in line.split('=', 1))
        assert key in ('module', 'wsgi-file'), line
        if key == 'wsgi-file':
            assert value.startswith(EXAMPLE_VENV + '/'), value
            value = str(self.venv) + value[len(EXAMPLE_VENV):]
        return value


def keystone_schema(path):
    """SHOW CREATE TABLE of each of Keystone's tables.

    Without AUTO_INCREMENT counters (rows, not schema).
    """
    schema = {}
    for table in sorted(path.tables()):
        if OUR_TABLES.match(table):
            continue
        (row,) = path.sql('SHOW CREATE TABLE `%s`' % table)
        schema[table] = re.sub(r' AUTO_INCREMENT=\d+', '', row[1])
    return schema


def mariadb_statements(sql):
    """The statements of a documented SQL block that are for MariaDB.

    A ``-- ...:`` comment line names the databases of the statements after
    it; those for others (``-- PostgreSQL, SQLite:``) are left out.
    """
    statements, current, ours = [], [], True
    for line in sql.splitlines():
        if line.startswith('--'):
            ours = 'MariaDB' in line or 'MySQL' in line
        elif ours and line.strip():
            current.append(line)
            if line.rstrip().endswith(';'):
                statements.append('\n'.join(current).rstrip(';'))
                current = []
    assert not current, current
    return statements


def stock_block(series):
    """The documented uwsgi line of a release's own WSGI application."""
    if series < '2025.1':
        return 'uwsgi-rollback-before-2025.1'
    return 'uwsgi-rollback'


def upper_constraints(release, work):
    """A stand-in for the release's upper-constraints.txt.

    constraints.txt for the newest; for an older one, Keystone and this
    package's requirements as the package index stood then.
    """
    target = work / 'upper-constraints.txt'
    if release.series == venvs.NEWEST:
        shutil.copy(ROOT / 'constraints.txt', target)
        return target
    setup = configparser.RawConfigParser()
    setup.read(ROOT / 'setup.cfg')
    wanted = ['keystone==%s' % release.keystone, 'PyMySQL', *release.extra]
    wanted += [x for x in setup['extras']['server'].split()
               if not x.startswith('keystone')]
    lines = (ROOT / 'requirements.txt').read_text().splitlines()
    wanted += [x for x in lines if x and not x.startswith('#')]
    (work / 'wanted.txt').write_text('\n'.join(wanted) + '\n')
    uv = pathlib.Path(sys.executable).parent / 'uv'
    run(uv, 'pip', 'compile', '--quiet', '--no-header', '--no-annotate',
        '--python', sys.executable, '--exclude-newer', release.exclude_newer,
        work / 'wanted.txt', '-o', target)
    return target


@pytest.fixture(scope='module', params=RELEASES)
def path(request, tmp_path_factory):
    """A stock Keystone in a virtualenv of its own, on MariaDB."""
    release = venvs.RELEASES[request.param]
    work = tmp_path_factory.mktemp('operator-' + release.series)
    venv = work / 'keystone-venv'
    run(sys.executable, '-m', 'venv', venv)
    constraints = upper_constraints(release, work)
    run(venv / 'bin/pip', 'install', '--quiet', '-c', constraints,
        'keystone==%s' % release.keystone, 'PyMySQL', cwd=work)
    with databases.fresh_database('mysql') as database:
        node = local_keystone.LocalKeystone(
            work / 'keystone', local_keystone.free_port(),
            overrides=dict(OVERRIDES), database=database, venv=venv,
            plugin_conf=None)
        state = Path(work, venv, node, database, release.series)
        node.wsgi_module = state.documented_wsgi(stock_block(release.series))
        node.setup(plugin_tables=False)
        state.schema = keystone_schema(state)
        try:
            yield state
        finally:
            node.stop()


def enable(path, user, label):
    """Turn 2FA on through the OS-TOTP API; the recovery codes."""
    token = token_of(path.cloud, user)
    secret = begin(path.cloud, token, user, label=label)['secret']
    r = confirm(path.cloud, token, user, c.code_for(secret))
    assert r.status_code == 201, r.text
    user.secrets.append(secret)
    return r.json()['recovery_codes']


def login(path, user, suffix=''):
    return path.cloud.login_as(user, user.password + suffix)


def plugin_importable(path):
    return subprocess.run(
        [str(path.venv / 'bin/python'), '-c', 'import keystone_totp_concat'],
        capture_output=True, cwd='/').returncode == 0


# -- Install and enable --

def test_install_the_wheel_as_documented(path):
    path.shell('build', cwd=ROOT, DIST_DIR=str(path.work / 'dist'))
    before = run(path.venv / 'bin/pip', 'freeze', '--all')
    path.shell('install')
    after = run(path.venv / 'bin/pip', 'freeze', '--all')
    # Nothing Keystone had changed version; the plugin (freeze names it by
    # the wheel's path) and its new dependencies were added.
    assert set(before.splitlines()) <= set(after.splitlines())
    assert 'keystone_totp_concat-1.0.0-py3-none-any.whl' in after
    assert plugin_importable(path)


def test_db_sync_creates_the_tables(path):
    out = path.shell('db_sync')
    head = migration.head_revision()
    assert out.splitlines()[-1] == head
    assert {t for t in path.tables() if OUR_TABLES.match(t)} == {
        'totp_concat_last_use', 'totp_concat_throttle',
        'totp_concat_proof_throttle', 'totp_concat_pending',
        'totp_concat_device', 'totp_concat_recovery_code',
        'totp_concat_requirement', 'totp_concat_required_since',
        'totp_concat_alembic_version'}
    assert CREDENTIAL_INDEX in {
        row[2] for row in path.sql('SHOW INDEX FROM credential')}


def configure(path):
    """The documented keystone.conf lines and WSGI module, a restart."""
    conf = configparser.RawConfigParser()
    conf.read_string(BLOCKS['keystone.conf'][1])
    # "Your current list, plus totp": the release's own methods of the
    # documented list (Keystone 30's), then totp.
    listed = conf['auth']['methods'].split(',')
    assert listed[-1] == 'totp'
    conf['auth']['methods'] = ','.join(
        venvs.auth_methods(path.venv, listed[:-1]) + ['totp'])
    for section in conf.sections():
        path.node.overrides.setdefault(section, {}).update(conf[section])
    path.node.wsgi_module = path.documented_wsgi('uwsgi')
    assert path.node.wsgi_module == 'keystone_totp_concat.wsgi:application'
    path.restart()


def test_configure_and_switch_the_wsgi_module(path):
    configure(path)
    path.cloud = c.Cloud(path.node, local_keystone.ADMIN_PASSWORD)
    # Keystone answers through the plugin's application.
    r = path.cloud.http.get(path.cloud.url + '/users/x/OS-TOTP')
    assert r.status_code == 401, r.text


def test_enrol_log_in_and_the_others_unchanged(path):
    cloud = path.cloud
    alice, bob, carol, erin, frank = (cloud.create_user() for _ in range(5))
    path.users.update(alice=alice, bob=bob, carol=carol, erin=erin,
                      frank=frank)
    path.memo['recovery'] = enable(path, alice, 'phone')
    assert refused_login(login(path, alice))
    # The code of the next step: confirming used the current one.
    assert login(path, alice, alice.code(offset_steps=1)).status_code == 201
    # bob never enrols: the password alone, and his EC2 credential.
    assert login(path, bob).status_code == 201
    r = call(token_of(cloud, bob), 'POST', '%s/users/%s/credentials/OS-EC2'
             % (cloud.url, bob.id), json={'tenant_id': bob.project_id})
    assert r.status_code == 201, r.text
    path.memo['ec2'] = r.json()['credential']
    assert ec2_login(cloud, path.memo['ec2']['access'],
                     path.memo['ec2']['secret']).status_code == 200
    # carol has begun an enrolment and not confirmed it.
    path.memo['carol_token'] = token_of(cloud, carol)
    path.memo['carol_secret'] = begin(cloud, path.memo['carol_token'], carol,
                                      label='tablet')['secret']
    # erin's code checks are locked: MAX_FAILURES wrong codes.
    enable(path, erin, 'erin')
    wrong = c.wrong_code(*erin.secrets)
    for _ in range(MAX_FAILURES):
        assert refused_login(login(path, erin, wrong))
    assert refused_login(login(path, erin, erin.code(offset_steps=1)))


def test_admin_reset(path):
    frank = path.users['frank']
    enable(path, frank, 'lost phone')
    assert refused_login(login(path, frank))
    r = call(path.cloud.admin.get_token(), 'DELETE', base(path.cloud, frank))
    assert r.status_code == 204, r.text
    assert login(path, frank).status_code == 201


# -- Upgrade --

def remembered(path):
    """What the upgrade and a re-enable keep, as the admin sees it."""
    alice, carol, erin = (path.users[n] for n in ('alice', 'carol', 'erin'))
    admin = path.cloud.admin.get_token()
    a, ca = status(path.cloud, alice, admin), status(path.cloud, carol, admin)
    return {
        'labels': [d['label'] for d in a['devices']],
        'recovery': a['recovery_codes']['remaining'],
        'pending': ca['pending_enrolment'],
        'throttle': path.sql(
            'SELECT failures, lockouts, locked_until FROM '
            'totp_concat_throttle WHERE user_id = :u', u=erin.id),
    }


def use_a_code(path):
    """A new user logs in with a code, remembered to be replayed.

    A user of their own each time: a device's codes are used at most one
    per step, and the steps of a few minutes would not do for alice.
    """
    user = path.cloud.create_user(devices=1)
    code = user.code()
    assert login(path, user, code).status_code == 201
    path.memo['used'] = user, code


def replay(path):
    user, code = path.memo['used']
    return login(path, user, code)


def test_upgrade_keeps_everything(path):
    """From the previous release's schema, by the documented command."""
    use_a_code(path)
    kept = remembered(path)
    assert kept['labels'] == ['phone'] and kept['recovery'] == 10
    assert kept['pending']['label'] == 'tablet' and kept['throttle']
    path.node.stop()
    # The previous release's schema: the newest migration undone.
    for statement in UNDO_NEWER_MIGRATIONS:
        path.sql(statement)
    path.sql('UPDATE totp_concat_alembic_version SET version_num = :v',
             v=PREVIOUS_REVISION)
    path.shell('upgrade')
    assert path.shell('db_sync').splitlines()[-1] == (
        migration.head_revision())
    path.restart()
    assert remembered(path) == kept
    erin = path.users['erin']
    # Replay records: the code used before is refused.
    assert refused_login(replay(path))
    # A locked user stays locked.
    assert refused_login(login(path, erin, erin.code(offset_steps=1)))


# -- Roll back, keep the tables, enable again --

def roll_back_configuration(path):
    """Rollback steps 1 to 3: keystone.conf, the WSGI module, a restart."""
    auth = path.node.overrides['auth']
    del auth['password'], auth['totp']
    auth['methods'] = ','.join(
        m for m in auth['methods'].split(',') if m != 'totp')
    path.node.wsgi_module = path.documented_wsgi(stock_block(path.series))
    path.restart()


def test_rollback_gives_the_password_alone_back(path):
    alice, bob = path.users['alice'], path.users['bob']
    use_a_code(path)
    roll_back_configuration(path)
    assert login(path, alice).status_code == 201
    r = login(path, alice, alice.code())
    assert r.status_code == 401 and not refused_login(r)
    assert login(path, bob).status_code == 201
    assert ec2_login(path.cloud, path.memo['ec2']['access'],
                     path.memo['ec2']['secret']).status_code == 200
    # The devices stayed in Keystone's credential table.
    creds = path.cloud.api('GET', '/credentials?user_id=%s&type=totp'
                           % alice.id).json()['credentials']
    assert len(creds) == 1


def test_re_enable_with_the_tables_kept(path):
    kept = remembered_sql(path)
    configure(path)
    assert remembered_sql(path) == kept
    alice, carol, erin = (path.users[n] for n in ('alice', 'carol', 'erin'))
    assert refused_login(login(path, alice))
    assert refused_login(replay(path))
    assert refused_login(login(path, erin, erin.code(offset_steps=1)))
    # An unused recovery code works again.
    recovery = path.memo['recovery']
    assert login(path, alice, recovery[0]).status_code == 201
    assert status(path.cloud, alice)['recovery_codes']['remaining'] == 9
    # The pending enrolment can be confirmed.
    r = confirm(path.cloud, path.memo['carol_token'], carol,
                c.code_for(path.memo['carol_secret']))
    assert r.status_code == 201, r.text
    assert r.json()['device']['label'] == 'tablet'


def remembered_sql(path):
    """The rows of this package's tables (the API is off during rollback)."""
    return {t: sorted(path.sql('SELECT * FROM %s' % t))
            for t in ('totp_concat_device', 'totp_concat_pending',
                      'totp_concat_recovery_code', 'totp_concat_throttle',
                      'totp_concat_last_use')}


# -- Roll back all the way: uninstall, drop the tables; enable again --

def test_full_rollback_leaves_keystones_schema_as_it_was(path):
    use_a_code(path)
    dave = path.users['dave'] = path.cloud.create_user()
    begin(path.cloud, token_of(path.cloud, dave), dave)
    roll_back_configuration(path)
    path.node.stop()
    path.shell('uninstall')
    assert not plugin_importable(path)
    lang, sql = BLOCKS['drop-tables']
    assert lang == 'sql'
    for statement in mariadb_statements(sql):
        path.sql(statement)
    assert not {t for t in path.tables() if OUR_TABLES.match(t)}
    assert keystone_schema(path) == path.schema
    path.node.start(processes=1)
    alice, bob = path.users['alice'], path.users['bob']
    assert login(path, alice).status_code == 201
    assert login(path, bob).status_code == 201


def test_re_enable_after_the_drop(path):
    path.shell('install')
    path.shell('db_sync')
    configure(path)
    alice, dave, erin = (path.users[n] for n in ('alice', 'dave', 'erin'))
    # Devices: still enrolled (Keystone's credentials), labels gone.
    assert refused_login(login(path, alice))
    assert [d['label'] for d in status(path.cloud, alice)['devices']] == [
        None]
    # Replay records gone: the code used before the rollback works once
    # more while in the window, then is refused again.
    assert replay(path).status_code == 201
    assert refused_login(replay(path))
    # Recovery codes gone.
    assert refused_login(login(path, alice, path.memo['recovery'][1]))
    assert status(path.cloud, alice)['recovery_codes']['remaining'] == 0
    # Pending enrolment gone; throttle cleared.
    assert status(path.cloud, dave)['pending_enrolment'] is None
    assert login(path, erin, erin.code()).status_code == 201


def test_db_sync_completes_a_partial_drop(path):
    """MariaDB commits each DROP: a rollback may stop half way."""
    kept = path.sql('SELECT * FROM totp_concat_throttle')
    path.sql('DROP TABLE totp_concat_recovery_code')
    path.sql('DROP TABLE totp_concat_alembic_version')
    assert path.shell('db_sync').splitlines()[-1] == (
        migration.head_revision())
    assert 'totp_concat_recovery_code' in path.tables()
    assert path.sql('SELECT * FROM totp_concat_throttle') == kept
