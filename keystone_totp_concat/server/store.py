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
"""Calls to the replay/throttle store that fail closed.

Every failure is logged by its exception's class and turned into
Unavailable, which the checks answer with a refusal.
"""

from oslo_log import log

LOG = log.getLogger(__name__)


class Unavailable(Exception):
    """The replay/throttle tables could not be used."""


def call(what, user_id, function, *args):
    """Run a db_api function; on any failure log it and raise Unavailable."""
    try:
        return function(*args)
    except Exception as e:
        failure = type(e).__name__
    failed(what, user_id, failure)
    raise Unavailable()


def failed(what, user_id, failure):
    """Log a store failure by its exception's class only.

    A driver message may quote SQL parameters or the connection URL.
    """
    LOG.error('TOTP replay/throttle store failed while %(what)s for user '
              '%(user)s (%(err)s); refusing the code.',
              {'what': what, 'user': user_id, 'err': failure})
