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
from tests import conftest
from tests import ldap_server
from tests import totp_api

import local_keystone


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


def test_a_stranger_causes_no_failed_bind(ldap_domain):
    """By default no wrong code ever reaches the directory."""
    user = ldap_domain.create_user(devices=1)
    seen = stranger(ldap_domain, user)
    assert seen == [(0, False)] * STRANGER_REQUESTS
    assert ldap_domain.failures(user) == 0


def test_a_strangers_lockout_is_this_packages_and_bounded(ldap_domain):
    """The trade-off of bind_to_check_wrong_codes = false.

    Past password_first_after, a stranger's wrong codes count as the
    password holder's: 10 (max_failures) checks, then this package's
    lockout, which refuses the user's TOTP codes but not a recovery code,
    and leaves the directory's account as it was.
    """
    cloud = ldap_domain.cloud
    user = ldap_domain.create_user()
    codes = enable_with_recovery_codes(cloud, user)
    stranger(ldap_domain, user)
    row = cloud.sql('SELECT failures, lockouts FROM totp_concat_throttle '
                    'WHERE user_id = :u', u=user.id)[0]
    assert (row.failures, row.lockouts) == (0, 1)
    assert not ldap_domain.is_locked(user)
    r = cloud.login_as(user, user.password + user.code())
    assert r.json() == cloud_mod.ADDITIONAL_STEPS_BODY
    r = cloud.login_as(user, user.password + codes[0])
    assert r.status_code == 201, r.text
    assert ldap_domain.failed_binds(user) == 0


@pytest.fixture(scope='module')
def binding_domain(ldap_domain, keystone, tmp_path_factory):
    """The LDAP domain on a node with bind_to_check_wrong_codes = true."""
    overrides = {'totp_concat': {'bind_to_check_wrong_codes': True}}
    with conftest.ldap_node(keystone, tmp_path_factory,
                            ldap_domain.config_dir, overrides) as node:
        yield ldap_domain.served_by(
            cloud_mod.Cloud(node, local_keystone.ADMIN_PASSWORD))


def test_binding_leaves_the_lockout_to_the_directory(binding_domain):
    """bind_to_check_wrong_codes = true: the directory's policy decides.

    Every wrong code past password_first_after is a bind, which the
    directory counts and locks on, as stock Keystone's wrong passwords do;
    this package's throttle never locks for them, so once the directory's
    administrator clears the lock the user logs in at once.
    """
    user = binding_domain.create_user(devices=1)
    seen = stranger(binding_domain, user)
    assert seen[PASSWORD_FIRST_AFTER - 1] == (0, False)
    assert seen[-1][1] is True
    assert binding_domain.cloud.sql(
        'SELECT lockouts FROM totp_concat_throttle WHERE user_id = :u',
        u=user.id)[0][0] == 0
    binding_domain.unlock(user)
    r = binding_domain.cloud.login_as(user, user.password + user.code())
    assert r.status_code == 201, r.text


def enable_with_recovery_codes(cloud, user):
    """Turn 2FA on through the API (unscoped token); the recovery codes."""
    token = totp_api.token_of(cloud, user, project=False)
    secret = totp_api.begin(cloud, token, user)['secret']
    r = totp_api.confirm(cloud, token, user, cloud_mod.code_for(secret))
    assert r.status_code == 201, r.text
    user.secrets.append(secret)
    return r.json()['recovery_codes']
