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

"""Every statement of a login, a refusal, an OS-TOTP call and a purge uses
an index, on MariaDB and PostgreSQL: a login's cost does not grow with the
cloud.

The statements are the package's own: its database functions run here, in
this process, on the suite's Keystone database (Keystone's tables and rows,
this package's migrations), with every statement they send captured and
then EXPLAINed with its own parameters. The login's read of Keystone's
``credential`` table is credentials._SELECT, run the same way; it must use
the index this package adds (db/keystone_indexes.py), not scan the table.

The tables get rows of other users first (removed after), so that a plan
is the one of a populated cloud. On PostgreSQL sequential scans are priced
out (``enable_seqscan = off``): a plan still without an index condition has
none it could use. SQLite has no such plan to assert on: skipped.
"""

import contextlib
import inspect
import json
import uuid

from keystone.common import sql
import keystone.conf
import pytest
import sqlalchemy as sa

from keystone_totp_concat.db import api
from keystone_totp_concat.db import enrolment
from keystone_totp_concat.db import keystone_indexes
from keystone_totp_concat.db import recovery
from keystone_totp_concat.db import requirements
from keystone_totp_concat.db import throttle as db_throttle
from keystone_totp_concat.server import credentials
from tests import databases

CONF = keystone.conf.CONF
pytestmark = pytest.mark.skipif(
    databases.selected() == 'sqlite',
    reason='asserts on MariaDB and PostgreSQL query plans: KTC_TEST_DB')

# Rows of other users in each table while the plans are made.
FILL = 2000
FILL_PREFIX = 'ktcplan'
# Fake times and time steps, far below real ones: the purges run here
# delete only this module's rows, never the replay records of the suite.
NOW = 1000
STEP = 100
FAR = 10 ** 10
# Functions that take a caller's session (or callables): exercised through
# the functions that call them.
INNER = {'insert_if_absent', 'upsert', 'use_code_in', 'count_check_in',
         'clear_throttle', 'reads_apart', 'current_row'}
MODULES = (api, db_throttle, enrolment, recovery, requirements)
# Read whole by design: the operator's rules, a handful of rows.
WHOLE_TABLES = {'totp_concat_requirement'}


@pytest.fixture(scope='module')
def package_db(keystone, cloud):
    """This process's enginefacade on the suite's database, tables filled."""
    sql.initialize()
    CONF.set_override('connection', keystone.database, group='database')
    sql.cleanup()
    fill(cloud.db)
    try:
        yield cloud.db
    finally:
        empty(cloud.db)
        sql.cleanup()
        CONF.clear_override('connection', group='database')


def fill(engine):
    """FILL rows of other users in the credential table and ours."""
    ids = ['%s%d' % (FILL_PREFIX, i) for i in range(FILL)]
    rows = {
        'credential': [dict(id=i, user_id=i, project_id=None, type='ec2',
                            extra='{}', key_hash='0' * 64,
                            encrypted_blob='x') for i in ids],
        'totp_concat_last_use': [
            dict(user_id=i, credential_id=i, step=FAR + n)
            for n, i in enumerate(ids)],
        'totp_concat_throttle': [dict(user_id=i, failures=1, lockouts=0,
                                      locked_until=0, refused=0) for i in ids],
        'totp_concat_proof_throttle': [dict(user_id=i, failures=1, lockouts=0,
                                            locked_until=0) for i in ids],
        'totp_concat_pending': [dict(
            user_id=i, encrypted_secret='x', key_hash='0' * 64, label=None,
            proved=False, created_at=FAR, expires_at=FAR + n)
            for n, i in enumerate(ids)],
        'totp_concat_device': [dict(credential_id=i, user_id=i, label=None,
                                    created_at=FAR, last_used_step=None)
                               for i in ids],
        'totp_concat_recovery_code': [
            dict(user_id=i, code_id='c', code_hash='x', created_at=FAR,
                 used_at=None) for i in ids],
    }
    metadata = sa.MetaData()
    with engine.begin() as conn:
        for name, values in rows.items():
            table = sa.Table(name, metadata, autoload_with=conn)
            conn.execute(sa.insert(table), values)
    analyze(engine, rows)


