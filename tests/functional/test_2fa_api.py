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

"""The OS-TOTP API (/v3/users/{user_id}/OS-TOTP) on a real Keystone, over
HTTP: validate-and-set on the server, secrets shown once, a token alone
cannot add or remove a device or turn 2FA off, admin reset."""

import json
import time

import pyotp
import pytest
import requests

from tests import cloud as c
from tests.conftest import another_node
from tests.totp_api import base
from tests.totp_api import begin
from tests.totp_api import call
from tests.totp_api import confirm
from tests.totp_api import enable
from tests.totp_api import next_code
from tests.totp_api import refused_login
from tests.totp_api import status
from tests.totp_api import stored
from tests.totp_api import token_of


# -- happy paths --

def test_enable_flow_status_and_login(cloud):
    user = cloud.create_user()
    token = token_of(cloud, user)
    off = status(cloud, user, token)
    assert off['enabled'] is False and off['devices'] == []
    assert off['pending_enrolment'] is None

    enrolment = begin(cloud, token, user, label='phone')
    secret = enrolment['secret']
    assert len(secret) == 32  # 160 bits
    otp = pyotp.parse_uri(enrolment['otpauth_uri'])
    assert otp.secret == secret
    assert otp.name == '%s@Default' % user.name and otp.issuer == 'OpenStack'
    assert enrolment['digits'] == 6 and otp.digits == 6
    assert enrolment['period'] == 30 and enrolment['algorithm'] == 'SHA1'
    assert enrolment['label'] == 'phone'

    pending = status(cloud, user, token)
    assert pending['enabled'] is False
    assert pending['pending_enrolment']['label'] == 'phone'
    assert secret not in json.dumps(pending)
    # Pending: logins unchanged, nothing stored.
    assert stored(cloud, user) == {}
    assert cloud.login_as(user, user.password).status_code == 201

    code = c.code_for(secret)
    r = confirm(cloud, token, user, code)
    assert r.status_code == 201, r.text
    device = r.json()['device']
    assert device['label'] == 'phone' and device['created_at']
    # The confirm code is the device's first accepted code.
    assert device['last_used_at'] is not None
    assert secret not in r.text
    assert stored(cloud, user) == {device['id']: secret}

    on = status(cloud, user, token)
    assert on['enabled'] is True and on['pending_enrolment'] is None
    assert [d['id'] for d in on['devices']] == [device['id']]
    assert secret not in json.dumps(on)

    # The confirm code is used up: it cannot log in.
    assert refused_login(cloud.login_as(user, user.password + code))
    assert refused_login(cloud.login_as(user, user.password))
    r = cloud.login_as(user, user.password + next_code(secret))
    assert r.status_code == 201, r.text
    used = status(cloud, user)['devices'][0]
    assert used['last_used_at'] is not None


def test_a_pending_secret_logs_nobody_in(cloud):
    """A pending secret logs nobody in.

    Its code is not a device's yet; the enrolled user's logins are as before.
    """
    user = cloud.create_user(devices=1)
    token = token_of(cloud, user, user.password + user.code())
    pending = begin(cloud, token, user)['secret']
    assert refused_login(cloud.login_as(
        user, user.password + c.code_for(pending)))
    assert refused_login(cloud.login_as(user, user.password))
    assert list(stored(cloud, user)) == user.credential_ids


def test_devices_list_and_show(cloud):
    user = cloud.create_user()
    secret, device = enable(cloud, user, label='work phone')
    admin = cloud.admin.get_token()
    listed = call(admin, 'GET', base(cloud, user) + '/devices')
    assert listed.status_code == 200, listed.text
    assert [d['id'] for d in listed.json()['devices']] == [device['id']]
    shown = call(admin, 'GET', base(cloud, user) + '/devices/' + device['id'])
    assert shown.status_code == 200
    assert shown.json()['device']['label'] == 'work phone'
    for r in (listed, shown):
        assert secret not in r.text
    missing = call(admin, 'GET', base(cloud, user) + '/devices/nope')
    assert missing.status_code == 404


