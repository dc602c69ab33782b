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

"""Two Factor Authentication required by the operator, on a real Keystone.

Requirements per domain, role and user, an exemption, the grace period
(running on the suite's node, over on a node whose grace is 0 days: the
clock moved by configuration), the set-up at login without a token, the
report, and what a user may no longer do. Each test names its own domain,
role or user and lifts its rules afterwards, so that other test files of
the same node see none.
"""

import json
import pathlib
import subprocess
import sys
import time
import uuid

import pytest
import requests

from tests import cloud as c
from tests.conftest import another_node
from tests import totp_api as t

DAY = 86400
SET_UP_401 = ('Two Factor Authentication is required for this account: set '
              'it up first (keystone-totp enable, openstack two factor '
              'enable, the dashboard, or POST /v3/OS-TOTP/setup), then log '
              'in with the password and a code.')
KEYSTONE_401 = 'The request you have made requires authentication.'
KEYSTONE_TOTP = str(pathlib.Path(sys.executable).parent / 'keystone-totp')
OPENSTACK = str(pathlib.Path(sys.executable).parent / 'openstack')


@pytest.fixture
def rules(cloud):
    """Set requirements through the API; every one is lifted afterwards."""
    made = []

    def require(kind, target_id):
        r = cloud.api('PUT', '/OS-TOTP/requirements/%s/%s'
                      % (kind, target_id), raise_exc=False)
        assert r.status_code in (201, 204), r.text
        made.append((kind, target_id))
        return r
    yield require
    for kind, target_id in made:
        cloud.api('DELETE', '/OS-TOTP/requirements/%s/%s' % (kind, target_id),
                  raise_exc=False)


@pytest.fixture(scope='module')
def expired(keystone, tmp_path_factory):
    """A node of the same cloud on which every grace period is over."""
    with another_node(keystone, tmp_path_factory, 'no-grace', overrides={
            'totp_concat': {'required_grace_days': 0}}) as node:
        yield node


def new_domain(cloud):
    return cloud.api('POST', '/domains', json={'domain': {
        'name': 'd-' + uuid.uuid4().hex[:12]}}).json()['domain']['id']


def new_role(cloud):
    return cloud.api('POST', '/roles', json={'role': {
        'name': 'r-' + uuid.uuid4().hex[:12]}}).json()['role']['id']


def login(cloud, user, field=None, url=None):
    return cloud.login_as(user, user.password if field is None else field,
                          url=url)


def in_grace(r):
    """The token, and the grace period's end the answer names."""
    assert r.status_code == 201, r.text
    ends = r.headers['Openstack-Totp-Required-By']
    assert r.headers['Warning'] == (
        '299 keystone "Two Factor Authentication is required for this '
        'account from %s: set it up before then."' % ends)
    return ends


def set_up_refused(r):
    return (r.status_code == 401
            and r.json()['error']['message'] == SET_UP_401
            and r.headers.get('Openstack-Totp-Set-Up-Required') == 'true')


def setup(cloud, user, path='', url=None, **member):
    body = {'setup': dict(member, user={
        'name': user.name, 'domain': {'id': user.domain_id},
        'password': member.pop('password', user.password)})}
    return requests.post((url or cloud.url) + '/OS-TOTP/setup' + path,
                         json=body, timeout=30)


def test_a_user_requirement_leaves_a_grace_period_with_the_password(
        cloud, rules):
    user = cloud.create_user()
    other = cloud.create_user()
    rules('users', user.id)

    first = login(cloud, user)
    ends = in_grace(first)
    started = time.time()
    assert abs(time.mktime(time.strptime(ends, '%Y-%m-%dT%H:%M:%SZ'))
               - time.timezone - started - 7 * DAY) < 120
    # The period runs from the first login: the next one names the same end.
    assert in_grace(login(cloud, user)) == ends
    plain = login(cloud, other)
    assert plain.status_code == 201
    assert 'Openstack-Totp-Required-By' not in plain.headers


def test_after_the_grace_period_the_password_alone_is_refused(
        cloud, rules, expired):
    user = cloud.create_user()
    rules('users', user.id)

    assert set_up_refused(login(cloud, user, url=expired.url))
    wrong = login(cloud, user, user.password + 'x', url=expired.url)
    # A stranger learns nothing: Keystone's own answer to a wrong password.
    assert (wrong.status_code, wrong.json()['error']['message']) == (
        401, KEYSTONE_401)
    assert 'Openstack-Totp-Set-Up-Required' not in wrong.headers


