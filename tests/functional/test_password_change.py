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

"""The self-service password change needs the code too.

The self-service password change (no token, only the old password) needs
the code too for enrolled users, when Keystone is served through
keystone_totp_concat.wsgi; the stock node shows why.
"""

import json

import pytest

from tests import cloud as c


def change_password(cloud, user, original, new, url=None):
    return cloud.http.post(
        '%s/users/%s/password' % (url or cloud.url, user.id),
        json={'user': {'original_password': original, 'password': new}})


def test_stock_keystone_changes_the_password_with_the_password_alone(
        cloud, stock_keystone):
    user = cloud.create_user(devices=1)
    r = change_password(cloud, user, user.password, 'new-' + user.password,
                        url=stock_keystone.url)
    assert r.status_code == 204


def test_enrolled_user_needs_the_code_to_change_the_password(cloud):
    user = cloud.create_user(devices=1)
    new = 'new-' + user.password
    for original in (user.password,
                     user.password + c.wrong_code(*user.secrets)):
        r = change_password(cloud, user, original, new)
        assert r.status_code == 401
        assert r.json() == c.ADDITIONAL_STEPS_BODY
    unchanged = cloud.login_as(user, new + user.code(offset_steps=-1))
    assert unchanged.status_code == 401
    assert unchanged.json() != c.ADDITIONAL_STEPS_BODY

    r = change_password(cloud, user, user.password + user.code(), new)
    assert r.status_code == 204, r.text
    r = cloud.login_as(user, new + user.code(offset_steps=1))
    assert r.status_code == 201, r.text


def test_code_for_a_password_change_is_used_up(cloud):
    user = cloud.create_user(devices=1)
    code = user.code()
    r = change_password(cloud, user, user.password + code, 'new-pw-1')
    assert r.status_code == 204, r.text
    r = change_password(cloud, user, 'new-pw-1' + code, 'new-pw-2')
    assert r.json() == c.ADDITIONAL_STEPS_BODY


def test_right_code_wrong_original_password_is_keystones_answer(cloud):
    user = cloud.create_user(devices=1)
    r = change_password(cloud, user, 'wrong' + user.code(), 'new-pw')
    assert r.status_code == 401
    assert r.json() != c.ADDITIONAL_STEPS_BODY


def test_not_enrolled_user_changes_the_password_as_with_stock_keystone(
        cloud, stock_keystone):
    user = cloud.create_user()
    ours = change_password(cloud, user, user.password, 'new-pw-a')
    assert ours.status_code == 204
    stock = change_password(cloud, user, 'wrong', 'new-pw-b',
                            url=stock_keystone.url)
    ours = change_password(cloud, user, 'wrong', 'new-pw-b')
    assert ours.status_code == stock.status_code == 401
    assert ours.json()['error']['message'] == stock.json()['error']['message']


@pytest.mark.parametrize('body', [
    {}, {'user': None}, {'user': {'original_password': 123456,
                                  'password': 'x'}},
    {'user': {'password': 'x'}}, {'user': []},
])
def test_malformed_password_change_gets_a_400(body, cloud):
    user = cloud.create_user(devices=1)
    r = cloud.http.post('%s/users/%s/password' % (cloud.url, user.id),
                        json=body)
    assert r.status_code == 400, r.text


def test_a_failed_change_leaves_its_code_unused(cloud):
    """A failed change leaves its code unused.

    The code is recorded before Keystone's handler runs and given back
    when the change fails (here: Keystone refuses a disabled user).
    """
    user = cloud.create_user(devices=1)
    code = user.code()
    cloud.api('PATCH', '/users/' + user.id, json={'user': {'enabled': False}})
    r = change_password(cloud, user, user.password + code, 'new-pw')
    assert r.status_code == 401, r.text
    cloud.api('PATCH', '/users/' + user.id, json={'user': {'enabled': True}})
    r = cloud.login_as(user, user.password + code)
    assert r.status_code == 201, r.text


def test_a_crashing_change_is_refused_and_its_code_still_logs_in(cloud):
    user = cloud.create_user(devices=1)
    code = user.code()
    text = ('{"user": {"original_password": %s, "password": "new-pw"}}'
            % (json.dumps(user.password + code)[:-1] + '\\ud800"'))
    r = cloud.http.post('%s/users/%s/password' % (cloud.url, user.id),
                        data=text.encode(),
                        headers={'Content-Type': 'application/json'})
    assert r.status_code == 400, r.text
    r = cloud.login_as(user, user.password + code)
    assert r.status_code == 201, r.text


def test_a_password_of_the_wrong_type_is_not_echoed(cloud, keystone):
    user = cloud.create_user(devices=1)
    r = change_password(cloud, user, [user.password + user.code()], 'x')
    assert r.status_code == 400
    assert user.password not in r.text
    assert user.password not in keystone.log_file.read_text()


def test_a_stranger_cannot_lock_the_user_out_of_the_change(cloud):
    user = cloud.create_user(devices=1)
    for n in range(15):
        r = change_password(cloud, user, 'guess-%d' % n
                            + c.wrong_code(*user.secrets), 'new-pw')
        assert r.json() == c.ADDITIONAL_STEPS_BODY
    r = change_password(cloud, user, user.password + user.code(), 'new-pw')
    assert r.status_code == 204, r.text