def test_add_device_with_a_fresh_password_and_code_token(cloud):
    user = cloud.create_user()
    first, _ = enable(cloud, user)
    token = token_of(cloud, user, user.password + next_code(first))
    enrolment = begin(cloud, token, user, label='tablet')
    second = enrolment['secret']
    r = confirm(cloud, token, user, c.code_for(second))
    assert r.status_code == 201, r.text
    assert len(status(cloud, user)['devices']) == 2
    assert set(stored(cloud, user).values()) == {first, second}
    assert cloud.login_as(
        user, user.password + c.code_for(second, 1)).status_code == 201


def test_remove_device_and_disable_with_a_fresh_token(cloud):
    user = cloud.create_user()
    first, dev1 = enable(cloud, user)
    token = token_of(cloud, user, user.password + next_code(first))
    second = begin(cloud, token, user)['secret']
    dev2 = confirm(cloud, token, user, c.code_for(second)).json()['device']

    r = call(token, 'DELETE', base(cloud, user) + '/devices/' + dev1['id'])
    assert r.status_code == 204, r.text
    assert list(stored(cloud, user)) == [dev2['id']]

    r = call(token, 'DELETE', base(cloud, user))
    assert r.status_code == 204, r.text
    assert stored(cloud, user) == {}
    assert status(cloud, user)['enabled'] is False
    assert cloud.login_as(user, user.password).status_code == 201
    again = call(token, 'DELETE', base(cloud, user))
    assert again.status_code == 404


def test_cancel_a_pending_enrolment(cloud):
    user = cloud.create_user()
    token = token_of(cloud, user)
    secret = begin(cloud, token, user)['secret']
    r = call(token, 'DELETE', base(cloud, user) + '/enrolment')
    assert r.status_code == 204
    assert status(cloud, user)['pending_enrolment'] is None
    assert confirm(cloud, token, user, c.code_for(secret)).status_code == 404
    assert call(token, 'DELETE',
                base(cloud, user) + '/enrolment').status_code == 404


def test_a_new_begin_replaces_the_pending_secret(cloud):
    user = cloud.create_user()
    token = token_of(cloud, user)
    old = begin(cloud, token, user)['secret']
    new = begin(cloud, token, user)['secret']
    assert old != new
    r = confirm(cloud, token, user, c.code_for(old))
    assert r.status_code == 403, r.text
    r = confirm(cloud, token, user, c.code_for(new))
    assert r.status_code == 201, r.text
    assert list(stored(cloud, user).values()) == [new]


# -- a token alone --

@pytest.fixture(scope='module')
def strict_node(keystone, tmp_path_factory):
    """Another node of the same cloud (same database).

    3 code checks before a lockout, and no token counts as fresh (a code is
    always needed).
    """
    with another_node(keystone, tmp_path_factory, 'strict-keystone',
                      overrides={'totp_concat': {
                          'max_failures': 3, 'lockout_duration': 600,
                          'fresh_token_seconds': 0}}) as node:
        yield node


def test_a_token_taken_before_enrolment_cannot_undo_it(cloud):
    """The thief's token from before the user turned 2FA on.

    It cannot read the secret, remove the device, turn 2FA off or add a
    device.
    """
    user = cloud.create_user()
    stolen = token_of(cloud, user)
    secret, device = enable(cloud, user)
    creds = cloud.url + '/credentials'

    assert call(stolen, 'GET', creds + '/' + device['id']).status_code == 403
    listed = call(stolen, 'GET', creds)
    assert listed.status_code == 200 and secret not in listed.text
    assert secret not in call(stolen, 'GET', base(cloud, user)).text
    assert call(stolen, 'DELETE', creds + '/' + device['id']).status_code == (
        403)
    for method, path in (('DELETE', '/devices/' + device['id']),
                         ('DELETE', ''), ('POST', '/enrolment')):
        r = call(stolen, method, base(cloud, user) + path)
        assert r.status_code == 403, (path, r.text)
        assert 'passcode' in r.json()['error']['message']
    assert stored(cloud, user) == {device['id']: secret}
    assert status(cloud, user)['pending_enrolment'] is None
    assert refused_login(cloud.login_as(user, user.password))


