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

"""A real 3-node MariaDB Galera cluster on 127.0.0.1, for tests.

Each node has its own data dir (owned by ``mysql``, made by
``mariadb-install-db --no-defaults``), its own option file and four ports:
SQL, gcomm (``gmcast.listen_addr``), IST (``ist.recv_addr``) and SST
(``wsrep_sst_receive_address``, rsync). The first node bootstraps the
cluster (``--wsrep-new-cluster``); the others join it by a full state
transfer. Every wait is on a condition (a node Synced, a node out of the
primary component) with a deadline, never a fixed sleep.
"""

import os
import pathlib
import pwd
import shutil
import signal
import subprocess
import tempfile
import time

import sqlalchemy

import local_keystone  # tools/, put on sys.path by tests/conftest.py

PROVIDER = '/usr/lib/galera/libgalera_smm.so'
USER, PASSWORD = 'ktc', 'ktc-galera'
DATABASE = 'keystone'
# Failure detection a little quicker than Galera's defaults (5 s suspect,
# 15 s inactive), still far above any scheduling pause of a busy machine.
PROVIDER_OPTIONS = ('evs.keepalive_period=PT1S;evs.inactive_check_period=PT1S;'
                    'evs.suspect_timeout=PT4S;evs.inactive_timeout=PT8S;'
                    'evs.install_timeout=PT8S;gcache.size=32M;'
                    'pc.recovery=false')


def missing_tools():
    """What this machine lacks to run a cluster (empty: nothing)."""
    missing = [tool for tool in ('mariadbd', 'mariadb-install-db', 'rsync')
               if shutil.which(tool) is None
               and not pathlib.Path('/usr/sbin', tool).exists()]
    if not pathlib.Path(PROVIDER).exists():
        missing.append(PROVIDER)
    try:
        pwd.getpwnam('mysql')
    except KeyError:
        missing.append('the mysql user')
    if os.geteuid() != 0:
        missing.append('root (mariadbd runs as mysql)')
    return missing