def analyze(engine, tables):
    """Fresh statistics, as a cloud that has had these rows for a while."""
    with engine.connect() as conn:
        if engine.dialect.name == 'mysql':
            conn.exec_driver_sql('ANALYZE TABLE %s' % ', '.join(tables))
        else:
            for name in tables:
                conn.exec_driver_sql('ANALYZE %s' % name)
        conn.commit()


def empty(engine):
    with engine.begin() as conn:
        for name in ('credential', 'totp_concat_last_use',
                     'totp_concat_throttle', 'totp_concat_proof_throttle',
                     'totp_concat_pending', 'totp_concat_device',
                     'totp_concat_recovery_code'):
            column = 'credential_id' if name == 'totp_concat_device' else (
                'id' if name == 'credential' else 'user_id')
            conn.execute(sa.text('DELETE FROM %s WHERE %s LIKE :p'
                                 % (name, column)), {'p': FILL_PREFIX + '%'})


@contextlib.contextmanager
def captured():
    """(statement, parameters) of what this process sends in the block."""
    with sql.session_for_read() as session:
        engine = session.get_bind()
    seen = []

    def record(conn, cursor, statement, parameters, context, many):
        if not many:
            seen.append((statement, parameters))

    sa.event.listen(engine, 'before_cursor_execute', record)
    try:
        yield seen
    finally:
        sa.event.remove(engine, 'before_cursor_execute', record)


def reads(statements):
    """The statements that look rows up: not INSERT ... VALUES, not DDL."""
    for statement, parameters in statements:
        words = statement.split()
        verb = words[0].upper()
        if verb in ('SELECT', 'UPDATE', 'DELETE') or (
                verb == 'INSERT' and 'SELECT' in statement.upper()):
            if words[1:2] != ['1']:  # the pool's ping
                yield statement, parameters


def login_read(session, user_id):
    """The read of a login's first transaction (credentials.read's SELECT).

    Decrypting the blobs needs Keystone's providers, which only a Keystone
    process has; the statement is the same.
    """
    return session.execute(credentials._SELECT, {'user_id': user_id}).all()


def exercise(user, cred):
    """Call each database function of the package; the names called."""
    called = set()

    def call(function, *args, **kwargs):
        called.add(function.__name__)
        return function(*args, **kwargs)

    lock = dict(max_failures=3, base=30, cap=600)
    # A login: its read and code in one transaction, then the usual paths.
    call(api.login_transaction, lambda s: login_read(s, user),
         lambda s, _: api.use_code_in(s, user, cred, STEP, NOW))
    call(api.use_code, user, cred, STEP + 1, NOW)
    call(api.record_use, user, cred, STEP + 2)
    call(api.release_use, user, cred, STEP + 2)
    # Refusals up to a lockout, a right code then, a wrong password.
    for _ in range(4):
        call(db_throttle.count_check, user, NOW, **lock)
    call(db_throttle.count_check, user, NOW, unproved=1, **lock)
    call(api.use_code, user, cred, STEP + 3, NOW)
    call(db_throttle.note_refusal, user)
    call(db_throttle.count_check, user, NOW,
         table=db_throttle.PROOF_THROTTLE, **lock)
    call(db_throttle.reset_throttle, user,
         (db_throttle.THROTTLE, db_throttle.PROOF_THROTTLE))
    # The OS-TOTP API and its purges.
    call(enrolment.put_pending, user, 'x', 'h', None, True, NOW - 10, NOW - 5)
    call(enrolment.get_pending, user)
    call(enrolment.take_pending, user, NOW - 10)
    call(enrolment.put_pending, user, 'x', 'h', None, True, NOW - 10, NOW - 5)
    call(enrolment.purge_expired_pending, NOW)
    call(enrolment.delete_pending, user)
    call(enrolment.add_device, cred, user, 'phone', NOW)
    call(enrolment.devices, user)
    call(api.purge_last_use, STEP + 10)
    call(enrolment.delete_devices, user, [cred])
    call(enrolment.delete_devices, user)
    call(enrolment.forget_device, cred)
    # Recovery codes.
    call(recovery.replace_set, user, {'abcd': 'hash'}, NOW)
    call(recovery.remaining, user)
    call(recovery.unused_hash, user, 'abcd')
    call(recovery.use, user, 'abcd', NOW)
    call(recovery.give_back, user, 'abcd', NOW)
    call(recovery.revoke, user)
    # Requirements and grace periods.
    call(requirements.put, 'user', user, NOW)
    call(requirements.rows)
    call(requirements.delete, 'user', user)
    call(requirements.start, user, NOW)
    call(requirements.starts, [user, cred])
    call(requirements.forget_start, user)
    return called


