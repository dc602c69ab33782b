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

"""A local Keystone with this plugin: SQLite, uwsgi, loopback only.

Used by ``make run`` (port 5000, in ``.run/``) and by the functional tests
(a free port in a temporary directory). It writes a keystone.conf, runs
``keystone-manage db_sync / fernet_setup / credential_setup / bootstrap`` and
``keystone-totp-manage db_sync``, and serves Keystone with uwsgi through
``keystone_totp_concat.wsgi:application`` (Keystone's API plus the
password-change guard), or ``keystone.wsgi.api:application`` for a stock node.
"""

import argparse
import configparser
import os
import pathlib
import random
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request

BIN = pathlib.Path(sys.executable).parent
ROOT = pathlib.Path(__file__).resolve().parent.parent
PLUGIN_CONF = ROOT / 'etc/keystone.conf.d/totp-concat.conf'
ADMIN_PASSWORD = 'admin-secret'
REGION = 'RegionOne'


# Ports for local servers come from below Linux's ephemeral range (32768 and
# up), so that no client connection takes one between its pick and the
# server's bind, in a block of their own for each pytest-xdist worker, so
# that two workers never pick the same; a random start in the block keeps
# two separate runs apart too.
FIRST_PORT = 20000
PORT_BLOCK = 1000
_ports = None


def _candidate_ports():
    worker = os.environ.get('PYTEST_XDIST_WORKER', 'gw0')
    first = FIRST_PORT + PORT_BLOCK * int(worker.lstrip('gw') or 0)
    start = random.randrange(PORT_BLOCK)
    while True:
        for offset in range(PORT_BLOCK):
            yield first + (start + offset) % PORT_BLOCK


def free_port():
    """A loopback port nobody listens on.

    Not handed out again by this process until its block has gone round.
    """
    global _ports
    if _ports is None:
        _ports = _candidate_ports()
    for port in _ports:
        with socket.socket() as s:
            try:
                s.bind(('127.0.0.1', port))
            except OSError:
                continue
            return port


class LocalKeystone:
    """One Keystone server process tree rooted in ``workdir``."""

    def __init__(self, workdir, port, overrides=None, database=None,
                 wsgi_module='keystone_totp_concat.wsgi:application',
                 venv=None, plugin_conf=PLUGIN_CONF):
        # Keystone and this package from ``venv`` (default: this Python's);
        # uwsgi is always this one's, pointed at that environment.
        self.home = pathlib.Path(venv).resolve() if venv else pathlib.Path(
            sys.prefix)
        self.bin = self.home / 'bin' if venv else BIN
        self.workdir = pathlib.Path(workdir).resolve()
        self.port = port
        self.url = 'http://127.0.0.1:%d/v3' % port
        self.database = database or 'sqlite:///%s' % (
            self.workdir / 'keystone.db')
        self.overrides = overrides or {}
        self.wsgi_module = wsgi_module
        # The snippet merged into keystone.conf; None for a stock Keystone.
        self.plugin_conf = plugin_conf
        self.conf_file = self.workdir / 'keystone.conf'
        self.log_file = self.workdir / 'keystone.log'
        self.process = None

    def log_offset(self):
        """The log's size: log_since(it) reads only what came after."""
        try:
            return self.log_file.stat().st_size
        except FileNotFoundError:
            return 0

    def log_since(self, offset):
        """The log written after log_offset() returned ``offset``.

        Keystone writes a request's lines before it answers, so a test's
        step finds all of its own lines here, and none of earlier steps.
        """
        with open(self.log_file, 'rb') as log:
            log.seek(offset)
            return log.read().decode('utf-8', errors='replace')

    def env(self):
        env = dict(os.environ)
        env['OS_KEYSTONE_CONFIG_FILES'] = str(self.conf_file)
        return env

    def write_config(self):
        conf = configparser.RawConfigParser()
        sections = {
            'DEFAULT': {'log_file': str(self.log_file), 'use_stderr': 'false'},
            'database': {'connection': self.database},
            'fernet_tokens': {
                'key_repository': str(self.workdir / 'fernet-keys')
            },
            'fernet_receipts': {
                'key_repository': str(self.workdir / 'fernet-receipt-keys')
            },
            'credential': {
                'key_repository': str(self.workdir / 'credential-keys')
            },
        }
        shipped = configparser.RawConfigParser()
        if self.plugin_conf:
            shipped.read(self.plugin_conf)
        for section in shipped.sections():
            sections.setdefault(section, {}).update(shipped[section])
        for section, values in self.overrides.items():
            sections.setdefault(section, {}).update(values)
        for section, values in sections.items():
            if section != 'DEFAULT':
                conf.add_section(section)
            for key, value in values.items():
                conf.set(section, key, str(value))
        with open(self.conf_file, 'w') as f:
            conf.write(f)

    def manage(self, *args, tool='keystone-manage'):
        subprocess.run(
            [str(self.bin / tool), '--config-file', str(self.conf_file),
             *args],
            check=True, env=self.env(), stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )

    def setup(self, bootstrap=True, plugin_tables=True):
        """Write the config and create database, keys and admin."""
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.write_config()
        self.manage('db_sync')
        if plugin_tables:
            self.manage('db_sync', tool='keystone-totp-manage')
        for keys in ('fernet_setup', 'receipt_setup', 'credential_setup'):
            self.manage(keys, '--keystone-user', str(os.getuid()),
                        '--keystone-group', str(os.getgid()))
        if bootstrap:
            self.manage(
                'bootstrap', '--bootstrap-password', ADMIN_PASSWORD,
                '--bootstrap-region-id', REGION,
                '--bootstrap-public-url', self.url,
            )

    def join(self, other):
        """Become another node of ``other``'s cloud: its database and keys."""
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.database = other.database
        self.write_config()
        for name in ('fernet-keys', 'fernet-receipt-keys', 'credential-keys'):
            target = self.workdir / name
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(other.workdir / name, target)

    def start(self, processes=2, timeout=60):
        # A path is a WSGI script (keystone-wsgi-public before 2025.1).
        wsgi = '--wsgi-file' if os.path.isabs(self.wsgi_module) else (
            '--module')
        cmd = [
            str(BIN / 'uwsgi'),
            '--http-socket', '127.0.0.1:%d' % self.port,
            wsgi, self.wsgi_module,
            '--home', str(self.home),
            '--master', '--processes', str(processes), '--threads', '1',
            '--lazy-apps', '--die-on-term', '--need-app',
            '--disable-logging', '--logto', str(self.workdir / 'uwsgi.log'),
            # --http-socket cannot keep connections alive; say so, or clients
            # reusing a pooled connection get "connection reset".
            '--add-header', 'Connection: close',
        ]
        # Run from the work dir: uwsgi puts its cwd on sys.path, and a stale
        # *.egg-info in a source checkout would hide the entry points.
        self.process = subprocess.Popen(cmd, env=self.env(), cwd=self.workdir,
                                        start_new_session=True)
        self.wait_ready(timeout)
        return self

    def wait_ready(self, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError('uwsgi exited; see %s' % self.workdir)
            try:
                with urllib.request.urlopen(self.url, timeout=2) as r:
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError('Keystone did not answer on %s' % self.url)

    def stop(self):
        """Stop uwsgi and wait until its port is free for a restart."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        deadline = time.monotonic() + 15
        while self.process and time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(('127.0.0.1', self.port)) != 0:
                    return
            time.sleep(0.1)


DEMO_HELP = """
Keystone with the totp_concat plugin is running on {url}
(config: {conf}, log: {log}). Ctrl-C stops it.
`make run-dashboard` in another shell starts Horizon with 2FA on it.

The admin is admin / {admin_password}; the demo user is demo /
{demo_password} in project demo. In another shell, as demo:

  source {venv}/bin/activate
  export OS_AUTH_URL={url} OS_IDENTITY_API_VERSION=3 \\
         OS_USERNAME=demo OS_PASSWORD={demo_password} OS_PROJECT_NAME=demo \\
         OS_USER_DOMAIN_NAME=Default OS_PROJECT_DOMAIN_NAME=Default

Enable Two Factor Authentication (scan the QR code with an authenticator
app, then type the 6-digit code it shows):

  keystone-totp enable

(Keystone makes the secret and stores it only once the code matched; the
same through the Identity API, /v3/users/{{user_id}}/OS-TOTP, is in the API
reference, doc/source/api/.)

From then on the code goes directly after the password, so the exported
OS_PASSWORD alone no longer logs demo in (keystone-totp: "Authentication
failed", exit 3).
Let the v3passwordtotp auth type ask for the password and the code, once
per token lifetime:

  unset OS_PASSWORD
  export OS_AUTH_TYPE=v3passwordtotp
  eval "$(keystone-totp login)"
  openstack token issue

or the raw Identity API (replace 123456 with the current code):

  curl -si {url}/auth/tokens -H 'Content-Type: application/json' -d '{{
    "auth": {{"identity": {{"methods": ["password"], "password": {{"user": {{
    "name": "demo", "domain": {{"id": "default"}},
    "password": "{demo_password}123456"}}}}}}}}}}'