class Node:
    def __init__(self, cluster, index):
        self.cluster = cluster
        self.index = index
        self.name = 'node%d' % (index + 1)
        self.dir = cluster.base / self.name
        self.datadir = self.dir / 'data'
        self.port, self.gcomm, self.ist, self.sst = (
            local_keystone.free_port() for _ in range(4))
        self.socket = self.dir / 'mysqld.sock'
        self.error_log = self.dir / 'error.log'
        self.process = None
        self._engine = None

    def url(self, port=None, database=DATABASE):
        return 'mysql+pymysql://%s:%s@127.0.0.1:%d/%s?charset=utf8mb4' % (
            USER, PASSWORD, port or self.port, database)

    def write_config(self, addresses):
        self.dir.mkdir(parents=True, exist_ok=True)
        options = {
            'datadir': self.datadir,
            'socket': self.socket,
            'pid-file': self.dir / 'mysqld.pid',
            'log-error': self.error_log,
            'port': self.port,
            'bind-address': '127.0.0.1',
            'user': 'mysql',
            'skip-name-resolve': 'ON',
            'performance_schema': 'OFF',
            'innodb_buffer_pool_size': '64M',
            'innodb_log_file_size': '32M',
            'max_connections': 200,
            'binlog_format': 'ROW',
            'default_storage_engine': 'InnoDB',
            'innodb_autoinc_lock_mode': 2,
            'wsrep_on': 'ON',
            'wsrep_provider': PROVIDER,
            'wsrep_cluster_name': self.cluster.name,
            'wsrep_cluster_address': 'gcomm://' + ','.join(addresses),
            'wsrep_node_name': self.name,
            'wsrep_node_address': '127.0.0.1:%d' % self.gcomm,
            'wsrep_provider_options': '"gmcast.listen_addr=tcp://127.0.0.1:'
                                      '%d;ist.recv_addr=127.0.0.1:%d;%s"' % (
                                          self.gcomm, self.ist,
                                          PROVIDER_OPTIONS),
            'wsrep_sst_method': 'rsync',
            'wsrep_sst_receive_address': '127.0.0.1:%d' % self.sst,
            'wsrep_slave_threads': 2,
        }
        lines = ['[mysqld]'] + ['%s = %s' % kv for kv in options.items()]
        (self.dir / 'my.cnf').write_text('\n'.join(lines) + '\n')

    def install(self):
        self.datadir.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            ['mariadb-install-db', '--no-defaults', '--user=mysql',
             '--datadir=%s' % self.datadir, '--skip-test-db',
             '--auth-root-authentication-method=socket'],
            check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def start(self, new_cluster=False):
        mysql = pwd.getpwnam('mysql')
        for path in (self.dir, self.datadir):
            path.mkdir(parents=True, exist_ok=True)
        subprocess.run(['chown', '-R', '%d:%d' % (mysql.pw_uid, mysql.pw_gid),
                        str(self.dir)], check=True)
        cmd = [shutil.which('mariadbd') or '/usr/sbin/mariadbd',
               '--defaults-file=%s' % (self.dir / 'my.cnf')]
        if new_cluster:
            cmd.append('--wsrep-new-cluster')
        self.process = subprocess.Popen(cmd, start_new_session=True,
                                        stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL)

    def status(self, name, timeout=5):
        """A wsrep status variable, by the unix socket as root."""
        out = subprocess.run(
            ['mariadb', '--no-defaults', '-S', str(self.socket), '-u', 'root',
             '-N', '-B', '-e', "SHOW STATUS LIKE '%s'" % name],
            capture_output=True, text=True, timeout=timeout)
        if out.returncode != 0:
            return None
        parts = out.stdout.split('\t')
        return parts[1].strip() if len(parts) == 2 else None

    def root_sql(self, statement):
        subprocess.run(
            ['mariadb', '--no-defaults', '-S', str(self.socket), '-u',
             'root', '-e', statement],
            check=True, capture_output=True, timeout=60)

    def wait_for(self, name, wanted, timeout, what=None):
        deadline = time.monotonic() + timeout
        value = None
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError('%s exited (%s); see %s' % (
                    self.name, self.process.returncode, self.error_log))
            value = self.status(name)
            if wanted(value):
                return value
            time.sleep(0.2)
        raise RuntimeError('%s: %s is %r after %d s, waiting for %s; see %s'
                           % (self.name, name, value, timeout,
                              what or 'a change', self.error_log))

    def wait_synced(self, timeout=120):
        self.wait_for('wsrep_local_state_comment', lambda v: v == 'Synced',
                      timeout, 'Synced')
        self.wait_for('wsrep_ready', lambda v: v == 'ON', timeout, 'ready')

    def wait_non_primary(self, timeout=60):
        self.wait_for('wsrep_cluster_status',
                      lambda v: v is not None and v != 'Primary', timeout,
                      'the node to leave the primary component')

    def engine(self):
        if self._engine is None:
            self._engine = sqlalchemy.create_engine(self.url(),
                                                    pool_pre_ping=True)
        return self._engine

    def sql(self, statement, **params):
        with self.engine().begin() as conn:
            result = conn.execute(sqlalchemy.text(statement), params)
            return result.fetchall() if result.returns_rows else None

    def kill(self):
        """SIGKILL: a crashed server, as a power cut would leave it."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)
        if self._engine is not None:
            self._engine.dispose()

    def stop(self):
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.kill()
        if self._engine is not None:
            self._engine.dispose()

    @property
    def alive(self):
        return self.process is not None and self.process.poll() is None


class GaleraCluster:
    """Three MariaDB nodes in one Galera cluster, in a temporary dir."""

    def __init__(self, size=3, keep=None):
        # Not under pytest's tmp dirs: mysql must be able to reach the dir.
        self.base = pathlib.Path(tempfile.mkdtemp(prefix='ktc-galera-'))
        self.base.chmod(0o755)
        self.name = 'ktc_' + self.base.name.rsplit('-', 1)[-1]
        self.keep = keep
        self.nodes = [Node(self, i) for i in range(size)]

    def start(self, timeout=180):
        addresses = ['127.0.0.1:%d' % n.gcomm for n in self.nodes]
        first = self.nodes[0]
        for node in self.nodes:
            node.write_config(addresses)
        first.install()
        first.start(new_cluster=True)
        first.wait_synced(timeout)
        first.root_sql(
            "CREATE DATABASE %(db)s CHARACTER SET utf8mb4; "
            "CREATE USER '%(user)s'@'127.0.0.1' IDENTIFIED BY '%(pw)s'; "
            "GRANT ALL PRIVILEGES ON *.* TO '%(user)s'@'127.0.0.1';"
            % {'db': DATABASE, 'user': USER, 'pw': PASSWORD})
        # Joiners one at a time: each gets a full copy by rsync (SST).
        for node in self.nodes[1:]:
            node.start()
            node.wait_synced(timeout)
        for node in self.nodes:
            node.wait_for('wsrep_cluster_size',
                          lambda v: v == str(len(self.nodes)), timeout,
                          'every node in the cluster')
        return self

    def stop(self, output_dir=None):
        for node in reversed(self.nodes):
            node.stop()
        if output_dir is not None:
            # The servers' logs, for a failed run.
            for node in self.nodes:
                if node.error_log.exists():
                    shutil.copy(node.error_log, pathlib.Path(output_dir) / (
                        'galera-%s.log' % node.name))
        shutil.rmtree(self.base, ignore_errors=True)
