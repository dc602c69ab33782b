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

"""Users of an LDAP-backed domain, checked against a real slapd.

The directory (tests/ldap_server.py) locks an account after 5 failed binds,
as a deployment's ppolicy would; Keystone's own lockout does not apply to
LDAP users. Each test reads from slapd what a request cost the user there.
"""

import pytest

from tests import cloud as cloud_mod
from tests import ldap_server


def test_bare_password_logs_in_before_enrolment(ldap_domain):
    user = ldap_domain.create_user()
    r = ldap_domain.cloud.login_as(user, user.password)
    assert r.status_code == 201, r.text
    assert r.json()['token']['user']['id'] == user.id
    failed_binds = ldap_domain.failed_binds(user)
    assert failed_binds == 0


def test_enrolled_user_needs_password_and_code(ldap_domain):
    cloud = ldap_domain.cloud
    user = ldap_domain.create_user()
    cloud.enrol(user, cloud_mod.new_secret())

    r = cloud.login_as(user, user.password + user.code())
    assert r.status_code == 201, r.text
    assert r.json()['token']['user']['id'] == user.id
    assert 'totp' in r.json()['token']['methods']

    r = cloud.login_as(user, user.password)
    assert r.status_code == 401
    assert r.json() == cloud_mod.ADDITIONAL_STEPS_BODY


# The stranger knows the user name and nothing else: wrong passwords, each
# with a wrong code. password_first_after (its default, 3) codes are checked
# without the password; enough requests follow to lock the account at slapd
# (ldap_server.MAX_FAILURE failed binds) several times over.
PASSWORD_FIRST_AFTER = 3
STRANGER_REQUESTS = PASSWORD_FIRST_AFTER + ldap_server.MAX_FAILURE + 4

# What a stranger's requests do today: past password_first_after the
# plugin's password probe (second_factor.PasswordCheck.probe) can only ask
# Keystone's LDAP driver, i.e. bind as the user with the stranger's
# password; each such bind is a failure in the directory's policy, which
# locks the account, and the user's right password+code then fails too.
BINDS_TODAY = ('the password of an LDAP user is probed with a bind once '
               'password_first_after codes failed: a stranger\'s wrong '
               'passwords count in the directory\'s lockout policy')


def stranger(ldap_domain, user, requests=STRANGER_REQUESTS):
    """Send wrong passwords with wrong codes; what slapd saw after each.

    Every answer must be the usual "additional steps" 401. Returns, per
    request, the user's failed binds so far and whether slapd locked the
    account, for assertions and their messages.
    """
    code = cloud_mod.wrong_code(*user.secrets)
    seen = []
    for n in range(requests):
        r = ldap_domain.cloud.login_as(user, 'guess-%d' % n + code)
        assert r.status_code == 401, r.text
        assert r.json() == cloud_mod.ADDITIONAL_STEPS_BODY
        seen.append((ldap_domain.failed_binds(user),
                     ldap_domain.is_locked(user)))
    return seen


def test_a_bare_wrong_password_costs_no_bind(ldap_domain):
    """Without a code, an enrolled user's password is never sent to LDAP."""
    user = ldap_domain.create_user(devices=1)
    for n in range(STRANGER_REQUESTS):
        r = ldap_domain.cloud.login_as(user, 'guess-%d' % n)
        assert r.status_code == 401, r.text
        assert r.json() == cloud_mod.ADDITIONAL_STEPS_BODY
    failed_binds = ldap_domain.failed_binds(user)
    assert failed_binds == 0
    locked = ldap_domain.is_locked(user)
    assert not locked


def test_a_strangers_first_codes_cost_no_bind(ldap_domain):
    """The first password_first_after wrong codes are refused unbound.

    The user, now under suspicion, still logs in at once: the password is
    then checked first, with one successful bind.
    """
    user = ldap_domain.create_user(devices=1)
    seen = stranger(ldap_domain, user, requests=PASSWORD_FIRST_AFTER)
    assert seen == [(0, False)] * PASSWORD_FIRST_AFTER
    r = ldap_domain.cloud.login_as(user, user.password + user.code())
    assert r.status_code == 201, r.text
    failed_binds = ldap_domain.failed_binds(user)
    assert failed_binds == 0


@pytest.mark.xfail(strict=True, reason=BINDS_TODAY)
def test_a_stranger_causes_no_failed_bind(ldap_domain):
    user = ldap_domain.create_user(devices=1)
    seen = stranger(ldap_domain, user)
    failures = ldap_domain.failures(user)
    assert failures == 0, (
        'failed binds, locked after each request: %s' % seen)
    failed_binds = ldap_domain.failed_binds(user)
    assert failed_binds == 0


@pytest.mark.xfail(strict=True, reason=BINDS_TODAY)
def test_a_stranger_cannot_lock_the_ldap_user_out(ldap_domain):
    user = ldap_domain.create_user(devices=1)
    seen = stranger(ldap_domain, user)
    locked = ldap_domain.is_locked(user)
    assert not locked, (
        'failed binds, locked after each request: %s' % seen)
    r = ldap_domain.cloud.login_as(user, user.password + user.code())
    assert r.status_code == 201, r.text


def test_after_a_stranger_only_the_directory_can_hold_the_user(ldap_domain):
    """The plugin's own throttle never locks the user for a stranger.

    Whatever lock the stranger's requests left in the directory, once an
    administrator clears it the user's password+code logs in at once.
    """
    user = ldap_domain.create_user(devices=1)
    stranger(ldap_domain, user)
    ldap_domain.unlock(user)
    r = ldap_domain.cloud.login_as(user, user.password + user.code())
    assert r.status_code == 201, r.text
