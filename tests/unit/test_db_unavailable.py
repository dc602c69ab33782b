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

"""Keystone's own queries failing for a database outage answer 503
(db/unavailable.py), on a bare Flask app that propagates errors as
Keystone's does; tests/galera/ sees it on a real cluster."""

import logging

import flask
from oslo_db import exception as db_exception
import pytest

from keystone_totp_concat.db import unavailable


@pytest.fixture
def app():
    app = flask.Flask('test')
    app.config.update(PROPAGATE_EXCEPTIONS=True)  # as Keystone's

    @app.route('/v3/auth/tokens', methods=['POST'])
    def tokens():
        raise ERRORS[flask.request.args['error']]('1047 WSREP ... password')
    unavailable.install(app)
    return app


ERRORS = {'connection': db_exception.DBConnectionError,
          'deadlock': db_exception.DBDeadlock,
          'other': db_exception.DBError}


@pytest.mark.parametrize('error', ['connection', 'deadlock'])
def test_an_outage_answers_503_with_retry_after(app, caplog, error):
    r = app.test_client().post('/v3/auth/tokens?error=' + error)
    assert r.status_code == 503
    assert r.headers['Retry-After'] == str(unavailable.RETRY_AFTER)
    assert r.get_json() == {'error': {
        'code': 503, 'title': 'Service Unavailable',
        'message': unavailable.MESSAGE}}
    [line] = [x for x in caplog.records if x.levelno >= logging.WARNING]
    assert line.levelname == 'ERROR' and line.exc_info is None
    # The class only: a driver message may quote SQL parameters.
    assert 'password' not in line.getMessage()
    assert '/v3/auth/tokens' in line.getMessage()


def test_other_database_errors_are_left_to_keystone(app):
    with pytest.raises(db_exception.DBError):
        app.test_client().post('/v3/auth/tokens?error=other')