Without a valid code the answer is 401 "Additional authentications steps
required.". The user guide, doc/source/user/enable.rst, has the details.

To try 2FA required by the operator, in a new shell as admin (the export
above with OS_USERNAME=admin OS_PASSWORD={admin_password}
OS_PROJECT_NAME=admin), before demo enables it:

  openstack two factor requirement set --user demo
  openstack two factor compliance list --domain Default

demo's logins with the password alone then answer with the end of the grace
period (Openstack-Totp-Required-By); after it, keystone-totp enable sets
2FA up without a token. See doc/source/admin/required.rst.
"""


def create_demo(keystone, password):
    """Create project and user ``demo`` (member of it) with openstack CLI."""
    env = keystone.env()
    env.update(OS_AUTH_URL=keystone.url, OS_IDENTITY_API_VERSION='3',
               OS_USERNAME='admin', OS_PASSWORD=ADMIN_PASSWORD,
               OS_PROJECT_NAME='admin', OS_USER_DOMAIN_NAME='Default',
               OS_PROJECT_DOMAIN_NAME='Default')
    openstack = str(BIN / 'openstack')
    for cmd in (
        ['project', 'create', '--or-show', 'demo'],
        ['user', 'create', '--or-show', '--password', password,
         '--project', 'demo', 'demo'],
        ['role', 'add', '--project', 'demo', '--user', 'demo', 'member'],
    ):
        subprocess.run([openstack, *cmd], env=env, check=True,
                       stdout=subprocess.DEVNULL)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--workdir', default='.run')
    parser.add_argument('--port', type=int, default=5000)
    parser.add_argument('--demo-password', default='demo-secret')
    args = parser.parse_args()

    # Ctrl-C, and a plain kill too, stop uwsgi (its own session) with us.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    keystone = LocalKeystone(args.workdir, args.port)
    keystone.setup()
    keystone.start()
    try:
        create_demo(keystone, args.demo_password)
        print(DEMO_HELP.format(
            url=keystone.url, conf=keystone.conf_file, log=keystone.log_file,
            admin_password=ADMIN_PASSWORD, demo_password=args.demo_password,
            venv=sys.prefix))
        sys.stdout.flush()
        keystone.process.wait()
    except KeyboardInterrupt:
        pass
    finally:
        keystone.stop()


if __name__ == '__main__':
    main()