def test_set_up_at_login_then_the_code_after_the_password(
        cloud, rules, expired):
    user = cloud.create_user()
    rules('users', user.id)
    assert set_up_refused(login(cloud, user, url=expired.url))

    begun = setup(cloud, user, url=expired.url, label='phone')
    assert begun.status_code == 201, begun.text
    assert begun.headers['Cache-Control'] == 'no-store'
    secret = begun.json()['enrolment']['secret']
    assert t.stored(cloud, user) == {}

    wrong = setup(cloud, user, '/device', url=expired.url,
                  passcode=c.wrong_code(secret))
    assert (wrong.status_code, wrong.json()['error']['kind']) == (
        403, 'code_not_accepted')
    done = setup(cloud, user, '/device', url=expired.url,
                 passcode=c.code_for(secret))
    assert done.status_code == 201, done.text
    assert len(done.json()['recovery_codes']) == 10
    assert list(t.stored(cloud, user).values()) == [secret]

    assert login(cloud, user, url=expired.url).json() == (
        c.ADDITIONAL_STEPS_BODY)
    ok = login(cloud, user, user.password + c.code_for(secret, 1),
               url=expired.url)
    assert ok.status_code == 201, ok.text


def test_set_up_at_login_is_refused_without_the_password_or_the_need(
        cloud, rules):
    required = cloud.create_user()
    rules('users', required.id)
    wrong = setup(cloud, required, password=required.password + 'x')
    assert (wrong.status_code, wrong.json()['error']['message']) == (
        401, KEYSTONE_401)

    free = cloud.create_user()
    r = setup(cloud, free)
    assert (r.status_code, r.json()['error']['kind']) == (403, 'not_required')

    enrolled = cloud.create_user(devices=1)
    rules('users', enrolled.id)
    r = setup(cloud, enrolled)
    assert (r.status_code, r.json()['error']['kind']) == (
        409, 'already_enrolled')
    # Unaffected: the code after the password, as before.
    assert login(cloud, enrolled).json() == c.ADDITIONAL_STEPS_BODY
    assert login(cloud, enrolled,
                 enrolled.password + enrolled.code()).status_code == 201


def test_a_domain_requirement_reaches_its_users_only(cloud, rules, expired):
    domain_id = new_domain(cloud)
    inside = cloud.create_user(domain_id=domain_id)
    outside = cloud.create_user()
    rules('domains', domain_id)

    assert set_up_refused(login(cloud, inside, url=expired.url))
    assert login(cloud, outside, url=expired.url).status_code == 201


def test_a_role_requirement_reaches_its_holders_and_an_exemption_wins(
        cloud, rules, expired):
    role_id = new_role(cloud)
    holder, service, other = (cloud.create_user() for _ in range(3))
    for user in (holder, service):
        cloud.api('PUT', '/projects/%s/users/%s/roles/%s'
                  % (other.project_id, user.id, role_id))
    rules('roles', role_id)
    rules('exemptions', service.id)

    assert set_up_refused(login(cloud, holder, url=expired.url))
    assert login(cloud, service, url=expired.url).status_code == 201
    assert login(cloud, other, url=expired.url).status_code == 201


def test_a_system_role_counts_too(cloud, rules, expired):
    role_id = new_role(cloud)
    user = cloud.create_user()
    cloud.api('PUT', '/system/users/%s/roles/%s' % (user.id, role_id))
    rules('roles', role_id)
    assert set_up_refused(login(cloud, user, url=expired.url))


def test_requirements_are_listed_and_lifted(cloud, rules):
    user = cloud.create_user()
    assert rules('users', user.id).status_code == 201
    assert rules('users', user.id).status_code == 204
    listed = cloud.api('GET', '/OS-TOTP/requirements').json()
    assert {'kind': 'user', 'target_id': user.id} in [
        {k: r[k] for k in ('kind', 'target_id')}
        for r in listed['requirements']]

    path = '/OS-TOTP/requirements/users/' + user.id
    assert cloud.api('DELETE', path).status_code == 204
    gone = cloud.api('DELETE', path, raise_exc=False)
    assert (gone.status_code, gone.json()['error']['kind']) == (
        404, 'requirement_not_found')
    assert login(cloud, user).headers.get('Openstack-Totp-Required-By') is None


