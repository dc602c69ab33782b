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

"""Every method, body and id on the routes this package serves or fronts.

A request that ends before Keystone's policy check (a deep body on GET or
DELETE, an id the database cannot compare) must still get an answer:
Keystone's "enforcement has not been called" check drops the connection
otherwise. Each request here must get an answer below 500, in Keystone's
error shape, and the server must go on answering.
"""

import socket
import urllib.parse

import pytest
import requests

from tests import totp_api

METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE']
# {user}: an enrolled user's id, {device}: one of their devices,
# {credential}: the id of a credential.
ROUTES = [
    '/auth/tokens',
    '/users/{user}/password',
    '/users/{user}/OS-TOTP',
    '/users/{user}/OS-TOTP/enrolment',
    '/users/{user}/OS-TOTP/devices',
    '/users/{user}/OS-TOTP/devices/{device}',
    '/users/{user}/OS-TOTP/recovery_codes',
    '/credentials',
    '/credentials/{credential}',
    '/OS-TOTP/requirements',
    '/OS-TOTP/requirements/users/{user}',
    '/OS-TOTP/compliance',
    '/OS-TOTP/setup',
    '/OS-TOTP/setup/device',
]
USER_ROUTES = [route for route in ROUTES if '{user}' in route]
DEEP = 5000
BODIES = {
    'list nested 5,000 deep': ('[' * DEEP + ']' * DEEP).encode(),
    'object nested 5,000 deep': (
        '{"a": ' * DEEP + '1' + '}' * DEEP).encode(),
    'invalid UTF-8': b'{"a": "\xff\xfe"}',
    'lone surrogate': b'{"a": "\\ud800"}',
}
# Ids no user, device or credential can have, as the client writes them in
# the path (requests percent-encodes what is not ASCII as UTF-8).
IDS = {
    'u-umlaut': '\u00fc',
    'e-acute then ascii': '\u00e9abc',
    'emoji': '\U0001F600',
    'percent-encoded UTF-8': '%C3%BC',
    'invalid percent-encoded UTF-8': '%ff',
    'percent-encoded surrogate': '%ED%A0%80',
    'percent-encoded NUL': 'a%00b',
    'longer than any id column': 'f' * 300,
}


@pytest.fixture(scope='module')
def enrolled(cloud):
    return cloud.create_user(devices=1)


@pytest.fixture(scope='module')
def subject_token(cloud):
    """A token to validate on /auth/tokens (its revocation harms nobody)."""
    return totp_api.token_of(cloud, cloud.create_user(), project=False)


def url_of(cloud, route, user, device=None, credential=None):
    return cloud.url + route.format(
        user=user, device=device or 'd', credential=credential or 'c')


def headers(cloud, subject_token, **more):
    return dict({'X-Auth-Token': cloud.admin.get_token(),
                 'X-Subject-Token': subject_token}, **more)


def send(method, url, **kwargs):
    """The answer; a dropped connection fails the test, saying so."""
    try:
        return requests.request(method, url, timeout=30, **kwargs)
    except requests.ConnectionError as e:
        pytest.fail('%s %s: no answer, the connection dropped (%s)'
                    % (method, url[:120], e))


def assert_error_shape(method, r, status=None):
    """An answer below 500 in Keystone's error shape (HEAD has no body).

    A method a route does not serve gets Flask's 405, as everywhere in
    Keystone.
    """
    assert r.status_code < 500, (r.status_code, r.text[:300])
    assert 400 <= r.status_code, (r.status_code, r.text[:300])
    if status is not None:
        assert r.status_code == status, (r.status_code, r.text[:300])
    if r.status_code == 405:
        assert method not in r.headers['Allow']
        return
    if method == 'HEAD':
        return
    error = r.json()['error']
    assert error['code'] == r.status_code
    assert isinstance(error['title'], str) and error['title']
    assert isinstance(error['message'], str)


def assert_still_answering(cloud):
    """The next request gets its answer (a crashed worker would not)."""
    r = send('GET', cloud.url)
    assert r.status_code == 200, r.text
    assert r.json()['version']['status'] == 'stable'


@pytest.mark.parametrize('body', sorted(BODIES))
@pytest.mark.parametrize('route', ROUTES)
@pytest.mark.parametrize('method', METHODS)
def test_a_hostile_body_gets_a_400_on_any_method(
        method, route, body, cloud, enrolled, subject_token):
    url = url_of(cloud, route, enrolled.id, enrolled.credential_ids[0],
                 enrolled.credential_ids[0])
    r = send(method, url, data=BODIES[body], headers=headers(
        cloud, subject_token, **{'Content-Type': 'application/json'}))
    assert_error_shape(method, r, status=400)
    if method != 'HEAD':
        assert 'body' in r.json()['error']['message']
    assert_still_answering(cloud)


