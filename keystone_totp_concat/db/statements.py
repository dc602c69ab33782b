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

"""INSERT statements that meet a primary key without an error.

Each dialect's own statement (MySQL's ``INSERT IGNORE`` and ``ON DUPLICATE
KEY UPDATE``, PostgreSQL's and SQLite's ``ON CONFLICT``), so that
concurrent writers of the same row get an answer, not an exception.
"""

from oslo_db import exception as db_exception
import sqlalchemy as sa
from sqlalchemy.dialects import mysql
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects import sqlite


def insert_if_absent(session, table, **values):
    """INSERT a row unless its primary key exists; True if it was inserted.

    The primary key still lets exactly one of concurrent inserts through,
    but a duplicate is an answer (rowcount 0: ``INSERT IGNORE`` on MySQL,
    ``ON CONFLICT DO NOTHING`` on PostgreSQL and SQLite), not an error: on
    Galera, a duplicate met inside a transaction that a replicated write set
    then aborts fails again at its rollback, and oslo.db's enginefacade logs
    the dropped duplicate with a traceback at ERROR before the retry.
    """
    statement = skipping_duplicates(dialect_of(session), table)
    if statement is None:
        try:
            with session.begin_nested():
                session.execute(sa.insert(table).values(**values))
        except db_exception.DBDuplicateEntry:
            return False
        return True
    return session.execute(statement.values(**values)).rowcount == 1


def dialect_of(session):
    return session.get_bind().dialect.name


def skipping_duplicates(dialect, table):
    """An INSERT into ``table`` that skips a duplicate primary key.

    None for a dialect without such a statement.
    """
    if dialect == 'mysql':
        return mysql.insert(table).prefix_with('IGNORE')
    if dialect in ('postgresql', 'sqlite'):
        module = postgresql if dialect == 'postgresql' else sqlite
        return module.insert(table).on_conflict_do_nothing()
    return None


def upsert(session, table, **values):
    """INSERT a row, or UPDATE the row its primary key already names.

    One statement (``INSERT ... ON DUPLICATE KEY UPDATE`` on MySQL,
    ``ON CONFLICT DO UPDATE`` on PostgreSQL and SQLite): concurrent calls
    never fail on each other's row, the last one wins.
    """
    keys = [c.name for c in table.primary_key.columns]
    changes = {k: v for k, v in values.items() if k not in keys}
    dialect = dialect_of(session)
    if dialect == 'mysql':
        statement = mysql.insert(table).values(
            **values).on_duplicate_key_update(**changes)
    elif dialect in ('postgresql', 'sqlite'):
        module = postgresql if dialect == 'postgresql' else sqlite
        statement = module.insert(table).values(**values)
        statement = statement.on_conflict_do_update(index_elements=keys,
                                                    set_=changes)
    else:
        where = [table.c[k] == values[k] for k in keys]
        if session.execute(
                sa.update(table).where(*where).values(**changes)).rowcount:
            return
        statement = sa.insert(table).values(**values)
    session.execute(statement)
