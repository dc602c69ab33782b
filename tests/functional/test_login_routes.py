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

"""Two factors on every login route.

Keystone's ``totp`` method, multi-method requests, MFA rules, receipts and
tokens that record ``totp``.
"""

import json
import os
import subprocess

import pytest

import local_keystone
from tests import cloud as c


def totp_auth(user, passcode, by='id'):
    ref = {'id': user.id} if by == 'id' else {
        'name': user.name, 'domain': {'id': user.domain_id}}
    ref['passcode'] = passcode
    return {'auth': {'identity': {'methods': ['totp'], 'totp': {'user': ref}}}}


def multi_auth(user, password, passcode):
    ref = {'id': user.id}
    return {'auth': {'identity': {
        'methods': ['password', 'totp'],
        'password': {'user': dict(ref, password=password)},
        'totp': {'user': dict(ref, passcode=passcode)},
    }}}


def methods_of(response):
    assert response.status_code == 201, response.text
    return sorted(response.json()['token']['methods'])


def set_mfa_rules(cloud, user, rules):
    cloud.api('PATCH', '/users/' + user.id, json={'user': {'options': {
        'multi_factor_auth_rules': rules,
        'multi_factor_auth_enabled': True}}})


# -- The code alone is never enough --

@pytest.mark.parametrize('by', ['id', 'name'])
def test_code_alone_gets_no_token(by, cloud):
    user = cloud.create_user(devices=1)
    r = cloud.login(totp_auth(user, user.code(), by=by))
    assert r.status_code == 401
    assert r.json() == c.ADDITIONAL_STEPS_BODY


def test_stock_totp_method_would_accept_the_code_alone(cloud, stock_keystone):
    """The weakness this package closes, shown on the stock node."""
    user = cloud.create_user(devices=1)
    r = cloud.login(totp_auth(user, user.code()), stock_keystone.url)
    assert methods_of(r) == ['totp']


# -- Multi-method requests --

def test_password_and_totp_methods_in_one_request(cloud):
    user = cloud.create_user(devices=1)
    r = cloud.login(multi_auth(user, user.password, user.code()))
    assert methods_of(r) == ['password', 'totp']


@pytest.mark.parametrize('password, code, expect_additional', [
    ('wrong', 'right', False),
    ('right', 'wrong', True),
    ('right', 'missing', True),
    ('wrong', 'wrong', True),
    ('right+code', 'right', False),
])
def test_multi_method_needs_both_factors(password, code, expect_additional,
                                         cloud):
    user = cloud.create_user(devices=1)
    pw = {'wrong': 'wrong-password', 'right': user.password,
          'right+code': user.password + user.code()}[password]
    passcode = {'right': user.code(), 'wrong': c.wrong_code(*user.secrets),
                'missing': ''}[code]
    r = cloud.login(multi_auth(user, pw, passcode))
    assert r.status_code == 401
    assert (r.json() == c.ADDITIONAL_STEPS_BODY) is expect_additional


def test_multi_method_gives_no_password_oracle(cloud):
    """A wrong code gets one answer and never reaches the password hash.

    With a wrong code the answer is the same whatever the password, and
    the password hash is never reached (Keystone's failure count stays 0).
    """
    user = cloud.create_user(devices=1)
    wrong = c.wrong_code(*user.secrets)
    answers = [cloud.login(multi_auth(user, pw, wrong)).json()
               for pw in (user.password, 'wrong-password', 'wrong-password')]
    assert answers == [c.ADDITIONAL_STEPS_BODY] * 3
    rows = cloud.sql('SELECT failed_auth_count FROM local_user '
                     'WHERE user_id = :uid', uid=user.id)
    assert not rows[0][0]


def test_multi_method_for_a_user_who_has_not_enrolled(cloud):
    user = cloud.create_user()
    r = cloud.login(multi_auth(user, user.password, '123456'))
    assert r.status_code == 401


# -- Tokens record the second factor --

@pytest.mark.parametrize('form', ['concatenated', 'passcode key'])
def test_token_methods_list_totp_when_the_code_was_checked(form, cloud):
    user = cloud.create_user(devices=1)
    if form == 'concatenated':
        r = cloud.login_as(user, user.password + user.code())
    else:
        r = cloud.login_as(user, user.password, passcode=user.code())
    assert methods_of(r) == ['password', 'totp']


