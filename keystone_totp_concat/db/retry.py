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

"""Bounded retries of this package's writes on conflicts.

Two transactions racing for the same rows can end with one of them aborted:
an InnoDB deadlock, a lock wait timeout or, on a MariaDB Galera cluster
written through several nodes, a certification failure at commit. oslo.db
turns all of them into ``DBDeadlock``; the aborted transaction changed
nothing, so it is simply run again, from its first statement, after a short
random wait. Every decision stays one statement of that transaction, so a
retry re-decides against the winner's row (a replayed code is then refused).

Unlike oslo.db's ``wrap_db_retry``, which logs its last failure with a
traceback at ERROR, a conflict that outlives the attempts is logged as one
WARNING line (no traceback, no SQL: a driver message may quote parameters)
and raised as ``WriteConflict``, a Keystone ``Conflict`` (409): the login
path turns it into a refusal (store.call), and an API call answers 409
rather than 500. Anything else (a lost connection, a node without quorum)
is not retried here and fails closed where it is caught.
"""

import functools
import random
import time

from keystone import exception
from oslo_db import exception as db_exception
from oslo_log import log

LOG = log.getLogger(__name__)

# Attempts in all (the first and four retries), and the bounds of the random
# wait before a retry (doubling from FIRST_WAIT up to MAX_WAIT): at most
# about 0.4 s more for a request that lost every race.
ATTEMPTS = 5
FIRST_WAIT = 0.02
MAX_WAIT = 0.2


class WriteConflict(exception.Conflict):
    """A write still conflicted after ATTEMPTS attempts."""

    def __init__(self, what):
        super().__init__(
            type='TOTP data (%s)' % what,
            details='concurrent requests kept conflicting; try again')


def on_conflict(func):
    """Retry ``func`` on DBDeadlock, then raise WriteConflict.

    ``func`` runs whole transactions. The log names it (``record_use``,
    ``put_pending``, ...).
    """
    what = func.__name__

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        wait = FIRST_WAIT
        for attempt in range(1, ATTEMPTS + 1):
            try:
                return func(*args, **kwargs)
            except db_exception.DBDeadlock:
                if attempt == ATTEMPTS:
                    break
                LOG.debug('TOTP store conflict in %(what)s (attempt %(n)d '
                          'of %(all)d); retrying.',
                          {'what': what, 'n': attempt, 'all': ATTEMPTS})
            time.sleep(random.uniform(0, wait))
            wait = min(wait * 2, MAX_WAIT)
        LOG.warning('TOTP store conflict in %(what)s: %(all)d attempts were '
                    'aborted by concurrent writes (deadlock or Galera '
                    'certification failure); giving up, the request is '
                    'refused.', {'what': what, 'all': ATTEMPTS})
        raise WriteConflict(what)
    return wrapper
