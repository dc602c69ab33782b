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

"""``keystone-totp-manage``: operator commands on this package's tables.

Reads keystone.conf like ``keystone-manage`` does (``--config-file``,
``--config-dir``, or /etc/keystone/keystone.conf), so both commands talk to
the same ``[database] connection``::

    keystone-totp-manage db_sync              # create / upgrade the tables
    keystone-totp-manage db_version
    keystone-totp-manage throttle_reset USER_ID
"""

import re
import sys

from keystone.common import sql
import keystone.conf
from oslo_config import cfg
from oslo_log import log

from keystone_totp_concat.db import keystone_indexes
from keystone_totp_concat.db import migration
from keystone_totp_concat.db import throttle as db_throttle

CONF = keystone.conf.CONF
LOG = log.getLogger(__name__)


# user:password@ (or user@) in a URL, as a driver may quote the connection.
URL_CREDENTIALS = re.compile(r'(\w[\w+.-]*://)[^/@\s]*@')


def cause(error):
    """One line naming ``error``: its class and the database's message.

    oslo.db and SQLAlchemy wrap the driver's exception; their own text adds
    the SQL statement and its parameters, so the innermost exception's
    first line is shown (e.g. ``OperationalError: (1050, "Table 'x' already
    exists")``), with any credentials of a URL in it replaced by ``***``.
    """
    inner = getattr(error, 'inner_exception', None) or error
    inner = getattr(inner, 'orig', None) or inner
    lines = str(inner).strip().splitlines() or ['']
    message = URL_CREDENTIALS.sub(r'\1***@', lines[0])
    return ('%s: %s' % (type(inner).__name__, message)).rstrip(': ')


def do_db_sync():
    index = migration.db_sync(CONF.command.revision)
    print('keystone-totp-concat tables at revision %s'
          % migration.db_version())
    if index == keystone_indexes.NO_TABLE:
        print("Keystone's credential table does not exist yet: run "
              "keystone-manage db_sync, then this command again (it adds "
              "the index %s that logins read by)." % keystone_indexes.NAME)


def do_db_version():
    print(migration.db_version() or 'none (run db_sync)')


def do_throttle_reset():
    user_id = CONF.command.user_id
    tables = (db_throttle.THROTTLE, db_throttle.PROOF_THROTTLE)
    if db_throttle.reset_throttle(user_id, tables):
        print('Code checks of user %s unlocked, failure count cleared.'
              % user_id)
    else:
        print('User %s had no failed code checks.' % user_id)


def add_command_parsers(subparsers):
    parser = subparsers.add_parser(
        'db_sync', help='Create or upgrade the tables of keystone-totp-concat '
        '(replay records, throttles, enrolments, devices, recovery codes).')
    parser.add_argument('revision', nargs='?', default='head',
                        help='Target alembic revision (default: head).')
    parser.set_defaults(func=do_db_sync)
    parser = subparsers.add_parser(
        'db_version', help='Print the revision of the tables.')
    parser.set_defaults(func=do_db_version)
    parser = subparsers.add_parser(
        'throttle_reset',
        help='End a lockout of code checks early, e.g. for a user who was '
        'locked out by someone guessing codes and has proved who they are.')
    parser.add_argument('user_id', help='Keystone user ID.')
    parser.set_defaults(func=do_throttle_reset)


def main(argv=None):
    CONF.register_cli_opt(cfg.SubCommandOpt(
        'command', title='Commands', handler=add_command_parsers))
    keystone.conf.configure()
    sql.initialize()
    keystone.conf.set_default_for_default_log_levels()
    CONF(args=sys.argv[1:] if argv is None else argv, project='keystone')
    keystone.conf.setup_logging()
    try:
        CONF.command.func()
    except Exception as e:
        # The traceback goes to Keystone's log (with --debug); the terminal
        # gets the cause in one line, without the statement's parameters
        # or a URL's password.
        LOG.debug('keystone-totp-manage failed', exc_info=True)
        sys.exit('keystone-totp-manage %s failed: %s'
                 % (CONF.command.name, cause(e)))