@pytest.mark.parametrize('path', [
    '/OS-TOTP/requirements/users/' + 'f' * 32,
    '/OS-TOTP/requirements/domains/no-such-domain',
    '/OS-TOTP/requirements/roles/no-such-role',
    '/OS-TOTP/requirements/planets/earth',
    '/OS-TOTP/requirements/users/' + 'x' * 65,
    '/OS-TOTP/requirements/users/%F0%9F%98%80',
])
def test_what_keystone_does_not_have_cannot_be_required(cloud, path):
    r = cloud.api('PUT', path, raise_exc=False)
    assert r.status_code == 404, r.text


def test_only_admins_set_requirements(cloud):
    user = cloud.create_user()
    token = t.token_of(cloud, user)
    r = t.call(token, 'PUT', cloud.url + '/OS-TOTP/requirements/users/'
               + user.id)
    assert (r.status_code, r.json()['error']['kind']) == (403, 'forbidden')
    r = t.call(token, 'GET', cloud.url + '/OS-TOTP/requirements')
    assert r.status_code == 403


def test_the_user_may_not_turn_required_2fa_off(cloud, rules):
    user = cloud.create_user()
    rules('users', user.id)
    secret, device = t.enable(cloud, user)
    token = t.token_of(cloud, user, user.password + c.code_for(secret, 1))

    r = t.call(token, 'DELETE', t.base(cloud, user) + '/devices/'
               + device['id'])
    assert (r.status_code, r.json()['error']['kind']) == (403, 'required')
    r = t.call(token, 'DELETE', t.base(cloud, user))
    assert (r.status_code, r.json()['error']['kind']) == (403, 'required')
    assert list(t.stored(cloud, user)) == [device['id']]

    # An admin's reset: the user is in a fresh grace period, however long
    # ago the first one began.
    cloud.sql('UPDATE totp_concat_required_since SET since = 0 '
              'WHERE user_id = :u', u=user.id)
    cloud.api('DELETE', '/users/%s/OS-TOTP' % user.id)
    assert t.stored(cloud, user) == {}
    in_grace(login(cloud, user))


def test_the_compliance_report(cloud, rules, expired):
    domain_id = new_domain(cloud)
    enrolled = cloud.create_user(domain_id=domain_id, devices=1)
    waiting = cloud.create_user(domain_id=domain_id)
    overdue = cloud.create_user(domain_id=domain_id)
    never = cloud.create_user(domain_id=domain_id)
    exempt = cloud.create_user(domain_id=domain_id)
    rules('domains', domain_id)
    rules('exemptions', exempt.id)
    in_grace(login(cloud, waiting))
    assert set_up_refused(login(cloud, overdue, url=expired.url))

    r = cloud.api('GET', '/OS-TOTP/compliance?domain_id=' + domain_id)
    rows = {u['id']: u for u in r.json()['users']}
    assert {uid: rows[uid]['state'] for uid in rows} == {
        enrolled.id: 'enrolled', waiting.id: 'in_grace',
        overdue.id: 'in_grace', never.id: 'not_yet_logged_in',
        exempt.id: 'not_required'}
    assert rows[waiting.id]['reasons'] == ['domain']
    assert rows[exempt.id]['exempt'] is True
    assert rows[waiting.id]['grace_ends_at'] is not None
    assert rows[never.id]['grace_ends_at'] is None

    on_expired = requests.get(
        expired.url + '/OS-TOTP/compliance?domain_id=' + domain_id,
        headers={'X-Auth-Token': cloud.admin.get_token()}, timeout=30)
    states = {u['id']: u['state'] for u in on_expired.json()['users']}
    assert states[overdue.id] == states[waiting.id] == 'overdue'


@pytest.mark.parametrize('body', [
    {'setup': 'user'},
    {'setup': {}},
    {'setup': {'user': 'name'}},
    {'setup': {'user': {'name': 'x', 'domain': {'id': 'default'}}}},
    {'setup': {'user': {'name': 'x', 'domain': {'id': 'default'},
                        'password': 5}}},
    {'setup': {'user': {'id': {'a': 1}, 'password': 'p'}}},
    {'setup': {'user': {'name': 'x', 'domain': 'default', 'password': 'p'}}},
    {'setup': {'user': {'name': 'x', 'domain': {'id': ['default']},
                        'password': 'p'}}},
    {'setup': {'user': {'password': 'p'}}},
    {'setup': {'user': {'id': 'x', 'password': 'p'}, 'passcode': 123456}},
])
@pytest.mark.parametrize('path', ['', '/device'])
def test_a_malformed_set_up_gets_a_400(cloud, body, path):
    r = requests.post(cloud.url + '/OS-TOTP/setup' + path, json=body,
                      timeout=30)
    assert (r.status_code, r.json()['error']['code']) == (400, 400), r.text