def test_a_wrong_code_does_not_prove_the_second_factor(cloud):
    user = cloud.create_user()
    stolen = token_of(cloud, user)
    secret, device = enable(cloud, user)
    r = call(stolen, 'DELETE', base(cloud, user),
             {'totp': {'passcode': c.wrong_code(secret)}})
    assert r.status_code == 403, r.text
    assert 'not accepted' in r.json()['error']['message']
    assert list(stored(cloud, user)) == [device['id']]


def test_a_token_holders_wrong_codes_never_lock_the_users_logins(cloud):
    """A stale token's guesses are bounded by the proofs' own throttle.

    Ten wrong passcodes (max_failures) lock the proofs, so the right code
    is refused too; the user's password+code login is untouched, and a
    fresh password+code token still proves the second factor.
    """
    user = cloud.create_user()
    stale = token_of(cloud, user)
    secret, device = enable(cloud, user)
    path = base(cloud, user) + '/recovery_codes'
    for _ in range(30):
        r = call(stale, 'DELETE', path,
                 {'recovery_codes': {'passcode': c.wrong_code(secret)}})
        assert r.status_code == 403, r.text
    r = call(stale, 'DELETE', path,
             {'recovery_codes': {'passcode': next_code(secret)}})
    assert r.status_code == 403, r.text
    assert cloud.sql('SELECT lockouts FROM totp_concat_proof_throttle '
                     'WHERE user_id = :u', u=user.id)[0][0] == 1
    assert cloud.sql('SELECT failures FROM totp_concat_throttle WHERE '
                     'user_id = :u', u=user.id) == []
    fresh = token_of(cloud, user, user.password + c.code_for(secret, 1))
    assert call(fresh, 'DELETE', path).status_code == 204
    assert list(stored(cloud, user)) == [device['id']]


def test_a_current_code_proves_it_and_is_used_up(cloud):
    user = cloud.create_user()
    token = token_of(cloud, user)
    secret, device = enable(cloud, user)
    code = next_code(secret)
    r = call(token, 'POST', base(cloud, user) + '/enrolment',
             {'enrolment': {'passcode': code}})
    assert r.status_code == 201, r.text
    # The code proved the second factor once: it cannot log in.
    assert refused_login(cloud.login_as(user, user.password + code))


def test_a_current_code_removes_a_device(cloud):
    user = cloud.create_user()
    token = token_of(cloud, user)
    secret, device = enable(cloud, user)
    r = call(token, 'DELETE', base(cloud, user) + '/devices/' + device['id'],
             {'device': {'passcode': next_code(secret)}})
    assert r.status_code == 204, r.text
    assert stored(cloud, user) == {}
    assert cloud.login_as(user, user.password).status_code == 201


def test_a_begin_with_a_bare_token_cannot_add_a_second_device(cloud):
    """A bare token's pending enrolment does not become a second device.

    It was begun before the user had a device, and is refused once they
    have one.
    """
    user = cloud.create_user()
    stolen = token_of(cloud, user)
    planted = begin(cloud, stolen, user)['secret']
    cloud.enrol(user, c.new_secret())  # the user enrols meanwhile
    r = confirm(cloud, stolen, user, c.code_for(planted))
    assert r.status_code == 403, r.text
    assert len(stored(cloud, user)) == 1


def test_a_reissued_token_is_not_fresh(cloud):
    user = cloud.create_user()
    secret, device = enable(cloud, user)
    fresh = token_of(cloud, user, user.password + next_code(secret))
    r = cloud.http.post(cloud.url + '/auth/tokens', json={'auth': {
        'identity': {'methods': ['token'], 'token': {'id': fresh}},
        'scope': {'project': {'id': user.project_id}}}})
    assert r.status_code == 201, r.text
    assert 'totp' in r.json()['token']['methods']
    reissued = r.headers['X-Subject-Token']
    r = call(reissued, 'DELETE', base(cloud, user))
    assert r.status_code == 403, r.text
    assert call(fresh, 'DELETE', base(cloud, user)).status_code == 204


