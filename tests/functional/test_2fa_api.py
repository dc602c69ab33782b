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


def token_of(cloud, user, field=None, url=None, project=True):
    """A token of ``user`` from a login with ``field`` (password, maybe
    followed by a code)."""
    field = user.password if field is None else field
    scope = {'project': {'id': user.project_id}} if project else None
    r = cloud.login_as(user, field, url=url, scope=scope)
    assert r.status_code == 201, r.text
    return r.headers['X-Subject-Token']


def call(token, method, url, body=None, **kwargs):
    headers = {'X-Auth-Token': token} if token else {}
    if body is not None:
        kwargs['json'] = body
    return requests.request(method, url, headers=headers, timeout=30,
                            **kwargs)


def base(cloud, user, url=None):
    return '%s/users/%s/OS-TOTP' % (url or cloud.url, user.id)


def begin(cloud, token, user, url=None, **member):
    r = call(token, 'POST', base(cloud, user, url) + '/enrolment',
             {'enrolment': member} if member else None)
    assert r.status_code == 201, r.text
    return r.json()['enrolment']


def confirm(cloud, token, user, code, url=None, **member):
    return call(token, 'POST', base(cloud, user, url) + '/devices',
                {'device': dict(member, passcode=code)})


def enable(cloud, user, label=None):
    """Turn 2FA on through the API with a bare-password token; returns the
    secret and the device."""
    token = token_of(cloud, user)
    enrolment = begin(cloud, token, user,
                      **({'label': label} if label else {}))
    secret = enrolment['secret']
    r = confirm(cloud, token, user, c.code_for(secret))
    assert r.status_code == 201, r.text
    user.secrets.append(secret)
    user.credential_ids.append(r.json()['device']['id'])
    return secret, r.json()['device']


def status(cloud, user, token=None):
    token = token or cloud.admin.get_token()
    r = call(token, 'GET', base(cloud, user))
    assert r.status_code == 200, r.text
    return r.json()['totp']


def stored(cloud, user):
    creds = cloud.api('GET', '/credentials?user_id=%s&type=totp' % user.id)
    return {cr['id']: cr['blob'] for cr in creds.json()['credentials']}


def refused_login(r):
    return r.status_code == 401 and r.json() == c.ADDITIONAL_STEPS_BODY


def next_code(secret):
    """A code of a later step than any the API or a login used so far."""
    return c.code_for(secret, 1)


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
    assert device['last_used_at'] is None
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
