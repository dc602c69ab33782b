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

"""A private OpenLDAP server with a lockout policy, for an LDAP domain.

``slapd`` (Debian's ``slapd``, ``make ldap-packages``) runs from a
slapd.conf in a temporary directory on a free loopback port, with an MDB
database under ``SUFFIX`` (``ou=Users``, ``ou=Groups``) and the ``ppolicy``
overlay: a default policy that locks an account after ``MAX_FAILURE`` failed
binds, as a directory of a real deployment would. The helpers add users and
read what the policy recorded of them, so that a test can see every bind
Keystone made with a wrong password.
"""

import configparser
import os
import pathlib
import re
import secrets
import signal
import subprocess
import time

import local_keystone  # tools/, put on sys.path by tests/conftest.py

try:
    import ldap
    import ldap.controls.simple
    import ldap.modlist
except ImportError:  # the skip reason of available() says what to install
    ldap = None

SUFFIX = 'dc=ktc,dc=test'
ROOT_DN = 'cn=admin,' + SUFFIX
USERS_DN = 'ou=Users,' + SUFFIX
GROUPS_DN = 'ou=Groups,' + SUFFIX
POLICY_DN = 'cn=default,ou=Policies,' + SUFFIX
# The policy: 5 failed binds lock the account for 5 minutes; failures never
# expire on their own, and each one up to the lock is recorded (up to 100).
# A locked account records no more: its binds fail unrecorded, which only
# slapd's log still shows (LdapServer.failed_binds).
MAX_FAILURE = 5
LOCKOUT_DURATION = 300
MAX_RECORDED_FAILURE = 100

SLAPD = '/usr/sbin/slapd'
SCHEMA_DIR = pathlib.Path('/etc/ldap/schema')
MODULE_DIR = pathlib.Path('/usr/lib/ldap')

SLAPD_CONF = """\
include {schema}/core.schema
include {schema}/cosine.schema
include {schema}/inetorgperson.schema
include {schema}/nis.schema
modulepath {modules}
moduleload back_mdb
moduleload ppolicy
pidfile {workdir}/slapd.pid
argsfile {workdir}/slapd.args

database mdb
maxsize 67108864
suffix "{suffix}"
rootdn "{root_dn}"
rootpw {root_password}
directory {workdir}/data
index objectClass eq
index cn,sn,uid eq

overlay ppolicy
ppolicy_default "{policy_dn}"
"""


# slapd's "stats" log: one line per step of an operation, keyed by
# "conn=N op=M"; a bind request names its DN and method, its result the code.
_LOG_LINE = re.compile(r' (conn=\d+ op=\d+) (.*)$')
_BIND = re.compile(r'BIND dn="([^"]*)" method=')
_BIND_RESULT = re.compile(r'RESULT tag=97 err=(\d+)')


def available():
    """None when the server can run here, else why not (a skip reason)."""
    missing = [str(p) for p in (pathlib.Path(SLAPD),
                                MODULE_DIR / 'ppolicy.so',
                                SCHEMA_DIR / 'inetorgperson.schema')
               if not p.exists()]
    if missing:
        return ('slapd with ppolicy is not installed (%s missing): '
                'make ldap-packages' % ', '.join(missing))
    if ldap is None:
        return 'python-ldap is not installed: make test-ldap'
    return None


