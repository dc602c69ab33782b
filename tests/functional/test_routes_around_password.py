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

"""The routes around the password (doc/source/security/), on a real Keystone.

Every route below needs a token first, and a token of an enrolled user needs
the code; the secrets these routes create then log in without a code, by
design, as Keystone's own MFA does. For users who have not enrolled every
route answers exactly as on the stock node.
"""

import datetime

from keystoneclient.contrib.ec2 import utils as ec2_utils
import pytest
import requests


def token_of(cloud, user, url=None):
    field = user.password + (user.code() if user.secrets else '')
    r = cloud.login_as(user, field, url=url,
                       scope={'project': {'id': user.project_id}})
    assert r.status_code == 201, r.text
    return r.headers['X-Subject-Token']


def call(token, method, url, **kwargs):
    return requests.request(method, url, headers={'X-Auth-Token': token},
                            **kwargs)


def app_cred_login(cloud, cred, url=None):
    return cloud.login({'auth': {'identity': {
        'methods': ['application_credential'],
        'application_credential': {'id': cred['id'],
                                   'secret': cred['secret']}}}}, url)


def create_app_cred(cloud, user, token):
    r = call(token, 'POST', '%s/users/%s/application_credentials'
             % (cloud.url, user.id), json={'application_credential': {
                 'name': 'automation-' + user.name}})
    assert r.status_code == 201, r.text
    return r.json()['application_credential']


def test_password_alone_cannot_reach_any_token_protected_route(cloud):
    user = cloud.create_user(devices=1)
    r = cloud.login_as(user, user.password)
    assert 'X-Subject-Token' not in r.headers
    for path in ('/users/%s/application_credentials' % user.id,
                 '/users/%s/credentials/OS-EC2' % user.id,
                 '/OS-TRUST/trusts', '/credentials'):
        assert requests.get(cloud.url + path).status_code == 401
    r = requests.post(cloud.url + '/users/%s/application_credentials'
                      % user.id, json={'application_credential': {
                          'name': 'stolen'}})
    assert r.status_code == 401


def test_application_credential_of_an_enrolled_user_needs_no_code(cloud):
    user = cloud.create_user(devices=1)
    cred = create_app_cred(cloud, user, token_of(cloud, user))
    r = app_cred_login(cloud, cred)
    assert r.status_code == 201, r.text
    assert r.json()['token']['methods'] == ['application_credential']


def test_token_route_reissues_a_two_factor_token(cloud):
    user = cloud.create_user(devices=1)
    token = token_of(cloud, user)
    r = cloud.login({'auth': {'identity': {
        'methods': ['token'], 'token': {'id': token}},
        'scope': {'project': {'id': user.project_id}}}})
    assert r.status_code == 201, r.text
    r = cloud.login({'auth': {'identity': {
        'methods': ['token'], 'token': {'id': 'not-a-token'}}}})
    assert r.status_code == 404, r.text


def ec2_login(cloud, access, secret, url=None):
    params = {
        'SignatureVersion': '2', 'SignatureMethod': 'HmacSHA256',
        'AWSAccessKeyId': access, 'Action': 'DescribeInstances',
        'Timestamp': datetime.datetime.now(datetime.timezone.utc).strftime(
            '%Y-%m-%dT%H:%M:%SZ'),
    }
    credentials = {'host': 'ec2.example:8773', 'verb': 'GET', 'path': '/',
                   'params': params}
    signature = ec2_utils.Ec2Signer(secret).generate(credentials)
    credentials.update(access=access, signature=signature)
    # POST /v3/ec2tokens is a service API (policy identity:ec2tokens_validate):
    # the EC2 front end calls it with its own token.
    return requests.post((url or cloud.url) + '/ec2tokens',
                         json={'credentials': credentials},
                         headers={'X-Auth-Token': cloud.admin.get_token()})


def test_ec2_credential_of_an_enrolled_user_needs_no_code(cloud):
    user = cloud.create_user(devices=1)
    token = token_of(cloud, user)
    r = call(token, 'POST', '%s/users/%s/credentials/OS-EC2'
             % (cloud.url, user.id), json={'tenant_id': user.project_id})
    assert r.status_code == 201, r.text
    ec2 = r.json()['credential']
    r = ec2_login(cloud, ec2['access'], ec2['secret'])
    assert r.status_code == 200, r.text
    assert r.json()['token']['user']['id'] == user.id
    r = ec2_login(cloud, ec2['access'], 'not-the-secret')
    assert r.status_code == 401


@pytest.mark.parametrize('route', ['token', 'application_credential', 'ec2'])
def test_not_enrolled_routes_answer_as_stock_keystone(route, cloud,
                                                      stock_keystone):
    user = cloud.create_user()
    token = token_of(cloud, user)
    if route == 'token':
        body = {'auth': {'identity': {'methods': ['token'],
                                      'token': {'id': token}}}}
        ours, stock = cloud.login(body), cloud.login(body, stock_keystone.url)
    elif route == 'application_credential':
        cred = create_app_cred(cloud, user, token)
        ours = app_cred_login(cloud, cred)
        stock = app_cred_login(cloud, cred, stock_keystone.url)
    else:
        r = call(token, 'POST', '%s/users/%s/credentials/OS-EC2'
                 % (cloud.url, user.id), json={'tenant_id': user.project_id})
        ec2 = r.json()['credential']
        ours = ec2_login(cloud, ec2['access'], ec2['secret'])
        stock = ec2_login(cloud, ec2['access'], ec2['secret'],
                          stock_keystone.url)
    # POST /v3/ec2tokens validates a signature (200); the others make a
    # token (201).
    assert ours.status_code == (200 if route == 'ec2' else 201), ours.text
    assert stock.status_code == ours.status_code, stock.text
    assert sorted(ours.json()['token']['methods']) == sorted(
        stock.json()['token']['methods'])
    assert ours.json()['token']['user'] == stock.json()['token']['user']
