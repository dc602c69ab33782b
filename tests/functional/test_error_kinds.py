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

"""Every OS-TOTP error answer names its kind (doc/source/api/), on a real
Keystone; the login's 401 stays Keystone's own, with none."""

from tests import cloud as c
from tests.totp_api import base
from tests.totp_api import begin
from tests.totp_api import call
from tests.totp_api import confirm
from tests.totp_api import enable
from tests.totp_api import refused_login
from tests.totp_api import token_of


def kind(r, status):
    assert r.status_code == status, r.text
    error = r.json()['error']
    assert error['code'] == status and error['title'] and error['message']
    return error['kind']


def test_each_refusal_names_its_kind(cloud):
    user = cloud.create_user()
    # Taken before enrolment: no proof of the second factor afterwards.
    stale = token_of(cloud, user)
    url = base(cloud, user)

    r = confirm(cloud, stale, user, '123456')
    assert kind(r, 404) == 'no_pending_enrolment'
    r = call(stale, 'DELETE', url + '/enrolment')
    assert kind(r, 404) == 'no_pending_enrolment'
    assert kind(call(stale, 'DELETE', url), 404) == 'not_enrolled'
    r = call(stale, 'POST', url + '/recovery_codes')
    assert kind(r, 404) == 'not_enrolled'

    for body in ({'enrolment': {'label': ''}},
                 {'enrolment': {'colour': 'red'}},
                 {'enrolment': []},
                 # Refused by the request guard, before the resource.
                 {'enrolment': {'passcode': 123456}}):
        r = call(stale, 'POST', url + '/enrolment', body)
        assert kind(r, 400) == 'bad_request', body
        assert '123456' not in r.text
    r = call(stale, 'DELETE', url, {'totp': {'passcode': 123456}})
    assert kind(r, 400) == 'bad_request'
    assert '123456' not in r.text

    secret, device = enable(cloud, user)
    r = call(stale, 'DELETE', url + '/devices/' + device['id'])
    assert kind(r, 403) == 'proof_required'
    r = call(stale, 'POST', url + '/enrolment')
    assert kind(r, 403) == 'proof_required'
    r = call(stale, 'DELETE', url,
             {'totp': {'passcode': c.wrong_code(secret)}})
    assert kind(r, 403) == 'code_not_accepted'
    r = call(stale, 'GET', url + '/devices/' + 'f' * 32)
    assert kind(r, 404) == 'device_not_found'
    r = call(stale, 'DELETE', url + '/devices/' + 'f' * 32)
    assert kind(r, 404) == 'device_not_found'


def test_keystones_own_refusals_on_these_routes_have_a_kind(cloud):
    user = cloud.create_user()
    token = token_of(cloud, user)
    other = cloud.create_user()
    assert kind(call(token, 'GET', base(cloud, other)), 403) == 'forbidden'
    admin = cloud.admin.get_token()
    r = call(admin, 'GET', '%s/users/%s/OS-TOTP' % (cloud.url, 'no-such'))
    assert kind(r, 404) == 'not_found'
    assert kind(call(None, 'GET', base(cloud, user)), 401) == 'unauthorized'


def test_the_login_401_is_keystones_without_a_kind(cloud):
    user = cloud.create_user(devices=1)
    r = cloud.login_as(user, user.password)
    assert refused_login(r)
    assert r.json() == {'error': {
        'message': 'Additional authentications steps required.',
        'code': 401, 'identity': None, 'title': 'Unauthorized'}}


def test_expected_refusals_log_one_line_without_traceback(cloud, keystone):
    """A wrong code is the client's to mend, not a failure of the server.

    One line at INFO, no ERROR and no traceback.
    """
    user = cloud.create_user()
    stale = token_of(cloud, user)
    url = base(cloud, user)
    secret = begin(cloud, stale, user)['secret']

    refusals = [
        (lambda: confirm(cloud, stale, user, c.wrong_code(secret)), 403,
         'code_not_accepted'),
        (lambda: call(stale, 'POST', url + '/recovery_codes'), 404,
         'not_enrolled'),
    ]
    for request, status, expected in refusals:
        offset = keystone.log_offset()
        assert kind(request(), status) == expected
        log = keystone.log_since(offset)
        assert 'Traceback' not in log
        assert ' ERROR ' not in log
        lines = [line for line in log.splitlines()
                 if 'kind=%s' % expected in line]
        assert len(lines) == 1 and ' INFO ' in lines[0], log

    enable(cloud, user)
    offset = keystone.log_offset()
    assert kind(call(stale, 'POST', url + '/enrolment'), 403) == (
        'proof_required')
    log = keystone.log_since(offset)
    assert 'Traceback' not in log and ' ERROR ' not in log
    assert 'kind=proof_required' in log