def test_token_of_a_user_who_has_not_enrolled_lists_password_only(cloud):
    user = cloud.create_user()
    assert methods_of(cloud.login_as(user, user.password)) == ['password']


def test_mfa_rules_password_totp_with_the_concatenated_field(cloud):
    user = cloud.create_user(devices=1)
    set_mfa_rules(cloud, user, [['password', 'totp']])
    r = cloud.login_as(user, user.password + user.code())
    assert methods_of(r) == ['password', 'totp']
    r = cloud.login_as(user, user.password)
    assert r.json() == c.ADDITIONAL_STEPS_BODY


# -- Auth receipts --

def receipt_for(cloud, user):
    """Keystone's receipt for a password-only login under MFA rules."""
    r = cloud.login_as(user, user.password)
    assert r.status_code == 401, r.text
    assert r.json()['receipt']['methods'] == ['password']
    return r.headers['Openstack-Auth-Receipt']


def test_code_with_a_receipt_holding_password(cloud):
    user = cloud.create_user()
    set_mfa_rules(cloud, user, [['password', 'totp']])
    receipt = receipt_for(cloud, user)
    cloud.enrol(user, c.new_secret())
    r = cloud.http.post(cloud.url + '/auth/tokens',
                        json=totp_auth(user, user.code()),
                        headers={'Openstack-Auth-Receipt': receipt})
    assert methods_of(r) == ['password', 'totp']


def test_code_with_a_receipt_of_another_user(cloud):
    other = cloud.create_user()
    set_mfa_rules(cloud, other, [['password', 'totp']])
    receipt = receipt_for(cloud, other)
    user = cloud.create_user(devices=1)
    r = cloud.http.post(cloud.url + '/auth/tokens',
                        json=totp_auth(user, user.code()),
                        headers={'Openstack-Auth-Receipt': receipt})
    assert r.status_code == 401
    assert 'X-Subject-Token' not in r.headers


def test_code_with_a_forged_receipt(cloud):
    user = cloud.create_user(devices=1)
    r = cloud.http.post(cloud.url + '/auth/tokens',
                        json=totp_auth(user, user.code()),
                        headers={'Openstack-Auth-Receipt': 'gAAAAAforged'})
    assert r.status_code == 401
    assert 'X-Subject-Token' not in r.headers


def test_openstack_cli_v3multifactor(cloud, tmp_path):
    """keystoneauth's own multi-method plugin: password and totp methods."""
    user = cloud.create_user(devices=1)
    env = {k: v for k, v in os.environ.items() if not k.startswith('OS_')}
    env.update(
        HOME=str(tmp_path), OS_CLIENT_CONFIG_FILE=str(tmp_path / 'none.yaml'),
        OS_AUTH_URL=cloud.url, OS_IDENTITY_API_VERSION='3',
        OS_AUTH_TYPE='v3multifactor', OS_AUTH_METHODS='v3password,v3totp',
        OS_USERNAME=user.name, OS_PASSWORD=user.password,
        OS_PASSCODE=user.code(), OS_USER_DOMAIN_ID=user.domain_id,
        OS_PROJECT_NAME=user.name, OS_PROJECT_DOMAIN_ID=user.domain_id)
    result = subprocess.run(
        [str(local_keystone.BIN / 'openstack'), 'token', 'issue', '-f',
         'json'], env=env, capture_output=True, text=True, timeout=120,
        stdin=subprocess.DEVNULL)
    assert result.returncode == 0, result.stderr
    token = json.loads(result.stdout)['id']
    info = cloud.api('GET', '/auth/tokens',
                     headers={'X-Subject-Token': token}).json()
    assert sorted(info['token']['methods']) == ['password', 'totp']
    assert info['token']['user']['id'] == user.id

    env['OS_PASSCODE'] = c.wrong_code(*user.secrets)
    result = subprocess.run(
        [str(local_keystone.BIN / 'openstack'), 'token', 'issue'], env=env,
        capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert result.returncode == 1, result.stderr
    assert 'Traceback' not in result.stderr
