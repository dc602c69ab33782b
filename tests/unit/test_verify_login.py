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

"""Where check_login looks the user up: inside its transaction or before.

The transaction and the credential read are stand-ins that record the
order of events; tests/functional/test_login_queries.py counts what the
real one asks MariaDB, and every functional login runs through it.
"""

import keystone.conf
from keystone.conf import identity
import pytest

from keystone_totp_concat import credentials
from keystone_totp_concat.db import api as db_api
from keystone_totp_concat import verify

CONF = keystone.conf.CONF
identity.register_opts(CONF)
USER_ID = 'u1'


@pytest.fixture
def events(monkeypatch):
    seen = []

    def transaction(read, write):
        seen.append('begin')
        write(None, read(None))
        seen.append('commit')

    def read(session, user_id):
        seen.append('read %s' % user_id)
        return credentials.Enrolment([], 0, [])

    monkeypatch.setattr(db_api, 'login_transaction', transaction)
    monkeypatch.setattr(credentials, 'read', read)
    return seen


def identify(events):
    def lookup():
        events.append('lookup')
        return USER_ID
    return lookup


@pytest.fixture
def domain_drivers():
    CONF.set_override('domain_specific_drivers_enabled', True,
                      group='identity')
    yield
    CONF.clear_override('domain_specific_drivers_enabled', group='identity')


def test_the_sql_driver_lookup_joins_the_transaction(events):
    enrolment, verified = verify.check_login(identify(events), '123456')
    assert events == ['begin', 'lookup', 'read u1', 'commit']
    assert not enrolment.enrolled and verified is verify.NOT_CHECKED


def test_other_drivers_look_up_before_it(events, domain_drivers):
    verify.check_login(identify(events), '123456')
    assert events == ['lookup', 'begin', 'read u1', 'commit']


class NoSuchUser(Exception):
    """Stands in for Keystone's Unauthorized, which needs its options."""


def test_what_the_lookup_raises_is_raised_as_is(events):
    refused = NoSuchUser()

    def lookup():
        raise refused

    with pytest.raises(NoSuchUser) as caught:
        verify.check_login(lookup, '123456')
    assert caught.value is refused
    assert events == ['begin']
