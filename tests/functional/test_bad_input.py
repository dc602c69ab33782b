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

"""Hostile and odd inputs: each gets its one 4xx, never a 5xx or a token."""

import json
import uuid

import pytest

from tests import cloud as c


def full_width(code):
    return ''.join(chr(ord(d) + 0xFEE0) for d in code)


def arabic_indic(code):
    return ''.join(chr(ord(d) - ord('0') + 0x0660) for d in code)


def user_ref(u):
    return {'name': u.name, 'domain': {'id': u.domain_id}}


def body(user, **fields):
    return {'auth': {'identity': {'methods': ['password'],
                                  'password': {'user': dict(user, **fields)}}}}


# Each case gets (cloud, enrolled user, another enrolled user) and returns a
# request body. Codes are computed at request time, so they are current.
CASES = {
    'full-width digits': lambda cl, u, o: body(
        user_ref(u), password=u.password + full_width(u.code())),
    'arabic-indic digits': lambda cl, u, o: body(
        user_ref(u), password=u.password + arabic_indic(u.code())),
    'space before code': lambda cl, u, o: body(
        user_ref(u), password=u.password + ' ' + u.code()),
    'space after code': lambda cl, u, o: body(
        user_ref(u), password=u.password + u.code() + ' '),
    'newline after code': lambda cl, u, o: body(
        user_ref(u), password=u.password + u.code() + '\n'),
    'space inside code': lambda cl, u, o: body(
        user_ref(u), password=u.password + u.code()[:3] + ' ' + u.code()[3:]),
    'plus sign': lambda cl, u, o: body(
        user_ref(u), password=u.password + '+' + u.code()[1:]),
    'minus sign': lambda cl, u, o: body(
        user_ref(u), password=u.password + '-' + u.code()[1:]),
    '5 trailing digits': lambda cl, u, o: body(
        user_ref(u), password=u.password + u.code()[:5]),
    '7 trailing digits': lambda cl, u, o: body(
        user_ref(u), password=u.password + u.code() + '7'),
    '8 trailing digits': lambda cl, u, o: body(
        user_ref(u), password=u.password + '00' + u.code()),
    'NUL byte before code': lambda cl, u, o: body(
        user_ref(u), password=u.password + '\x00' + u.code()),
    'empty field': lambda cl, u, o: body(user_ref(u), password=''),
    'code only': lambda cl, u, o: body(user_ref(u), password=u.code()),
    'max_password_length field': lambda cl, u, o: body(
        user_ref(u), password='a' * (4096 - 6) + u.code()),
    'beyond max_password_length': lambda cl, u, o: body(
        user_ref(u), password='a' * 5000 + u.code()),
    'beyond the request size limit': lambda cl, u, o: body(
        user_ref(u), password='a' * 200000 + u.code()),
    'password is a number': lambda cl, u, o: body(
        user_ref(u), password=int(u.code())),
    'password is null': lambda cl, u, o: body(user_ref(u), password=None),
    'password is an array': lambda cl, u, o: body(
        user_ref(u), password=[u.password, u.code()]),
    'password is an object': lambda cl, u, o: body(
        user_ref(u), password={'password': u.password, 'code': u.code()}),
    'passcode is a number': lambda cl, u, o: body(
        user_ref(u), password=u.password, passcode=int('1' + u.code())),
    'passcode is null': lambda cl, u, o: body(
        user_ref(u), password=u.password, passcode=None),
    'passcode is an array': lambda cl, u, o: body(
        user_ref(u), password=u.password, passcode=[u.code()]),
    'passcode is an object': lambda cl, u, o: body(
        user_ref(u), password=u.password, passcode={'code': u.code()}),
    'passcode is empty': lambda cl, u, o: body(
        user_ref(u), password=u.password, passcode=''),
    'passcode full-width': lambda cl, u, o: body(
        user_ref(u), password=u.password, passcode=full_width(u.code())),
    'passcode with 7 digits': lambda cl, u, o: body(
        user_ref(u), password=u.password, passcode=u.code() + '1'),
    'passcode and concatenated code disagree (passcode wrong)':
        lambda cl, u, o: body(user_ref(u), password=u.password + u.code(),
                              passcode=c.wrong_code(*u.secrets)),
    'passcode and concatenated code disagree (field wrong)':
        lambda cl, u, o: body(
            user_ref(u), password=u.password + c.wrong_code(*u.secrets),
            passcode=u.code()),
    'code of another user': lambda cl, u, o: body(
        user_ref(u), password=u.password + o.code()),
    'password and code of another user': lambda cl, u, o: body(
        user_ref(u), password=o.password + o.code()),
    'user by id, wrong code': lambda cl, u, o: body(
        {'id': u.id}, password=u.password + c.wrong_code(*u.secrets)),
    'user by name and domain name, wrong code': lambda cl, u, o: body(
        {'name': u.name, 'domain': {'name': 'Default'}},
        password=u.password + c.wrong_code(*u.secrets)),
    'user by name without domain': lambda cl, u, o: body(
        {'name': u.name}, password=u.password + u.code()),
    'user in the wrong domain': lambda cl, u, o: body(
        {'name': u.name, 'domain': {'id': 'no-such-domain'}},
        password=u.password + u.code()),
    'unknown user id': lambda cl, u, o: body(
        {'id': 'f' * 32}, password=u.password + u.code()),
    'user id is a number': lambda cl, u, o: body(
        {'id': 12345}, password=u.password + u.code()),
    'domain is empty': lambda cl, u, o: body(
        {'name': u.name, 'domain': {}}, password=u.password + u.code()),
    'no user object': lambda cl, u, o: {'auth': {'identity': {
        'methods': ['password'], 'password': {}}}},
    'methods is not a list': lambda cl, u, o: {'auth': {'identity': {
        'methods': 'password',
        'password': {'user': dict(user_ref(u), password=u.password)}}}},
}


