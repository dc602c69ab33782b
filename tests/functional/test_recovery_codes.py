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

"""Recovery codes against a real Keystone.

Recovery codes against a real Keystone: made when 2FA turns on, each
logs in once (on any node, in every form a TOTP code takes), uncounted and
accepted during a lockout, used up by a wrong password, regenerated with
proof, revoked by an admin, stored only as hashes.
"""

import collections
import concurrent.futures
import threading

import pytest
import requests

from keystone_totp_concat.core import recovery
from keystone_totp_concat.server.auth import second_factor
from tests import cloud as c
from tests.conftest import another_node
from tests.totp_api import base
from tests.totp_api import begin
from tests.totp_api import call
from tests.totp_api import confirm
from tests.totp_api import refused_login
from tests.totp_api import status
from tests.totp_api import token_of

LEFT = second_factor.LEFT_HEADER


def enable(cloud, user):
    """Turn 2FA on through the API; the recovery codes it answered."""
    token = token_of(cloud, user)
    secret = begin(cloud, token, user)['secret']
    r = confirm(cloud, token, user, c.code_for(secret))
    assert r.status_code == 201, r.text
    assert r.headers['Cache-Control'] == 'no-store'
    user.secrets.append(secret)
    user.credential_ids.append(r.json()['device']['id'])
    return r.json()['recovery_codes']


@pytest.fixture(scope='module')
def second_node(keystone, tmp_path_factory):
    with another_node(keystone, tmp_path_factory, 'recovery-node') as node:
        yield node


def test_turning_2fa_on_gives_ten_codes_shown_once(cloud):
    user = cloud.create_user()
    codes = enable(cloud, user)
    assert len(codes) == len(set(codes)) == recovery.COUNT
    assert all(recovery.is_recovery_code(code) for code in codes)
    answer = status(cloud, user, token_of(
        cloud, user, user.password + user.code(offset_steps=1)))
    assert answer['recovery_codes'] == {'remaining': 10}
    assert not any(code in str(answer) for code in codes)


def test_each_code_logs_in_once_on_either_node(cloud, second_node):
    user = cloud.create_user()
    codes = enable(cloud, user)
    for n, code in enumerate(codes[:4]):
        url = (cloud.url, second_node.url)[n % 2]
        r = cloud.login_as(user, user.password + code, url=url)
        assert r.status_code == 201, r.text
        assert r.headers[LEFT] == str(9 - n)
        assert 'recovery code was used' in r.headers['Warning']
        assert 'totp' in r.json()['token']['methods']
        again = cloud.login_as(user, user.password + code,
                               url=(second_node.url, cloud.url)[n % 2])
        assert refused_login(again), again.text


def test_a_code_works_in_every_form_of_the_code(cloud):
    user = cloud.create_user()
    codes = enable(cloud, user)
    ref = {'name': user.name, 'domain': {'id': user.domain_id}}
    forms = [
        c.password_auth(ref, user.password, passcode=codes[0]),
        {'auth': {'identity': {
            'methods': ['password', 'totp'],
            'password': {'user': dict(ref, password=user.password)},
            'totp': {'user': dict(ref, passcode=codes[1])}}}},
    ]
    for body in forms:
        r = cloud.login(body)
        assert r.status_code == 201, r.text


def test_a_code_with_a_wrong_password_is_used_up(cloud):
    """Whoever holds a recovery code but not the password guesses once.

    Keystone's own check counts the wrong password; the code is gone.
    """
    user = cloud.create_user()
    codes = enable(cloud, user)
    r = cloud.login_as(user, 'wrong' + codes[0])
    assert r.status_code == 401 and not refused_login(r), r.text
    assert refused_login(cloud.login_as(user, user.password + codes[0]))
    assert status(cloud, user)['recovery_codes']['remaining'] == 9
    r = cloud.login_as(user, user.password + codes[1])
    assert r.status_code == 201, r.text


def test_wrong_recovery_codes_count_nowhere(cloud):
    """60 random bits need no throttle: no lockout, no failure on record."""
    user = cloud.create_user()
    codes = enable(cloud, user)
    wrong = [code for code in recovery.generate(20)
             if recovery.code_id(code) not in
             {recovery.code_id(x) for x in codes}][:12]
    for code in wrong:
        assert refused_login(cloud.login_as(user, user.password + code))
    assert cloud.sql('SELECT failures FROM totp_concat_throttle WHERE '
                     'user_id = :u', u=user.id) == []
    r = cloud.login_as(user, user.password + codes[0])
    assert r.status_code == 201, r.text


def test_a_recovery_code_logs_in_during_a_lockout(cloud):
    """The way back in after someone with the password locked the codes."""
    user = cloud.create_user()
    codes = enable(cloud, user)
    wrong = user.password + c.wrong_code(*user.secrets)
    for _ in range(12):
        assert refused_login(cloud.login_as(user, wrong))
    assert refused_login(cloud.login_as(
        user, user.password + c.code_for(user.secrets[0], 1)))
    r = cloud.login_as(user, user.password + codes[0])
    assert r.status_code == 201, r.text
    assert cloud.sql('SELECT failures FROM totp_concat_throttle WHERE '
                     'user_id = :u', u=user.id) == []


