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

"""etc/policy.d/totp-credentials.yaml on a real Keystone: users create their
own totp credential but cannot read its secret back."""

import pytest
import requests

from tests import cloud as c
from tests.conftest import another_node
from tests.conftest import ROOT

POLICY = ROOT / 'etc/policy.d/totp-credentials.yaml'


@pytest.fixture(scope='module')
def policy_keystone(keystone, tmp_path_factory):
    """A node of the suite's cloud that loads the shipped policy file."""
    with another_node(keystone, tmp_path_factory, 'policy-keystone',
                      overrides={'oslo_policy': {
                          'policy_file': str(POLICY)}}) as node:
        yield node


def user_token(cloud, user, url):
    r = cloud.login_as(user, user.password + user.code(), url=url,
                       scope={'project': {'id': user.project_id}})
    assert r.status_code == 201, r.text
    return r.headers['X-Subject-Token']


def as_user(token, method, url, **kwargs):
    return requests.request(method, url, headers={'X-Auth-Token': token},
                            **kwargs)


def test_by_default_a_token_reads_back_its_own_totp_secret(cloud):
    """The exposure the policy file closes, on the default-policy node."""
    user = cloud.create_user(devices=1)
    token = user_token(cloud, user, cloud.url)
    r = as_user(token, 'GET', cloud.url + '/credentials/'
                + user.credential_ids[0])
    assert r.status_code == 200
    assert r.json()['credential']['blob'] == user.secrets[0]


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


def test_policy_leaves_other_credential_types_to_their_owner(
        cloud, policy_keystone):
    user = cloud.create_user(devices=1)
    url = policy_keystone.url
    token = user_token(cloud, user, url)
    created = as_user(token, 'POST', url + '/credentials', json={
        'credential': {'type': 'cert', 'user_id': user.id, 'blob': 'a cert'}})
    assert created.status_code == 201, created.text
    r = as_user(token, 'GET', url + '/credentials/'
                + created.json()['credential']['id'])
    assert r.status_code == 200
    assert r.json()['credential']['blob'] == 'a cert'


def test_policy_lets_owners_delete_their_totp_credential(cloud,
                                                         policy_keystone):
    user = cloud.create_user(devices=1)
    url = policy_keystone.url
    token = user_token(cloud, user, url)
    r = as_user(token, 'DELETE', url + '/credentials/'
                + user.credential_ids[0])
    assert r.status_code == 204, r.text
    assert cloud.login_as(user, user.password).status_code == 201
