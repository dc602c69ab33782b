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

The transaction and the credential read are stand-ins that note what they
saw: whether a transaction was open when the user was looked up, whose
credentials were read, whether the transaction committed.
tests/functional/test_login_queries.py counts what the real one asks
MariaDB, and every functional login runs through it.
"""

import keystone.conf
from keystone.conf import identity
import pytest

from keystone_totp_concat.core import requirement
from keystone_totp_concat.db import api as db_api
from keystone_totp_concat.server.auth import login_check
from keystone_totp_concat.server import credentials
from keystone_totp_concat.server import outcomes
from keystone_totp_concat.server import requirements

CONF = keystone.conf.CONF
identity.register_opts(CONF)
USER_ID = 'u1'


class Store:
    """A stand-in transaction: open or not, what was read, committed."""

    def __init__(self):
        self.open = False
        self.read = []
        self.committed = False
        self.lookup_in_transaction = None

    def transaction(self, read, write):
        self.open = True
        try:
            write(None, read(None))
        finally:
            self.open = False
        self.committed = True

    def credentials(self, session, user_id):
        assert self.open, 'credentials read outside the transaction'
        self.read.append(user_id)
        return credentials.Enrolment([], 0, [])

    def rules(self, session):
        assert self.open, 'requirements read outside the transaction'
        return requirement.Rules()

    def lookup(self):
        self.lookup_in_transaction = self.open
        return USER_ID


@pytest.fixture
def store(monkeypatch):
    store = Store()
    monkeypatch.setattr(db_api, 'login_transaction', store.transaction)
    monkeypatch.setattr(credentials, 'read', store.credentials)
    monkeypatch.setattr(requirements, 'rules', store.rules)
    return store


@pytest.fixture
def domain_drivers():
    CONF.set_override('domain_specific_drivers_enabled', True,
                      group='identity')
    yield
    CONF.clear_override('domain_specific_drivers_enabled', group='identity')


def test_the_sql_driver_lookup_joins_the_transaction(store):
    enrolment, decision, _ = login_check.check_login(store.lookup, '123456')
    assert store.lookup_in_transaction is True
    assert (store.read, store.committed) == ([USER_ID], True)
    assert not enrolment.enrolled
    assert decision.outcome is outcomes.Outcome.NOT_CHECKED


def test_other_drivers_look_up_outside_it(store, domain_drivers):
    """Their lookup may write (ID mappings, shadow users) on its own."""
    enrolment, decision, _ = login_check.check_login(store.lookup, '123456')
    assert store.lookup_in_transaction is False
    assert (store.read, store.committed) == ([USER_ID], True)
    assert not enrolment.enrolled
    assert decision.outcome is outcomes.Outcome.NOT_CHECKED


class NoSuchUser(Exception):
    """Stands in for Keystone's Unauthorized, which needs its options."""


def test_what_the_lookup_raises_is_raised_as_is(store):
    refused = NoSuchUser()

    def lookup():
        raise refused

    with pytest.raises(NoSuchUser) as caught:
        login_check.check_login(lookup, '123456')
    assert caught.value is refused
    # No credentials read, nothing committed.
    assert (store.read, store.committed) == ([], False)
