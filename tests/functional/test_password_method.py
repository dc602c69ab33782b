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

"""The password method's behaviour contract, row by row, on a real Keystone."""

import json
import subprocess
import uuid

import pytest

import local_keystone

from tests import cloud as c
from tests.conftest import LOCKOUT_ATTEMPTS

STOCK_UNAUTHORIZED = 'The request you have made requires authentication.'


def token_shape(response):
    """The parts of a token response that do not change between requests."""
    token = response.json()['token']
    return {
        'status': response.status_code,
        'methods': token['methods'],
        'user': token['user'],
        'project': token.get('project'),
        'roles': sorted(r['name'] for r in token.get('roles', [])),
        'catalog': len(token.get('catalog', [])),
        'has_token_id': bool(response.headers.get('X-Subject-Token')),
    }


def answer(response):
    if response.status_code == 201:
        return token_shape(response)
    return {'status': response.status_code, 'body': response.json()}


def project_scope(user):
    return {'project': {'id': user.project_id}}


# -- Users who have not enrolled: exactly Keystone's stock password method --

def expire_password(cloud, user):
    cloud.sql(
        'UPDATE password SET expires_at = :at, expires_at_int = :at_int '
        'WHERE local_user_id = (SELECT id FROM local_user '
        'WHERE user_id = :uid)',
        at='2000-01-01 00:00:00', at_int=946684800000000, uid=user.id)


STOCK_CASES = {
    'right password': lambda cloud, u: u.password,
    'right password, by id': lambda cloud, u: u.password,
    'wrong password': lambda cloud, u: 'wrong',
    'password ending in six digits': lambda cloud, u: u.password,
    'empty password': lambda cloud, u: '',
    'password plus a code-like suffix': lambda cloud, u: u.password + '123456',
    'disabled user': lambda cloud, u: u.password,
    'expired password': lambda cloud, u: u.password,
}


@pytest.mark.parametrize('case', sorted(STOCK_CASES))
def test_not_enrolled_user_gets_the_stock_answer(case, cloud, stock_keystone):
    password = 'digits-at-the-end-123456' if 'six digits' in case else None
    user = cloud.create_user(password=password)
    if case == 'disabled user':
        cloud.api('PATCH', '/users/' + user.id,
                  json={'user': {'enabled': False}})
    if case == 'expired password':
        expire_password(cloud, user)
    field = STOCK_CASES[case](cloud, user)
    by = 'id' if 'by id' in case else 'name'

    ours = cloud.login_as(user, field, by=by, scope=project_scope(user))
    stock = cloud.login_as(user, field, by=by, scope=project_scope(user),
                           url=stock_keystone.url)

    assert answer(ours) == answer(stock)
    assert ours.status_code == (201 if 'right' in case or 'six' in case
                                else 401)


def test_not_enrolled_unknown_user_gets_the_stock_answer(cloud,
                                                         stock_keystone):
    body = c.password_auth(
        {'name': 'nobody-here', 'domain': {'id': 'default'}}, 'whatever')
    ours, stock = cloud.login(body), cloud.login(body, stock_keystone.url)
    assert ours.status_code == stock.status_code == 401
    assert ours.json() == stock.json()


def test_not_enrolled_locked_user_gets_the_stock_answer(cloud, stock_keystone):
    user = cloud.create_user()
    for _ in range(LOCKOUT_ATTEMPTS):
        assert cloud.login_as(user, 'wrong').status_code == 401
    ours = cloud.login_as(user, user.password)
    stock = cloud.login_as(user, user.password, url=stock_keystone.url)
    assert ours.status_code == stock.status_code == 401
    assert ours.json() == stock.json()


# -- Enrolled users --

def test_enrolled_password_plus_code_gets_a_token(cloud):
    user = cloud.create_user(devices=1)
    r = cloud.login_as(user, user.password + user.code(),
                       scope=project_scope(user))
    assert r.status_code == 201, r.text
    assert r.headers['X-Subject-Token']
    assert r.json()['token']['project']['id'] == user.project_id


def test_enrolled_login_by_user_id(cloud):
    user = cloud.create_user(devices=1)
    r = cloud.login_as(user, user.password + user.code(), by='id')
    assert r.status_code == 201, r.text