def test_an_application_credential_cannot_turn_2fa_off(cloud):
    user = cloud.create_user()
    secret, device = enable(cloud, user)
    token = token_of(cloud, user, user.password + next_code(secret))
    r = call(token, 'POST', '%s/users/%s/application_credentials'
             % (cloud.url, user.id),
             {'application_credential': {'name': 'ci'}})
    assert r.status_code == 201, r.text
    app_cred = r.json()['application_credential']
    r = cloud.http.post(cloud.url + '/auth/tokens', json={'auth': {
        'identity': {'methods': ['application_credential'],
                     'application_credential': {
                         'id': app_cred['id'],
                         'secret': app_cred['secret']}}}})
    assert r.status_code == 201, r.text
    delegated = r.headers['X-Subject-Token']
    for method, path in (('DELETE', ''), ('POST', '/enrolment'),
                         ('DELETE', '/devices/' + device['id'])):
        r = call(delegated, method, base(cloud, user) + path)
        assert r.status_code == 403, (path, r.text)
    assert call(delegated, 'GET', cloud.url + '/credentials/'
                + device['id']).status_code == 403
    assert list(stored(cloud, user)) == [device['id']]


def test_a_token_that_is_not_fresh_needs_a_code(cloud, strict_node):
    user = cloud.create_user(devices=1)
    url = strict_node.url
    token = token_of(cloud, user, user.password + user.code(), url=url)
    r = call(token, 'POST', base(cloud, user, url) + '/enrolment')
    assert r.status_code == 403, r.text
    r = call(token, 'POST', base(cloud, user, url) + '/enrolment',
             {'enrolment': {'passcode': user.code(0, 1),
                            'label': 'second'}})
    assert r.status_code == 201, r.text
    second = r.json()['enrolment']['secret']
    r = confirm(cloud, token, user, c.code_for(second), url=url)
    assert r.status_code == 201, r.text
    assert r.json()['device']['label'] == 'second'
    assert len(stored(cloud, user)) == 2


# -- other callers --

def test_another_user_cannot_see_or_touch(cloud):
    user, other = cloud.create_user(), cloud.create_user()
    enable(cloud, user)
    token = token_of(cloud, other)
    for method, path in (('GET', ''), ('GET', '/devices'),
                         ('GET', '/devices/' + user.credential_ids[0]),
                         ('POST', '/enrolment'), ('DELETE', '/enrolment'),
                         ('POST', '/devices'), ('DELETE', ''),
                         ('DELETE', '/devices/' + user.credential_ids[0])):
        body = {'device': {'passcode': '123456'}} if path == '/devices' \
            and method == 'POST' else None
        r = call(token, method, base(cloud, user) + path, body)
        assert r.status_code == 403, (method, path, r.text)
    assert len(stored(cloud, user)) == 1


def test_admin_resets_a_lost_phone_without_a_code(cloud):
    user = cloud.create_user()
    secret, device = enable(cloud, user)
    admin = cloud.admin.get_token()
    assert status(cloud, user, admin)['enabled'] is True
    r = call(admin, 'DELETE', base(cloud, user))
    assert r.status_code == 204, r.text
    assert stored(cloud, user) == {}
    assert cloud.login_as(user, user.password).status_code == 201

    # ... and can enrol for the user (the secret is handed over).
    enrolment = begin(cloud, admin, user)
    r = confirm(cloud, admin, user, c.code_for(enrolment['secret']))
    assert r.status_code == 201, r.text
    dev = r.json()['device']['id']
    r = call(admin, 'DELETE', base(cloud, user) + '/devices/' + dev)
    assert r.status_code == 204, r.text

    missing = call(admin, 'GET',
                   '%s/users/%s/OS-TOTP' % (cloud.url, 'no-such'))
    assert missing.status_code == 404