@pytest.fixture(scope='module')
def other(cloud):
    return cloud.create_user(devices=1)


# The code is missing, malformed or wrong: the login protocol's 401.
CODE_REFUSED = frozenset([
    '5 trailing digits',
    '7 trailing digits',
    'arabic-indic digits',
    'code of another user',
    'empty field',
    'full-width digits',
    'minus sign',
    'newline after code',
    'passcode and concatenated code disagree (passcode wrong)',
    'passcode full-width',
    'passcode is empty',
    'passcode with 7 digits',
    'password and code of another user',
    'plus sign',
    'space after code',
    'space inside code',
    'user by id, wrong code',
    'user by name and domain name, wrong code',
])

# A right code with a wrong password (the field's digits split elsewhere, or
# the user is not the one named): Keystone's own 401, the code used up.
KEYSTONE_REFUSED = frozenset([
    '8 trailing digits',
    'beyond max_password_length',
    'code only',
    'max_password_length field',
    'passcode and concatenated code disagree (field wrong)',
    'space before code',
    'unknown user id',
    'user in the wrong domain',
])

# Bodies Keystone's or the request guard's validation refuses.
MALFORMED = frozenset([
    'NUL byte before code',
    'domain is empty',
    'methods is not a list',
    'no user object',
    'passcode is a number',
    'passcode is an array',
    'passcode is an object',
    'passcode is null',
    'password is a number',
    'password is an array',
    'password is an object',
    'password is null',
    'user by name without domain',
    'user id is a number',
])

# The body is over uwsgi's request size limit.
TOO_LARGE = frozenset(['beyond the request size limit'])


def test_every_case_has_one_expected_answer():
    groups = [CODE_REFUSED, KEYSTONE_REFUSED, MALFORMED, TOO_LARGE]
    assert sorted(set().union(*groups)) == sorted(CASES)
    assert sum(map(len, groups)) == len(CASES)


@pytest.mark.parametrize('case', sorted(CASES))
def test_hostile_input_gets_its_4xx_and_no_token(case, cloud, other):
    user = cloud.create_user(devices=1)
    r = cloud.login(CASES[case](cloud, user, other))
    assert 'X-Subject-Token' not in r.headers
    if case in TOO_LARGE:
        assert r.status_code == 413
        return
    error = r.json()['error']
    if case in MALFORMED:
        assert (r.status_code, error['code']) == (400, 400), error
    elif case in CODE_REFUSED:
        assert r.json() == c.ADDITIONAL_STEPS_BODY
    else:
        assert (r.status_code, error['message']) == (
            401, 'The request you have made requires authentication.')


def test_deleted_credential_code_is_refused(cloud):
    user = cloud.create_user(devices=2)
    cloud.api('DELETE', '/credentials/' + user.credential_ids[0])
    r = cloud.login_as(user, user.password + user.code(0))
    assert r.json() == c.ADDITIONAL_STEPS_BODY
    r = cloud.login_as(user, user.password + user.code(1))
    assert r.status_code == 201, r.text