@pytest.mark.parametrize('field', [
    'password only', 'password + wrong code', 'wrong password only',
    'wrong password + wrong code', 'empty', 'no password key',
    'password + previous-but-two code',
])
def test_enrolled_without_a_valid_code_needs_additional_steps(field, cloud):
    user = cloud.create_user(devices=1)
    value = {
        'password only': user.password,
        'password + wrong code': user.password + c.wrong_code(*user.secrets),
        'wrong password only': 'wrong',
        'wrong password + wrong code': 'wrong' + c.wrong_code(*user.secrets),
        'empty': '',
        'no password key': None,
        'password + previous-but-two code': user.password + user.code(
            offset_steps=-3),
    }[field]
    if field.endswith('previous-but-two code') and value[-6:] in (
            user.code(offset_steps=o) for o in (-1, 0, 1)):
        pytest.skip('the old code happens to equal a current one')
    r = cloud.login_as(user, value)
    assert r.status_code == 401
    assert r.json() == c.ADDITIONAL_STEPS_BODY
    assert 'X-Subject-Token' not in r.headers


@pytest.mark.parametrize('password', ['not-the-password', ''])
def test_enrolled_right_code_wrong_password_is_the_ordinary_401(
        password, cloud, stock_keystone):
    user = cloud.create_user(devices=1)
    r = cloud.login_as(user, password + user.code())
    assert r.status_code == 401
    assert r.json() != c.ADDITIONAL_STEPS_BODY
    assert r.json()['error']['message'] == STOCK_UNAUTHORIZED
    stock = cloud.login_as(user, password, url=stock_keystone.url)
    assert r.json() == stock.json()


@pytest.mark.parametrize('device', [0, 1, 2])
def test_any_enrolled_device_is_accepted(device, cloud):
    user = cloud.create_user(devices=3)
    r = cloud.login_as(user, user.password + user.code(device))
    assert r.status_code == 201, r.text


def test_code_in_separate_passcode_key(cloud):
    user = cloud.create_user(devices=1)
    r = cloud.login_as(user, user.password, passcode=user.code())
    assert r.status_code == 201, r.text


def test_wrong_separate_passcode_needs_additional_steps(cloud):
    user = cloud.create_user(devices=1)
    r = cloud.login_as(user, user.password,
                       passcode=c.wrong_code(*user.secrets))
    assert r.json() == c.ADDITIONAL_STEPS_BODY


def test_codes_of_neighbouring_steps_are_accepted(cloud):
    for offset in (-1, 1):
        user = cloud.create_user(devices=1)
        r = cloud.login_as(user,
                           user.password + user.code(offset_steps=offset))
        assert r.status_code == 201, (offset, r.text)


def test_secret_enrolled_with_the_openstack_cli_works(cloud, keystone):
    """Keystone's own format, as written by ``openstack credential create``."""
    user = cloud.create_user()
    secret = c.new_secret()
    env = dict(keystone.env(), OS_AUTH_URL=keystone.url,
               OS_IDENTITY_API_VERSION='3', OS_USERNAME='admin',
               OS_PASSWORD=local_keystone.ADMIN_PASSWORD,
               OS_PROJECT_NAME='admin', OS_USER_DOMAIN_ID='default',
               OS_PROJECT_DOMAIN_ID='default')
    env.pop('OS_CLOUD', None)
    subprocess.run([str(local_keystone.BIN / 'openstack'), 'credential',
                    'create', '--type', 'totp', user.id, secret], env=env,
                   check=True, stdout=subprocess.DEVNULL)
    alone = cloud.login_as(user, user.password)
    assert alone.json() == c.ADDITIONAL_STEPS_BODY
    r = cloud.login_as(user, user.password + c.code_for(secret))
    assert r.status_code == 201, r.text


# -- Broken credentials and a broken database: fail closed --

def test_invalid_base32_credential_is_skipped_with_a_warning(cloud, keystone):
    user = cloud.create_user(devices=1)
    bad_blob = 'this is not base32!'
    bad_id = cloud.plant_unusable(user, bad_blob)

    start = keystone.log_offset()
    r = cloud.login_as(user, user.password + user.code())
    assert r.status_code == 201, r.text
    warning = [line for line in keystone.log_since(start).splitlines()
               if bad_id in line]
    assert len(warning) == 1 and ' WARNING ' in warning[0], warning
    assert bad_blob not in keystone.log_file.read_text()