def test_unauthenticated_callers_get_401(cloud):
    user = cloud.create_user()
    for token in (None, 'not-a-token'):
        for method, path in (('GET', ''), ('POST', '/enrolment'),
                             ('DELETE', '')):
            r = call(token, method, base(cloud, user) + path)
            assert r.status_code == 401, (token, path, r.text)


# -- state shared by nodes; expiry; throttle --

def test_begin_on_one_node_confirm_on_another(cloud, strict_node):
    user = cloud.create_user()
    token = token_of(cloud, user)
    secret = begin(cloud, token, user)['secret']
    seen = call(token, 'GET', base(cloud, user, strict_node.url))
    assert seen.json()['totp']['pending_enrolment'] is not None
    r = confirm(cloud, token, user, c.code_for(secret), url=strict_node.url)
    assert r.status_code == 201, r.text
    assert status(cloud, user)['enabled'] is True
    assert cloud.login_as(user, user.password + next_code(secret)
                          ).status_code == 201


def test_an_expired_enrolment_cannot_be_confirmed(cloud):
    user = cloud.create_user()
    token = token_of(cloud, user)
    secret = begin(cloud, token, user)['secret']
    expires = status(cloud, user)['pending_enrolment']['expires_at']
    assert expires  # default: 10 minutes from now
    cloud.sql('UPDATE totp_concat_pending SET expires_at = :t '
              'WHERE user_id = :u', t=int(time.time()) - 1, u=user.id)
    r = confirm(cloud, token, user, c.code_for(secret))
    assert r.status_code == 404, r.text
    assert 'No pending enrolment' in r.json()['error']['message']
    assert status(cloud, user)['pending_enrolment'] is None
    assert stored(cloud, user) == {}
    assert cloud.sql('SELECT user_id FROM totp_concat_pending WHERE '
                     'user_id = :u', u=user.id) == []


def test_confirm_is_throttled_like_a_login(cloud, strict_node):
    user = cloud.create_user()
    url = strict_node.url
    token = token_of(cloud, user)
    secret = begin(cloud, token, user, url=url)['secret']
    for _ in range(3):
        r = confirm(cloud, token, user, c.wrong_code(secret), url=url)
        assert r.status_code == 403, r.text
    # Locked: even the right code is refused, and nothing is stored.
    start = strict_node.log_offset()
    r = confirm(cloud, token, user, c.code_for(secret), url=url)
    assert r.status_code == 403, r.text
    assert stored(cloud, user) == {}
    log = strict_node.log_since(start)
    assert 'TOTP code of user %s not checked: too many failed' % user.id \
        in log


# -- nothing secret anywhere but the begin answer --

def test_secrets_and_codes_are_in_no_other_answer_and_no_log(cloud,
                                                             keystone):
    user = cloud.create_user()
    token = token_of(cloud, user)
    answers = []
    r = call(token, 'POST', base(cloud, user) + '/enrolment',
             {'enrolment': {'label': 'phone'}})
    assert r.headers['Cache-Control'] == 'no-store'
    secret = r.json()['enrolment']['secret']
    code = c.code_for(secret)
    answers.append(call(token, 'GET', base(cloud, user)))
    answers.append(confirm(cloud, token, user, code))
    device = answers[-1].json()['device']['id']
    fresh_code = next_code(secret)
    fresh = token_of(cloud, user, user.password + fresh_code)
    answers.append(call(fresh, 'GET', base(cloud, user) + '/devices'))
    answers.append(call(fresh, 'GET', base(cloud, user) + '/devices/'
                        + device))
    answers.append(call(fresh, 'DELETE', base(cloud, user)))
    for answer in answers:
        assert answer.status_code < 300, answer.text
        assert secret not in answer.text
        assert secret not in str(answer.headers)

    log = keystone.log_file.read_text()
    assert secret not in log
    assert user.password not in log
    for used in (code, fresh_code):
        lines = [x for x in log.splitlines() if user.id in x]
        assert not any(used in x.replace(user.id, '') for x in lines)
    # The audit trail: CADF events and log lines, enable (with its recovery
    # codes) then off.
    events = [json.loads(x[x.index('{'):])['payload'] for x in
              log.splitlines()
              if 'oslo.messaging.notification.identity.OS-TOTP' in x
              and user.id in x]
    assert [e['action'] for e in events] == ['enable', 'create', 'disable']
    assert all(e['outcome'] == 'success' for e in events)
    assert all(e['target']['id'] == user.id for e in events)
    lines = [x for x in log.splitlines()
             if 'Two Factor Authentication of user %s' % user.id in x]
    assert any('turned on' in x for x in lines)
    assert any('turned off' in x for x in lines)