def test_an_unknown_user_gets_keystones_401_before_the_body_is_read(cloud):
    r = requests.post(cloud.url + '/OS-TOTP/setup', json={'setup': {
        'user': {'id': 'f' * 32, 'password': 'p'}, 'label': ['a']}},
        timeout=30)
    assert (r.status_code, r.json()['error']['message']) == (
        401, KEYSTONE_401)


def test_ids_are_compared_exactly(cloud, rules, expired):
    """MariaDB finds a user by a differently cased id; no rule does."""
    user = cloud.create_user()
    upper = user.id.upper()
    r = cloud.api('PUT', '/OS-TOTP/requirements/users/' + upper,
                  raise_exc=False)
    assert r.status_code == 404, r.text
    rules('users', user.id)
    r = cloud.api('DELETE', '/OS-TOTP/requirements/users/' + upper,
                  raise_exc=False)
    assert (r.status_code, r.json()['error']['kind']) == (
        404, 'requirement_not_found')
    assert set_up_refused(login(cloud, user, url=expired.url))


def keystone_totp(cloud, user, node, tmp_path, *args):
    env = c.os_env(cloud, tmp_path, user, user.password,
                   OS_AUTH_URL=node.url)
    return subprocess.run([KEYSTONE_TOTP, *args], env=env, input='',
                          capture_output=True, text=True, timeout=120)


def test_keystone_totp_sets_up_at_login(cloud, rules, expired, tmp_path):
    user = cloud.create_user()
    rules('users', user.id)

    refused = keystone_totp(cloud, user, expired, tmp_path, 'status')
    assert refused.returncode == 3
    assert refused.stderr.splitlines() == [
        'keystone-totp: error: Authentication failed: Two Factor '
        'Authentication is required for this account and not set up yet; '
        'set it up with keystone-totp enable (the same options, no token '
        'needed), then log in with the password and a code.']

    begun = keystone_totp(cloud, user, expired, tmp_path, 'enable',
                          '--no-confirm', '-f', 'json')
    assert begun.returncode == 0, begun.stderr
    secret = json.loads(begun.stdout)['secret']
    assert user.password not in begun.stdout + begun.stderr
    done = keystone_totp(cloud, user, expired, tmp_path, 'enable', '--code',
                         c.code_for(secret), '-f', 'json')
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert answer['enabled'] is True and len(answer['recovery_codes']) == 10
    assert list(t.stored(cloud, user).values()) == [secret]
    assert login(cloud, user, user.password + c.code_for(secret, 1),
                 url=expired.url).status_code == 201


def test_openstack_commands_set_list_report_and_lift(cloud, tmp_path):
    domain_id = new_domain(cloud)
    user = cloud.create_user(domain_id=domain_id)
    admin = c.admin_user(cloud)
    env = c.os_env(cloud, tmp_path, admin, admin.password,
                   OS_AUTH_TYPE='password')

    def osc(*args):
        r = subprocess.run([OPENSTACK, 'two', 'factor', *args], env=env,
                           capture_output=True, text=True, timeout=120)
        assert r.returncode == 0, r.stderr
        return json.loads(r.stdout) if r.stdout.strip() else None

    osc('requirement', 'set', '--domain', domain_id)
    try:
        listed = osc('requirement', 'list', '-f', 'json')
        assert {'Kind': 'domain', 'Target ID': domain_id} in [
            {k: r[k] for k in ('Kind', 'Target ID')} for r in listed]
        report = osc('compliance', 'list', '--domain', domain_id, '-f',
                     'json')
        assert [(r['ID'], r['State'], r['Reasons']) for r in report] == [
            (user.id, 'not_yet_logged_in', 'domain')]
    finally:
        osc('requirement', 'unset', '--domain', domain_id)
    assert domain_id not in [r['target_id'] for r in cloud.api(
        'GET', '/OS-TOTP/requirements').json()['requirements']]
