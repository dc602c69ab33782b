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

"""A 503 when Keystone's own SQL fails for a database outage.

Keystone lets a lost database connection, a Galera node outside the
primary component (MariaDB error 1047) or a deadlock of its own writes
(Keystone does not retry, for instance, the ``last_active_at`` it writes at
a user's first login of the day) propagate out of its WSGI application
(``PROPAGATE_EXCEPTIONS``): the server drops the connection with a
CRITICAL "Unhandled error" traceback, and HAProxy answers 502. Through
``keystone_totp_concat.wsgi:application`` such a request gets a 503 with
``Retry-After``, in Keystone's error format, and one ERROR line without
traceback or driver message (a driver message may quote SQL parameters).
No token is made: the request ended before one was.

This package's own tables fail closed before that point (a refused code,
401, see store.call); this handler is for Keystone's queries.
"""

import flask
from oslo_db import exception as db_exception
from oslo_log import log

LOG = log.getLogger(__name__)

RETRY_AFTER = 5
MESSAGE = ('The Identity service cannot reach its database; try again '
           'later.')


def _unavailable(error):
    request = flask.request
    LOG.error('Keystone database unavailable (%(err)s) while serving '
              '%(method)s %(path)s; answered 503.',
              {'err': type(error).__name__, 'method': request.method,
               'path': request.path})
    response = flask.jsonify({'error': {
        'code': 503, 'title': 'Service Unavailable', 'message': MESSAGE}})
    response.status_code = 503
    response.headers['Retry-After'] = str(RETRY_AFTER)
    return response


def install(app):
    """Answer 503 to database outages and unretried deadlocks."""
    for error in (db_exception.DBConnectionError, db_exception.DBDeadlock):
        app.register_error_handler(error, _unavailable)