# -- hostile input: always a 4xx in Keystone's error shape, never a 5xx --

def raw(token, method, url, data, content_type='application/json'):
    headers = {'X-Auth-Token': token, 'Content-Type': content_type}
    return requests.request(method, url, headers=headers, data=data,
                            timeout=30)


# The answer's status, and whether it is Keystone's error body ({"error":
# {"code", "message", "title"}}): a 405 and a path no route matches are
# answered by Flask/Werkzeug before Keystone sees the request.
KEYSTONE_ERROR, ROUTING = True, False


def hostile_cases(cloud, user, token):
    """``(method, url, body, status, keystone_error)`` of each case."""
    b = base(cloud, user)
    enrol, devices, device = b + '/enrolment', b + '/devices', b + '/devices/x'
    nested = '{"device": {"passcode": %s%s}}' % ('[' * 200, ']' * 200)
    bad_requests = [
        ('POST', enrol, '[]'),
        ('POST', enrol, '"enrolment"'),
        ('POST', enrol, '{'),
        ('POST', enrol, '{"enrolment": []}'),
        ('POST', enrol, '{"enrolment": {"label": 5}}'),
        ('POST', enrol, '{"enrolment": {"label": ""}}'),
        ('POST', enrol, json.dumps({'enrolment': {'label': 'x' * 256}})),
        ('POST', enrol, '{"enrolment": {"label": "a\\u0000b"}}'),
        ('POST', enrol, '{"enrolment": {"label": "\\ud800"}}'),
        ('POST', enrol, '{"enrolment": {"label": "\\u202e\\u0007"}}'),
        ('POST', enrol, '{"enrolment": {"passcode": 123456}}'),
        ('POST', enrol, '{"enrolment": {"secret": "JBSWY3DPEHPK3PXP"}}'),
        ('POST', devices, ''),
        ('POST', devices, '{"device": {}}'),
        ('POST', devices, '{"device": {"passcode": "12345"}}'),
        ('POST', devices, '{"device": {"passcode": "1234567"}}'),
        ('POST', devices, json.dumps({'device': {'passcode': '１２３４５６'}})),
        ('POST', devices, '{"device": {"passcode": "123456\\n"}}'),
        ('POST', devices, '{"device": {"passcode": " 123456"}}'),
        ('POST', devices, '{"device": {"passcode": null}}'),
        ('POST', devices, '{"device": {"passcode": ["123456"]}}'),
        ('POST', devices, '{"device": {"passcode": 1e400}}'),
        ('POST', devices, '{"device": {"passcode": 123456}}'),
        ('POST', devices, nested),
        ('POST', devices, '{"device": {"passcode": "123456", "label": {}}}'),
        ('DELETE', b, '{"totp": "123456"}'),
        ('DELETE', b, '{"totp": {"passcode": true}}'),
        ('DELETE', device, '{"device": {"passcode": 0}}'),
    ]
    return [case + (400, KEYSTONE_ERROR) for case in bad_requests] + [
        ('DELETE', device, '', 404, KEYSTONE_ERROR),
        ('PUT', b, '{}', 405, ROUTING),
        ('PATCH', devices, '{}', 405, ROUTING),
        ('GET', b + '/devices/' + 'x' * 1000, None, 404, KEYSTONE_ERROR),
        ('GET', '%s/users/%s/OS-TOTP' % (cloud.url, 'u' * 300), None, 404,
         KEYSTONE_ERROR),
        ('GET', '%s/users/%%00/OS-TOTP' % cloud.url, None, 404,
         KEYSTONE_ERROR),
        ('POST', '%s/users/%s/OS-TOTP/enrolment' % (cloud.url, '..%2F..'),
         '{}', 404, ROUTING),
    ]