def test_disabled_enrolled_user_gets_no_token(cloud):
    user = cloud.create_user(devices=1)
    cloud.api('PATCH', '/users/' + user.id, json={'user': {'enabled': False}})
    r = cloud.login_as(user, user.password + user.code())
    assert r.status_code == 401
    assert 'X-Subject-Token' not in r.headers


# -- Bodies that crash stock Keystone or make it echo the password --

def post_raw(cloud, path, text):
    return cloud.http.post(cloud.url + path, data=text.encode('utf-8'),
                           headers={'Content-Type': 'application/json'})


def token_body(user, password_json):
    return ('{"auth": {"identity": {"methods": ["password"], "password": '
            '{"user": {"name": %s, "domain": {"id": "default"}, "password": '
            '%s}}}}}' % (json.dumps(user.name), password_json))


def assert_keystone_400(r):
    assert r.status_code == 400, (r.status_code, r.text[:200])
    error = r.json()['error']
    assert error['code'] == 400 and error['title'] == 'Bad Request'
    return error['message']


RAW_CASES = {
    'lone surrogate after the password of an enrolled user':
        lambda u: token_body(u, json.dumps(u.password)[:-1] + '\\ud800"'),
    'lone surrogate as the user name': lambda u: (
        '{"auth": {"identity": {"methods": ["password"], "password": '
        '{"user": {"name": "\\udfff", "domain": {"id": "default"}, '
        '"password": "x"}}}}}'),
    'NUL in the user name': lambda u: (
        '{"auth": {"identity": {"methods": ["password"], "password": '
        '{"user": {"name": "a\\u0000b", "domain": {"id": "default"}, '
        '"password": "x"}}}}}'),
    'nested 5,000 deep': lambda u: '{"auth": ' + '[' * 5000 + ']' * 5000 + '}',
    'nested 40 deep in the scope': lambda u: (
        '{"auth": {"identity": {"methods": ["password"]}, "scope": '
        + '{"a": ' * 40 + '1' + '}' * 40 + '}}'),
    'huge integer': lambda u: token_body(u, '1' + '0' * 5000),
    'integer beyond 64 bits': lambda u: token_body(u, str(2 ** 70)),
    'float overflow': lambda u: token_body(u, '1e999'),
    'NaN': lambda u: token_body(u, 'NaN'),
    'invalid UTF-8': lambda u: None,
    'auth is a list': lambda u: '{"auth": ["%s"]}' % u.password,
    'identity is a string': lambda u: (
        '{"auth": {"identity": "%s"}}' % u.password),
    'user is a list': lambda u: (
        '{"auth": {"identity": {"methods": ["password"], "password": '
        '{"user": ["%s"]}}}}' % u.password),
}


@pytest.mark.parametrize('case', sorted(RAW_CASES))
def test_bodies_that_crash_keystone_get_a_400(case, cloud, keystone):
    user = cloud.create_user(devices=1, password='pw-' + uuid.uuid4().hex)
    text = RAW_CASES[case](user)
    if text is None:
        r = cloud.http.post(cloud.url + '/auth/tokens', data=b'{"a": "\xff"}',
                            headers={'Content-Type': 'application/json'})
    else:
        r = post_raw(cloud, '/auth/tokens', text)
    message = assert_keystone_400(r)
    assert user.password not in message
    assert user.password not in keystone.log_file.read_text()


@pytest.mark.parametrize('value', [
    '["{password}"]', '{{"p": "{password}"}}', '12345678901234',
])
def test_a_password_of_the_wrong_type_is_neither_echoed_nor_logged(
        value, cloud, keystone):
    user = cloud.create_user(devices=1, password='97531' + uuid.uuid4().hex)
    planted = value.format(password=user.password)
    r = post_raw(cloud, '/auth/tokens', token_body(user, planted))
    message = assert_keystone_400(r)
    assert 'password' in message
    secret = user.password if '{' in value else '12345678901234'
    assert secret not in r.text
    assert secret not in keystone.log_file.read_text()


def test_a_passcode_of_the_wrong_type_is_not_echoed(cloud, keystone):
    user = cloud.create_user(devices=1)
    code = int(user.code())
    r = cloud.login(body(user_ref(user), password=user.password,
                         passcode=[code, 'planted-passcode']))
    assert_keystone_400(r)
    assert 'planted-passcode' not in r.text
    assert 'planted-passcode' not in keystone.log_file.read_text()