def test_only_invalid_credentials_never_bypass_the_code(cloud):
    user = cloud.create_user()
    cloud.plant_unusable(user, '0000-not-base32')
    # Valid base32, too short to be a secret.
    cloud.plant_unusable(user, 'GEZDGNBV')
    for field in (user.password, user.password + '123456'):
        r = cloud.login_as(user, field)
        assert r.status_code == 401
        assert r.json() == c.ADDITIONAL_STEPS_BODY


def test_only_the_users_own_totp_credentials_enrol_them(cloud):
    """Logins read Keystone's credential table themselves (credentials.read).

    Other types of credential and other users' totp credentials never make
    a user enrolled; a user's own totp credential always does.
    """
    user = cloud.create_user()
    enrolled = cloud.create_user(devices=1)
    for kind, blob in (('cert', 'a cert'),
                       ('ec2', json.dumps({'access': uuid.uuid4().hex,
                                           'secret': uuid.uuid4().hex}))):
        cloud.api('POST', '/credentials', json={'credential': {
            'type': kind, 'user_id': user.id, 'project_id': user.project_id,
            'blob': blob}})
    r = cloud.login_as(user, user.password)
    assert r.status_code == 201, r.text
    r = cloud.login_as(enrolled, enrolled.password)
    assert r.status_code == 401
    assert r.json() == c.ADDITIONAL_STEPS_BODY


def test_credential_lookup_failure_fails_closed(cloud, keystone):
    """A real database failure: the credential table renamed away.

    A real database failure: the credential table is renamed away under
    the running Keystone, so listing the user's credentials raises.
    """
    enrolled = cloud.create_user(devices=1)
    plain = cloud.create_user()
    cloud.sql('ALTER TABLE credential RENAME TO credential_moved')
    start = keystone.log_offset()
    try:
        for user, field in ((enrolled, enrolled.password + enrolled.code()),
                            (plain, plain.password)):
            r = cloud.login_as(user, field)
            assert r.status_code == 401, r.text
            assert 'X-Subject-Token' not in r.headers
    finally:
        cloud.sql('ALTER TABLE credential_moved RENAME TO credential')
    assert 'Cannot read TOTP credentials of user %s' % enrolled.id in (
        keystone.log_since(start))
    r = cloud.login_as(enrolled,
                       enrolled.password + enrolled.code(offset_steps=1))
    assert r.status_code == 201, r.text


# -- The code is checked before the password --

def failed_auth_count(cloud, user):
    rows = cloud.sql('SELECT failed_auth_count FROM local_user '
                     'WHERE user_id = :uid', uid=user.id)
    return rows[0][0] or 0


def test_wrong_code_never_reaches_the_password_check(cloud):
    """Wrong codes never move Keystone's failed-password count.

    Keystone counts every failed password check (lockout); requests with
    a wrong code must leave that count untouched and never lock the user.
    """
    user = cloud.create_user(devices=1)
    wrong = c.wrong_code(*user.secrets)
    for field in ('wrong-password' + wrong, 'wrong-password',
                  'wrong-password' + wrong, 'wrong-password',
                  user.password + wrong):
        assert cloud.login_as(user, field).json() == c.ADDITIONAL_STEPS_BODY
    assert failed_auth_count(cloud, user) == 0
    r = cloud.login_as(user, user.password + user.code())
    assert r.status_code == 201, r.text


def test_right_code_does_reach_the_password_check(cloud):
    """With a valid code, wrong passwords are counted as usual.

    The counter-check of the test above: with a valid code, wrong
    passwords are counted and Keystone's lockout engages as usual.
    """
    user = cloud.create_user(devices=2)
    # A code stays used after a wrong password: a fresh one each time.
    for offset in range(-1, LOCKOUT_ATTEMPTS - 1):
        r = cloud.login_as(user, 'wrong-password' + user.code(0, offset))
        assert r.json()['error']['message'] == STOCK_UNAUTHORIZED
    assert failed_auth_count(cloud, user) == LOCKOUT_ATTEMPTS
    r = cloud.login_as(user, user.password + user.code(1))
    assert r.status_code == 401
    assert r.json() != c.ADDITIONAL_STEPS_BODY
