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

"""A login's first transaction: the user, the devices, the code.

The password method calls check_login once per login. It looks the user up
with Keystone's own reads, reads the user's ``totp`` credentials and, for
an enrolled user with a well-formed code, uses or counts the code as
verify.check_code does, all in one transaction where separate ones would
take three.
"""

import time

from keystone_totp_concat.core import totp
from keystone_totp_concat.db import api as db_api
from keystone_totp_concat.server.auth import factors
from keystone_totp_concat.server import conf
from keystone_totp_concat.server import credentials
from keystone_totp_concat.server import outcomes
from keystone_totp_concat.server import requirements
from keystone_totp_concat.server import store
from keystone_totp_concat.server import verify

CONF = conf.CONF


def check_login(identify, code, prove_password=None):
    """``(enrolment, decision, rules)``: devices, the code, who must.

    ``identify()`` looks the request's user up and returns the user's id;
    whatever it raises is raised as is. The login's first transaction runs
    it (see _FirstCheck.read), reads the user's ``totp`` credentials and,
    when the user is enrolled and ``code`` is a TOTP code, uses or counts
    it as check_code does, in the same session: one transaction where
    separate ones would take three. ``decision`` is check_code's answer, or
    NOT_CHECKED. ``rules`` are the operator's requirements, read in the
    same transaction for a user without a device (else None), so that they
    cost a login no connection of its own. When the credentials cannot be
    read this raises Keystone's Unauthorized (see credentials.refusal);
    when the code's record fails, the code is REFUSED.
    """
    now = time.time()
    unproved = verify.unproved() if prove_password is not None else None
    first = _FirstCheck(identify, code, now, unproved)
    if not lookup_in_transaction():
        first.user_id = identify()
    try:
        slot = db_api.login_transaction(first.read, first.write)
    except _LookupFailed as e:
        raise e.error from None
    except credentials.Unreadable as e:
        failure = e.failure
    except Exception as e:
        failure = type(e).__name__
    else:
        failure = None
    user_id = first.user_id
    if failure is not None:
        if first.attempt is None:
            raise credentials.refusal(user_id, failure)
        store.failed('checking a code', user_id, failure)
        return first.enrolment, outcomes.REFUSED, first.rules
    if first.attempt is None:
        return first.enrolment, outcomes.NOT_CHECKED, first.rules
    return first.enrolment, outcomes.totp_decision(verify.conclude(
        user_id, first.verified, first.attempt, prove_password, now,
        slot)), first.rules


def lookup_in_transaction():
    """Whether Keystone's user lookup may join the login's transaction.

    With the SQL identity driver alone it only reads the user and domain,
    on the same connection: no pool check-out, ping and rollback of its
    own. Other drivers may create ID mappings or shadow users while looking
    up, which must not hang on this package's transaction.
    """
    identity = CONF.identity
    return (identity.driver == 'sql'
            and not identity.domain_specific_drivers_enabled)


class _LookupFailed(Exception):
    """Carries what the user lookup raised out of the transaction."""

    def __init__(self, error):
        super().__init__()
        self.error = error


class _FirstCheck:
    """A login's first transaction, run by db_api.login_transaction.

    Run again from its read on a conflict; keeps what it read and which
    store call it made (``attempt``, None when it made none) for
    check_login.
    """

    def __init__(self, identify, code, now, unproved):
        self.identify = identify
        self.user_id = None
        self.code = code
        self.now = now
        self.unproved = unproved
        self.enrolment = self.verified = self.attempt = self.rules = None

    def read(self, session):
        """Look the user up (unless done already), then read the devices.

        Keystone's lookup opens its own reader session, which joins this
        one: Keystone's sessions share one context per thread.
        """
        self.verified = self.attempt = None
        if self.user_id is None:
            try:
                self.user_id = self.identify()
            except Exception as e:
                raise _LookupFailed(e)
        self.enrolment = credentials.read(session, self.user_id)
        if not self.enrolment.enrolled:
            self.rules = requirements.rules(session)
        return self.enrolment

    def write(self, session, enrolment):
        needed = factors.needed(enrolment)
        if not (needed is factors.Needed.PASSWORD_AND_CODE
                and totp.is_well_formed(self.code, verify.code_length())):
            return None
        self.verified, self.attempt = verify.candidate(
            self.user_id, enrolment, self.code, self.now)
        return self.attempt(self.unproved, session)