def test_a_hostile_body_changes_nothing(cloud, enrolled, subject_token):
    """Refused before any handler: the user's device is still there."""
    for route in USER_ROUTES:
        for method in ('POST', 'DELETE'):
            send(method, url_of(cloud, route, enrolled.id,
                                enrolled.credential_ids[0]),
                 data=BODIES['lone surrogate'],
                 headers=headers(cloud, subject_token))
    r = send('GET', '%s/users/%s/OS-TOTP' % (cloud.url, enrolled.id),
             headers={'X-Auth-Token': cloud.admin.get_token()})
    assert [d['id'] for d in r.json()['totp']['devices']] == (
        enrolled.credential_ids)


def test_a_validated_token_survives_a_refused_revocation(
        cloud, subject_token):
    """The 400 comes before Keystone acts: the token is not revoked."""
    r = send('DELETE', cloud.url + '/auth/tokens',
             data=BODIES['list nested 5,000 deep'],
             headers=headers(cloud, subject_token))
    assert r.status_code == 400
    r = send('GET', cloud.url + '/auth/tokens',
             headers=headers(cloud, subject_token))
    assert r.status_code == 200, r.text


@pytest.mark.parametrize('bad_id', sorted(IDS))
@pytest.mark.parametrize('route', USER_ROUTES)
@pytest.mark.parametrize('method', METHODS)
def test_an_impossible_user_id_gets_a_4xx(
        method, route, bad_id, cloud, enrolled, subject_token):
    url = url_of(cloud, route, IDS[bad_id], enrolled.credential_ids[0])
    body = ({'user': {'password': 'x', 'original_password': 'y'}}
            if route.endswith('/password') else None)
    r = send(method, url, json=body, headers=headers(cloud, subject_token))
    assert_error_shape(method, r)
    assert_still_answering(cloud)


@pytest.mark.parametrize('bad_id', sorted(IDS))
@pytest.mark.parametrize('route', [
    '/users/{user}/OS-TOTP/devices/{device}', '/credentials/{credential}'])
@pytest.mark.parametrize('method', METHODS)
def test_an_impossible_device_or_credential_id_gets_a_4xx(
        method, route, bad_id, cloud, enrolled, subject_token):
    url = url_of(cloud, route, enrolled.id, IDS[bad_id], IDS[bad_id])
    body = {'credential': {'blob': 'x'}} if method == 'PATCH' else None
    r = send(method, url, json=body, headers=headers(cloud, subject_token))
    assert_error_shape(method, r)
    if method in ('GET', 'DELETE'):
        assert r.status_code == 404, r.text
    assert_still_answering(cloud)


def test_an_error_before_the_policy_check_is_answered(cloud):
    """A hook's 401 before Keystone's policy check gets through.

    An unreadable totp credential (its encrypted blob garbled in the
    database, which no API can do) makes the password change refuse in
    the package's hook, before Keystone's handler: that 401 must get
    through Keystone's "enforcement has not been called" check, which
    drops the connection otherwise. The blob is put back after: the
    suite's other tests list credentials, which Keystone decrypts one by
    one.
    """
    user = cloud.create_user(devices=1)
    credential = user.credential_ids[0]
    (blob,) = cloud.sql('SELECT encrypted_blob FROM credential '
                        'WHERE id = :id', id=credential)[0]
    cloud.sql("UPDATE credential SET encrypted_blob = 'garbled' "
              "WHERE id = :id", id=credential)
    try:
        r = send('POST', '%s/users/%s/password' % (cloud.url, user.id),
                 json={'user': {
                     'password': 'new-' + user.password,
                     'original_password': user.password + user.code()}})
    finally:
        cloud.sql('UPDATE credential SET encrypted_blob = :blob '
                  'WHERE id = :id', blob=blob, id=credential)
    assert_error_shape('POST', r, status=401)
    assert_still_answering(cloud)


def raw_request(cloud, method, path_bytes, token):
    """Send ``path_bytes`` unencoded (no client library allows it)."""
    parts = urllib.parse.urlsplit(cloud.url)
    request = (b'%s %s HTTP/1.1\r\nHost: %s\r\nX-Auth-Token: %s\r\n'
               b'Connection: close\r\n\r\n' % (
                   method.encode(), path_bytes, parts.netloc.encode(),
                   token.encode()))
    with socket.create_connection((parts.hostname, parts.port),
                                  timeout=30) as conn:
        conn.sendall(request)
        answer = b''
        while chunk := conn.recv(65536):
            answer += chunk
    assert answer, 'no answer, the connection dropped'
    return int(answer.split(b' ', 2)[1])


@pytest.mark.parametrize('suffix', [b'', b'/devices', b'/devices/\xc3\xbc'])
@pytest.mark.parametrize('user_id', [b'\xc3\xbc', b'\xff', b'\xed\xa0\x80'])
def test_raw_bytes_in_the_path_get_a_4xx(suffix, user_id, cloud, enrolled):
    path = (urllib.parse.urlsplit(cloud.url).path.encode()
            + b'/users/' + user_id + b'/OS-TOTP' + suffix)
    status = raw_request(cloud, 'GET', path, cloud.admin.get_token())
    assert 400 <= status < 500, status
    assert_still_answering(cloud)