def mysql_scans(conn, statement, parameters):
    """EXPLAIN's rows that read a whole table or index; and every key."""
    rows = conn.exec_driver_sql('EXPLAIN ' + statement,
                                parameters).mappings().all()
    scans = [dict(r) for r in rows if r['type'] in ('ALL', 'index')]
    return scans, {(r['table'], r['key']) for r in rows if r['key']}


def postgresql_scans(conn, statement, parameters):
    """Plan nodes that read a whole table or index; and every index used."""
    conn.exec_driver_sql('SET enable_seqscan = off')
    plan = conn.exec_driver_sql('EXPLAIN (FORMAT JSON) ' + statement,
                                parameters).scalar()
    if isinstance(plan, str):
        plan = json.loads(plan)
    scans, keys = [], set()
    nodes = [plan[0]['Plan']]
    while nodes:
        node = nodes.pop()
        nodes.extend(node.get('Plans', []))
        kind = node['Node Type']
        if kind == 'Seq Scan' or ('Index Name' in node
                                  and 'Index Cond' not in node):
            scans.append({k: node.get(k) for k in (
                'Node Type', 'Relation Name', 'Index Name', 'Filter')})
        elif 'Index Name' in node:
            keys.add((node.get('Relation Name'), node['Index Name']))
    return scans, keys


def plan(engine, statement, parameters):
    explain = (mysql_scans if engine.dialect.name == 'mysql'
               else postgresql_scans)
    with engine.connect() as conn:
        try:
            return explain(conn, statement, parameters)
        finally:
            conn.rollback()


def test_the_login_reads_credentials_by_index(package_db, cloud):
    user = cloud.create_user(devices=1)
    with captured() as seen, sql.session_for_read() as session:
        assert len(login_read(session, user.id)) == 1
    [(statement, parameters)] = list(reads(seen))
    scans, keys = plan(package_db, statement, parameters)
    assert not scans, statement
    assert ('credential', keystone_indexes.NAME) in keys, (statement, keys)


def test_every_statement_of_the_package_uses_an_index(package_db):
    user, cred = uuid.uuid4().hex, uuid.uuid4().hex
    with captured() as seen:
        called = exercise(user, cred)
    statements = list(reads(seen))
    assert len(statements) > 20
    scanning = {}
    for statement, parameters in statements:
        scans, _ = plan(package_db, statement, parameters)
        scans = [s for s in scans if not WHOLE_TABLES.intersection(
            (s.get('table'), s.get('Relation Name')))]
        if scans:
            scanning[statement] = scans
    assert not scanning
    # A new database function must be added to exercise().
    public = {name for module in MODULES
              for name, f in inspect.getmembers(module, inspect.isfunction)
              if f.__module__ == module.__name__ and not name.startswith('_')}
    assert public - INNER == called
