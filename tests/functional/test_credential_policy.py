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

"""totp credentials on /v3/credentials, on a real Keystone.

By default (``[totp_concat] protect_totp_credentials``, served by
keystone_totp_concat.wsgi) a user's token can neither read a totp secret
back nor create, change or delete a totp credential there; admins keep full
access and the OS-TOTP API is the users' way. With the opt-out, Keystone's
default policy applies again (the exposure), and the optional policy file
etc/policy.d/totp-credentials.yaml still keeps the secret write-only.
"""

import pytest
import requests

from tests import cloud as c
from tests.conftest import another_node
from tests.conftest import ROOT
from tests.totp_api import assert_type_change_refused

POLICY = ROOT / 'etc/policy.d/totp-credentials.yaml'
OPT_OUT = {'totp_concat': {'protect_totp_credentials': 'false'}}


@pytest.fixture(scope='module')
def opt_out_keystone(keystone, tmp_path_factory):
    """A node of the suite's cloud with the protection switched off."""
    with another_node(keystone, tmp_path_factory, 'opt-out-keystone',
                      overrides=OPT_OUT) as node:
        yield node


@pytest.fixture(scope='module')
def policy_keystone(keystone, tmp_path_factory):
    """A node with the protection off that loads the shipped policy file."""
    overrides = dict(OPT_OUT, oslo_policy={'policy_file': str(POLICY)})
    with another_node(keystone, tmp_path_factory, 'policy-keystone',
                      overrides=overrides) as node:
        yield node


def user_token(cloud, user, url, offset_steps=0):
    field = user.password + (user.code(0, offset_steps) if user.secrets
                             else '')
    r = cloud.login_as(user, field, url=url,
                       scope={'project': {'id': user.project_id}})
    assert r.status_code == 201, r.text
    return r.headers['X-Subject-Token']


def as_user(token, method, url, **kwargs):
    return requests.request(method, url, headers={'X-Auth-Token': token},
                            timeout=30, **kwargs)


def assert_refused(r):
    assert r.status_code == 403, r.text
    assert 'OS-TOTP' in r.json()['error']['message']


# -- default: protected --

def test_by_default_a_token_cannot_read_a_totp_secret(cloud):
    user = cloud.create_user(devices=1)
    token = user_token(cloud, user, cloud.url)
    url = cloud.url + '/credentials'
    assert_refused(as_user(token, 'GET', url + '/' + user.credential_ids[0]))
    for query in ('', '?type=totp', '?user_id=' + user.id):
        listed = as_user(token, 'GET', url + query)
        assert listed.status_code == 200, listed.text
        assert all(cr['type'] != 'totp' for cr in listed.json()['credentials'])
        assert user.secrets[0] not in listed.text


def test_by_default_a_token_cannot_create_change_or_delete_totp(cloud):
    user = cloud.create_user(devices=1)
    token = user_token(cloud, user, cloud.url)
    url = cloud.url + '/credentials'
    for kind in ('totp', 'TOTP', ' totp '):
        assert_refused(as_user(token, 'POST', url, json={'credential': {
            'type': kind, 'user_id': user.id, 'blob': c.new_secret()}}))
    cred = url + '/' + user.credential_ids[0]
    assert_refused(as_user(token, 'PATCH', cred, json={
        'credential': {'blob': c.new_secret()}}))
    start = cloud.keystone.log_offset()
    assert_refused(as_user(token, 'DELETE', cred))
    assert ('Refused user %s access to a totp credential through '
            '/v3/credentials (DELETE)' % user.id
            in cloud.keystone.log_since(start))
    stored = cloud.api('GET', '/credentials?user_id=%s' % user.id).json()
    assert [cr['blob'] for cr in stored['credentials']] == user.secrets
    # Turning a cert credential into a totp one is refused too.
    other = as_user(token, 'POST', url, json={'credential': {
        'type': 'cert', 'user_id': user.id, 'blob': 'a cert'}})
    assert other.status_code == 201, other.text
    r = as_user(token, 'PATCH', url + '/' + other.json()['credential']['id'],
                json={'credential': {'type': 'totp'}})
    assert_type_change_refused(r)
    assert user.secrets[0] not in cloud.keystone.log_file.read_text()


def test_other_credential_types_stay_with_their_owner(cloud):
    user = cloud.create_user(devices=1)
    token = user_token(cloud, user, cloud.url)
    created = as_user(token, 'POST', cloud.url + '/credentials', json={
        'credential': {'type': 'cert', 'user_id': user.id, 'blob': 'a cert'}})
    assert created.status_code == 201, created.text
    cred = cloud.url + '/credentials/' + created.json()['credential']['id']
    r = as_user(token, 'GET', cred)
    assert r.status_code == 200 and r.json()['credential']['blob'] == 'a cert'
    listed = as_user(token, 'GET', cloud.url + '/credentials').json()
    assert [cr['type'] for cr in listed['credentials']] == ['cert']
    assert as_user(token, 'DELETE', cred).status_code == 204