class LdapServer:
    """One slapd process and its directory, rooted in ``workdir``."""

    def __init__(self, workdir):
        self.workdir = pathlib.Path(workdir).resolve()
        self.port = local_keystone.free_port()
        self.url = 'ldap://127.0.0.1:%d' % self.port
        # Made here, kept in the config file of the temporary directory only.
        self.root_password = secrets.token_hex(16)
        self.log_file = self.workdir / 'slapd.log'
        self.process = None

    def start(self, timeout=30):
        """Write the config, start slapd, wait for it, load the tree."""
        (self.workdir / 'data').mkdir(parents=True, exist_ok=True)
        conf = self.workdir / 'slapd.conf'
        conf.write_text(SLAPD_CONF.format(
            schema=SCHEMA_DIR, modules=MODULE_DIR, workdir=self.workdir,
            suffix=SUFFIX, root_dn=ROOT_DN, root_password=self.root_password,
            policy_dn=POLICY_DN))
        # -d keeps slapd in the foreground, so it is our child and stops
        # with us; "stats" logs each operation (never a password).
        with open(self.log_file, 'ab') as log:
            self.process = subprocess.Popen(
                [SLAPD, '-f', str(conf), '-h', self.url + '/', '-d', 'stats'],
                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                start_new_session=True)
        self._wait_ready(timeout)
        self._load_tree()
        return self

    def _wait_ready(self, timeout):
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise RuntimeError('slapd exited with %s; see %s' % (
                    self.process.returncode, self.log_file))
            try:
                self.admin().unbind_s()
                return
            except ldap.SERVER_DOWN:
                if time.monotonic() > deadline:
                    raise RuntimeError('slapd did not answer on %s; see %s' % (
                        self.url, self.log_file))
                time.sleep(0.05)

    def stop(self):
        """Stop slapd (SIGTERM, then SIGKILL) and wait for it."""
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def admin(self):
        """A connection bound as the directory's root (no policy applies)."""
        conn = ldap.initialize(self.url)
        conn.set_option(ldap.OPT_NETWORK_TIMEOUT, 2)
        conn.set_option(ldap.OPT_TIMEOUT, 10)
        conn.simple_bind_s(ROOT_DN, self.root_password)
        return conn

    def _add(self, conn, dn, attrs):
        conn.add_s(dn, ldap.modlist.addModlist({
            k: [v.encode() for v in (vs if isinstance(vs, list) else [vs])]
            for k, vs in attrs.items()}))

    def _load_tree(self):
        conn = self.admin()
        try:
            self._add(conn, SUFFIX, {
                'objectClass': ['dcObject', 'organization'],
                'dc': 'ktc', 'o': 'keystone-totp-concat tests'})
            for ou in ('Users', 'Groups', 'Policies'):
                self._add(conn, 'ou=%s,%s' % (ou, SUFFIX), {
                    'objectClass': 'organizationalUnit', 'ou': ou})
            self._add(conn, POLICY_DN, {
                'objectClass': ['pwdPolicy', 'organizationalRole'],
                'cn': 'default',
                'pwdAttribute': 'userPassword',
                'pwdLockout': 'TRUE',
                'pwdMaxFailure': str(MAX_FAILURE),
                'pwdMaxRecordedFailure': str(MAX_RECORDED_FAILURE),
                'pwdLockoutDuration': str(LOCKOUT_DURATION),
                'pwdFailureCountInterval': '0',
            })
        finally:
            conn.unbind_s()

    def user_dn(self, name):
        return 'cn=%s,%s' % (name, USERS_DN)

    def add_user(self, name, password):
        """An inetOrgPerson ``cn=name`` in ou=Users with ``password``."""
        conn = self.admin()
        try:
            self._add(conn, self.user_dn(name), {
                'objectClass': ['inetOrgPerson'],
                'cn': name, 'sn': name, 'uid': name,
                'userPassword': password,
            })
        finally:
            conn.unbind_s()

    def policy_state(self, name):
        """What ppolicy recorded of the user: failure times and lock time."""
        conn = self.admin()
        try:
            [(_, attrs)] = conn.search_s(
                self.user_dn(name), ldap.SCOPE_BASE, '(objectClass=*)',
                ['pwdFailureTime', 'pwdAccountLockedTime'])
        finally:
            conn.unbind_s()
        return {
            'failures': [v.decode() for v in attrs.get('pwdFailureTime', [])],
            'locked_at': next(
                (v.decode() for v in attrs.get('pwdAccountLockedTime', [])),
                None),
        }

    def failures(self, name):
        """How many failed binds ppolicy recorded (at most MAX_FAILURE)."""
        return len(self.policy_state(name)['failures'])

    def is_locked(self, name):
        return self.policy_state(name)['locked_at'] is not None

    def bind_results(self, name, timeout=5):
        """The result code of each bind as the user so far, in order.

        0 is a success, 49 invalid credentials (a wrong password, or any
        password while the account is locked). Read from slapd's stats log,
        so it counts the binds a lock no longer records as failures. A
        result may be logged just after the client got it: wait until every
        logged bind has its result.
        """
        deadline = time.monotonic() + timeout
        while True:
            requests, results = self._parse_binds(self.user_dn(name))
            if set(requests) <= set(results) or time.monotonic() > deadline:
                return [results.get(op) for op in requests]
            time.sleep(0.02)

    def failed_binds(self, name):
        """How many binds as the user slapd refused so far."""
        return sum(r not in (0, None) for r in self.bind_results(name))

    def _parse_binds(self, dn):
        requests, results = [], {}
        with open(self.log_file, errors='replace') as log:
            for line in log:
                match = _LOG_LINE.search(line)
                if match is None:
                    continue
                op, rest = match.groups()
                bind = _BIND.match(rest)
                if bind and bind.group(1).lower() == dn.lower():
                    requests.append(op)
                result = _BIND_RESULT.match(rest)
                if result:
                    results[op] = int(result.group(1))
        return requests, results

    def unlock(self, name):
        """Clear the user's lock and recorded failures.

        Both are operational attributes: the root may delete them only
        with the Relax Rules control.
        """
        state = self.policy_state(name)
        mods = [(ldap.MOD_DELETE, attr, None) for attr, value in (
            ('pwdAccountLockedTime', state['locked_at']),
            ('pwdFailureTime', state['failures'])) if value]
        if not mods:
            return
        conn = self.admin()
        try:
            conn.modify_ext_s(self.user_dn(name), mods, serverctrls=[
                ldap.controls.simple.RelaxRulesControl()])
        finally:
            conn.unbind_s()

    def can_bind(self, name, password):
        """Whether the user can bind with ``password`` (counts a failure)."""
        conn = ldap.initialize(self.url)
        try:
            conn.simple_bind_s(self.user_dn(name), password)
            return True
        except ldap.INVALID_CREDENTIALS:
            return False
        finally:
            conn.unbind_s()


def write_domain_config(conf_dir, domain_name, server):
    """Write keystone.<domain_name>.conf: the domain's users are in LDAP.

    Keystone's read-only LDAP identity driver, searching as the directory's
    root and binding as the user's DN to check a password, as a deployment
    with an OpenLDAP directory is set up.
    """
    conf = configparser.RawConfigParser()
    conf['identity'] = {'driver': 'ldap'}
    conf['ldap'] = {
        'url': server.url,
        'user': ROOT_DN,
        'password': server.root_password,
        'suffix': SUFFIX,
        'query_scope': 'one',
        'user_tree_dn': USERS_DN,
        'user_objectclass': 'inetOrgPerson',
        'user_id_attribute': 'cn',
        'user_name_attribute': 'cn',
        'user_mail_attribute': 'mail',
        'user_pass_attribute': 'userPassword',
        'group_tree_dn': GROUPS_DN,
        'group_objectclass': 'groupOfNames',
        'group_id_attribute': 'cn',
        'group_name_attribute': 'cn',
        'group_member_attribute': 'member',
    }
    path = pathlib.Path(conf_dir) / ('keystone.%s.conf' % domain_name)
    with open(path, 'w') as f:
        conf.write(f)
    return path
