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

import sys

from keystone.common import sql
import keystone.conf
from oslo_config import cfg
from oslo_log import log

from keystone_totp_concat.db import api as db_api
from keystone_totp_concat.db import keystone_indexes
from keystone_totp_concat.db import migration

CONF = keystone.conf.CONF
LOG = log.getLogger(__name__)


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
    if db_api.reset_throttle(user_id, (db_api.THROTTLE,
                                       db_api.PROOF_THROTTLE)):
        print('Code checks of user %s unlocked, failure count cleared.'
              % user_id)
    else:
        print('User %s had no failed code checks.' % user_id)


def add_command_parsers(subparsers):
    parser = subparsers.add_parser(
        'db_sync', help='Create or upgrade the replay and throttle tables.')
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
        # One line, without the driver's message: it may quote the
        # connection URL, password included.
        LOG.debug('keystone-totp-manage failed', exc_info=True)
        sys.exit('keystone-totp-manage %s failed: %s (see the log with '
                 '--debug)' % (CONF.command.name, type(e).__name__))