def test_a_burst_of_one_code_gives_one_token_and_locks_nothing(cloud):
    user = cloud.create_user()
    codes = enable(cloud, user)
    start = threading.Barrier(16)

    def login(_):
        start.wait()
        return cloud.login_as(user, user.password + codes[0]).status_code

    with concurrent.futures.ThreadPoolExecutor(16) as pool:
        answers = collections.Counter(pool.map(login, range(16)))
    assert answers == {201: 1, 401: 15}
    assert cloud.sql('SELECT failures FROM totp_concat_throttle WHERE '
                     'user_id = :u', u=user.id) == []
    r = cloud.login_as(user, user.password + c.code_for(user.secrets[0], 1))
    assert r.status_code == 201, r.text


def reissue(cloud, token):
    r = requests.post(cloud.url + '/auth/tokens', json={'auth': {
        'identity': {'methods': ['token'], 'token': {'id': token}}}})
    assert r.status_code == 201, r.text
    return r.headers['X-Subject-Token']


def test_a_recovery_login_regenerates_and_ends_the_old_set(cloud):
    """The lost phone: a recovery login is proof enough for a new set.

    The lost phone: log in with a recovery code, and that fresh login
    is the proof for a new set (and for a new device).
    """
    user = cloud.create_user()
    old = enable(cloud, user)
    token = token_of(cloud, user, user.password + old[0])
    r = call(token, 'POST', base(cloud, user) + '/recovery_codes')
    assert r.status_code == 201, r.text
    assert r.headers['Cache-Control'] == 'no-store'
    new = r.json()['recovery_codes']['codes']
    assert r.json()['recovery_codes']['remaining'] == 10
    assert not set(new) & set(old)
    assert refused_login(cloud.login_as(user, user.password + old[1]))
    assert cloud.login_as(user, user.password + new[0]).status_code == 201


def test_a_token_that_is_not_fresh_needs_a_code_to_regenerate(cloud):
    user = cloud.create_user()
    codes = enable(cloud, user)
    stale = reissue(cloud, token_of(cloud, user, user.password + codes[0]))
    url = base(cloud, user) + '/recovery_codes'
    r = call(stale, 'POST', url)
    assert r.status_code == 403, r.text
    r = call(stale, 'POST', url, {'recovery_codes': {
        'passcode': c.wrong_code(*user.secrets)}})
    assert r.status_code == 403, r.text
    r = call(stale, 'POST', url, {'recovery_codes': {
        'passcode': user.code(offset_steps=1)}})
    assert r.status_code == 201, r.text
    assert refused_login(cloud.login_as(user, user.password + codes[1]))


def test_only_hashes_are_stored(cloud):
    user = cloud.create_user()
    codes = enable(cloud, user)
    rows = cloud.sql('SELECT * FROM totp_concat_recovery_code WHERE '
                     'user_id = :u', u=user.id)
    assert len(rows) == 10
    dump = repr(rows)
    assert not any(code in dump for code in codes)
    assert all(row.code_hash.startswith('$2') for row in rows)


def test_admin_sees_the_count_and_revokes(cloud):
    user = cloud.create_user()
    codes = enable(cloud, user)
    assert cloud.login_as(user, user.password + codes[0]).status_code == 201
    admin = cloud.admin.get_token()
    assert status(cloud, user, admin)['recovery_codes'] == {'remaining': 9}
    r = call(admin, 'DELETE', base(cloud, user) + '/recovery_codes')
    assert r.status_code == 204, r.text
    assert status(cloud, user, admin)['recovery_codes'] == {'remaining': 0}
    assert refused_login(cloud.login_as(user, user.password + codes[1]))


def test_turning_2fa_off_drops_the_codes(cloud):
    user = cloud.create_user()
    codes = enable(cloud, user)
    r = call(cloud.admin.get_token(), 'DELETE', base(cloud, user))
    assert r.status_code == 204, r.text
    assert cloud.sql('SELECT count(*) FROM totp_concat_recovery_code WHERE '
                     'user_id = :u', u=user.id)[0][0] == 0
    r = cloud.login_as(user, user.password + codes[0])
    assert r.status_code == 401


def test_use_is_audited_and_no_code_is_logged(cloud, keystone):
    user = cloud.create_user()
    codes = enable(cloud, user)
    start = keystone.log_offset()
    assert cloud.login_as(user, user.password + codes[0]).status_code == 201
    log = keystone.log_since(start)
    assert ('User %s logged in from 127.0.0.1 with a recovery code; 9 left.'
            % user.id) in log
    assert 'identity.OS-TOTP.recovery_code_used' in log
    assert not any(code in keystone.log_file.read_text() for code in codes)