def test_admins_keep_full_access(cloud):
    user = cloud.create_user(devices=1)
    cred = '/credentials/' + user.credential_ids[0]
    assert cloud.api('GET', cred).json()['credential']['blob'] == (
        user.secrets[0])
    listed = cloud.api('GET', '/credentials?user_id=%s' % user.id).json()
    assert [cr['id'] for cr in listed['credentials']] == user.credential_ids
    new = c.new_secret()
    cloud.api('PATCH', cred, json={'credential': {'blob': new}})
    assert cloud.login_as(user, user.password + c.code_for(new)
                          ).status_code == 201
    cloud.api('DELETE', cred)
    assert cloud.login_as(user, user.password).status_code == 201


def test_a_token_without_auth_gets_keystones_401(cloud):
    r = requests.get(cloud.url + '/credentials', timeout=30)
    assert r.status_code == 401


# -- opt-out: Keystone's default policy --

def test_a_credential_the_guard_cannot_read_counts_as_totp(cloud, keystone):
    """A credential whose blob does not decrypt may be a totp one.

    Its type is unknown: the owner's DELETE is refused and logged.
    """
    user = cloud.create_user(devices=1)
    token = user_token(cloud, user, cloud.url)
    credential = user.credential_ids[0]
    (blob,) = cloud.sql('SELECT encrypted_blob FROM credential '
                        'WHERE id = :id', id=credential)[0]
    cloud.sql("UPDATE credential SET encrypted_blob = 'garbled' "
              "WHERE id = :id", id=credential)
    try:
        r = as_user(token, 'DELETE', cloud.url + '/credentials/' + credential)
    finally:
        cloud.sql('UPDATE credential SET encrypted_blob = :blob '
                  'WHERE id = :id', blob=blob, id=credential)
    assert_refused(r)
    assert ('Could not read credential %s' % credential
            in keystone.log_file.read_text())
    assert cloud.sql('SELECT id FROM credential WHERE id = :id',
                     id=credential) == [(credential,)]


def test_opt_out_lets_a_token_read_back_and_manage_totp(cloud,
                                                        opt_out_keystone):
    """The exposure protect_totp_credentials closes."""
    user = cloud.create_user(devices=1)
    url = opt_out_keystone.url
    token = user_token(cloud, user, url)
    r = as_user(token, 'GET', url + '/credentials/' + user.credential_ids[0])
    assert r.status_code == 200
    assert r.json()['credential']['blob'] == user.secrets[0]
    created = as_user(token, 'POST', url + '/credentials', json={
        'credential': {'type': 'totp', 'user_id': user.id,
                       'blob': c.new_secret()}})
    assert created.status_code == 201, created.text
    r = as_user(token, 'DELETE', url + '/credentials/'
                + user.credential_ids[0])
    assert r.status_code == 204, r.text


# -- the optional policy file, on a node with the protection off --

def test_policy_lets_users_enrol_but_not_read_the_secret(cloud,
                                                         policy_keystone):
    user = cloud.create_user(devices=1)
    url = policy_keystone.url
    token = user_token(cloud, user, url)

    created = as_user(token, 'POST', url + '/credentials', json={
        'credential': {'type': 'totp', 'user_id': user.id,
                       'blob': c.new_secret()}})
    assert created.status_code == 201, created.text
    new_id = created.json()['credential']['id']

    for cred_id in (user.credential_ids[0], new_id):
        r = as_user(token, 'GET', url + '/credentials/' + cred_id)
        assert r.status_code == 403, r.text
        r = as_user(token, 'PATCH', url + '/credentials/' + cred_id,
                    json={'credential': {'blob': c.new_secret()}})
        assert r.status_code == 403, r.text
    listed = as_user(token, 'GET', url + '/credentials').json()
    assert all(cred['type'] != 'totp' for cred in listed['credentials'])
    assert user.secrets[0] not in str(listed)

    admin_view = cloud.api('GET', '/credentials?user_id=%s&type=totp'
                           % user.id).json()['credentials']
    assert {cred['id'] for cred in admin_view} == {user.credential_ids[0],
                                                   new_id}


def test_policy_lets_owners_delete_their_totp_credential(cloud,
                                                         policy_keystone):
    user = cloud.create_user(devices=1)
    url = policy_keystone.url
    token = user_token(cloud, user, url)
    r = as_user(token, 'DELETE', url + '/credentials/'
                + user.credential_ids[0])
    assert r.status_code == 204, r.text
    assert cloud.login_as(user, user.password).status_code == 201