def test_hostile_input_gets_a_4xx(cloud, keystone):
    user = cloud.create_user()
    token = token_of(cloud, user)
    cases = hostile_cases(cloud, user, token)
    assert len(cases) >= 20
    for method, url, data, status_code, keystone_error in cases:
        r = raw(token, method, url, data)
        assert r.status_code == status_code, (method, url, data, r.text)
        if keystone_error:
            assert r.json()['error']['code'] == status_code, r.text
            assert set(r.json()['error']) >= {'code', 'message', 'title'}
    r = raw(token, 'POST', base(cloud, user) + '/enrolment', 'label=x',
            content_type='text/plain')
    assert r.status_code == 400, r.text
    # None of it changed anything, and nothing was counted as a guess.
    assert status(cloud, user)['pending_enrolment'] is None
    assert stored(cloud, user) == {}
    assert cloud.sql('SELECT failures FROM totp_concat_throttle WHERE '
                     'user_id = :u', u=user.id) == []
    log = keystone.log_file.read_text()
    assert 'UnexpectedError' not in log and 'Internal Server Error' not in log


# -- Keystone's conventions: JSON Home, policy overrides --

def test_json_home_lists_the_routes(cloud):
    r = requests.get(cloud.url, headers={'Accept': 'application/json-home'},
                     timeout=30)
    assert r.status_code == 200, r.text
    resources = r.json()['resources']
    rel = ('https://docs.openstack.org/api/openstack-identity/3/ext/'
           'OS-TOTP/1.0/rel/')
    assert resources[rel + 'totp']['href-template'] == (
        '/users/{user_id}/OS-TOTP')
    assert resources[rel + 'totp_device']['href-template'] == (
        '/users/{user_id}/OS-TOTP/devices/{device_id}')


def test_policy_file_overrides_the_defaults(cloud, keystone,
                                            tmp_path_factory):
    """An operator's rule replaces the default.

    Here only admins may turn 2FA off, even for users with a fresh
    password+code token.
    """
    policy = tmp_path_factory.mktemp('policy') / 'policy.yaml'
    policy.write_text('"identity:disable_totp": "rule:admin_required"\n')
    user = cloud.create_user(devices=1)
    with another_node(keystone, tmp_path_factory, 'totp-policy', overrides={
            'oslo_policy': {'policy_file': str(policy)}}) as node:
        token = token_of(cloud, user, user.password + user.code(),
                         url=node.url)
        r = call(token, 'DELETE', base(cloud, user, node.url))
        assert r.status_code == 403, r.text
        assert 'identity:disable_totp' in r.json()['error']['message']
        assert call(token, 'GET', base(cloud, user, node.url)).status_code \
            == 200
        r = call(cloud.admin.get_token(), 'DELETE',
                 base(cloud, user, node.url))
        assert r.status_code == 204, r.text


def test_deleting_a_user_or_credential_drops_the_enrolment_data(cloud):
    user = cloud.create_user()
    secret, device = enable(cloud, user)
    fresh = token_of(cloud, user, user.password + next_code(secret))
    begin(cloud, fresh, user)
    cloud.api('DELETE', '/credentials/' + device['id'])
    assert cloud.sql('SELECT credential_id FROM totp_concat_device WHERE '
                     'user_id = :u', u=user.id) == []
    assert cloud.sql('SELECT user_id FROM totp_concat_pending WHERE '
                     'user_id = :u', u=user.id) != []
    cloud.api('DELETE', '/users/' + user.id)
    assert cloud.sql('SELECT user_id FROM totp_concat_pending WHERE '
                     'user_id = :u', u=user.id) == []
    r = call(cloud.admin.get_token(), 'GET', base(cloud, user))
    assert r.status_code == 404, r.text
