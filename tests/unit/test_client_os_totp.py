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

"""The OS-TOTP client library: requests it sends, and errors it raises.

Messages are the server's own (keystone_totp_concat.server.api.errors,
Keystone's policy and routing answers); the functional tests meet them for
real.
"""

import json

from keystoneauth1 import exceptions as ksa_exc
from keystoneauth1 import session as ksa_session
import pytest
import requests

from keystone_totp_concat.client import os_totp

PROOF = ('Two Factor Authentication is on for this user: this needs a '
         'current code of one of the user\'s devices in "passcode", or a '
         'token from a password+code login of the last 300 seconds.')
REFUSED = ('The code was not accepted: it is wrong, already used, or the '
           'user\'s code checks are locked after too many wrong codes.')
NO_PENDING = ('No pending enrolment for this user: it expired, was '
              'confirmed, cancelled or replaced, or never began. Begin again '
              'with POST .../OS-TOTP/enrolment.')
NOT_ENROLLED = 'Two Factor Authentication is not enabled for this user.'
NO_DEVICE = 'Could not find TOTP device: 0123.'
POLICY = ('You are not authorized to perform the requested action: '
          'identity:disable_totp.')


def response(status, body=None, text=None):
    resp = requests.Response()
    resp.status_code = status
    if body is not None:
        resp._content = json.dumps(body).encode()
    else:
        resp._content = (text or '').encode()
    return resp


def error(status, message, kind=None):
    member = {'code': status, 'title': 'x', 'message': message}
    if kind is not None:
        member['kind'] = kind
    return os_totp.error_for(response(status, {'error': member}))


@pytest.mark.parametrize('kind,cls', sorted(os_totp.KINDS.items()))
def test_the_servers_kind_decides(kind, cls):
    # A message that would say otherwise: only the kind counts.
    exc = error(403, REFUSED if kind == 'proof_required' else PROOF, kind)
    assert type(exc) is cls and exc.kind == kind


def test_every_kind_of_the_server_has_a_class():
    """The kinds of doc/source/api/, each a class of its status."""
    assert set(os_totp.KINDS) == {
        'proof_required', 'code_not_accepted', 'no_pending_enrolment',
        'not_enrolled', 'device_not_found', 'bad_request', 'forbidden',
        'not_found', 'unauthorized', 'conflict', 'server_error', 'required',
        'not_required', 'already_enrolled', 'requirement_not_found'}
    assert issubclass(os_totp.ProofRequired, os_totp.Forbidden)
    assert issubclass(os_totp.CodeNotAccepted, os_totp.Forbidden)
    assert issubclass(os_totp.Required, os_totp.Forbidden)
    assert issubclass(os_totp.NotRequired, os_totp.Forbidden)
    assert issubclass(os_totp.NoPendingEnrolment, os_totp.NotFound)
    assert issubclass(os_totp.RequirementNotFound, os_totp.NotFound)
    assert issubclass(os_totp.AlreadyEnrolled, os_totp.Conflict)


def test_the_client_knows_every_kind_the_server_sends():
    from keystone_totp_concat.server.api import errors
    sent = {value for name, value in vars(errors).items()
            if name.isupper() and isinstance(value, str)}
    assert sent == set(os_totp.KINDS)


@pytest.mark.parametrize('status,message', [
    (403, PROOF), (403, REFUSED), (404, NO_PENDING), (404, NOT_ENROLLED),
])
def test_message_text_is_never_read(status, message):
    exc = error(status, message)
    assert not isinstance(exc, (os_totp.ProofRequired,
                                os_totp.CodeNotAccepted, os_totp.NotFound))
    assert exc.message == message


@pytest.mark.parametrize('status,cls', [
    (404, os_totp.NotServed),
    (405, os_totp.NotServed),
    (501, os_totp.NotServed),
    (401, os_totp.Unauthorized),
    (500, os_totp.ServerError),
    (503, os_totp.ServerError),
    (403, os_totp.APIError),
])
def test_answers_without_a_kind_go_by_status(status, cls):
    exc = error(status, 'Anything.')
    assert type(exc) is cls and exc.kind is None


def test_an_unknown_kind_goes_by_status():
    exc = error(404, 'Something new.', 'something_new')
    assert type(exc) is os_totp.NotServed and exc.kind == 'something_new'


def test_a_body_that_is_not_keystones_error():
    exc = os_totp.error_for(response(502, text='<html>Bad\ngateway</html>'))
    assert type(exc) is os_totp.ServerError
    assert exc.message == 'HTTP 502'
    exc = os_totp.error_for(response(403, {'error': 'no'}))
    assert type(exc) is os_totp.APIError and exc.message == 'HTTP 403'


def test_messages_are_one_line():
    assert error(400, 'a\nb  c').message == 'a b c'


class FakeSession(ksa_session.Session):
    """keystoneauth1's Session, answering what the test gives it."""

    def __init__(self, *answers):
        super().__init__()
        self.answers = list(answers)
        self.calls = []

    def request(self, url, method, **kwargs):
        self.calls.append((method, url, kwargs))
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


URL = 'https://keystone.example.com/v3'


def client(*answers):
    session = FakeSession(*answers)
    return os_totp.Client(session, endpoint_override=URL + '/'), session


def test_requests_name_the_user_and_send_only_what_is_given():
    api, session = client(response(201, {'enrolment': {'secret': 'S'}}),
                          response(204), response(204))
    assert api.begin('u/1') == {'secret': 'S'}
    assert api.remove_device('u/1', 'd1') is None
    api.disable('u/1', passcode='123456')
    (m1, u1, k1), (m2, u2, k2), (m3, u3, k3) = session.calls
    assert (m1, u1, k1['json']) == (
        'POST', URL + '/users/u%2F1/OS-TOTP/enrolment', {})
    assert (m2, u2, k2.get('json')) == (
        'DELETE', URL + '/users/u%2F1/OS-TOTP/devices/d1', None)
    assert (m3, k3['json']) == ('DELETE', {'totp': {'passcode': '123456'}})
    for _, _, kwargs in session.calls:
        assert kwargs['log'] is False and kwargs['raise_exc'] is False


def test_confirm_answers_the_whole_body():
    body = {'device': {'id': 'd1'}, 'recovery_codes': ['a', 'b']}
    api, session = client(response(201, body))
    assert api.confirm('u1', '123456', label='phone') == body
    assert session.calls[0][2]['json'] == {
        'device': {'passcode': '123456', 'label': 'phone'}}


def test_a_refusal_is_raised():
    api, _ = client(response(403, {'error': {
        'message': REFUSED, 'kind': 'code_not_accepted'}}))
    with pytest.raises(os_totp.CodeNotAccepted):
        api.confirm('u1', '000000')


def test_no_answer_is_unavailable_with_the_cause():
    failure = ksa_exc.ConnectFailure('Unable to establish connection')
    api, _ = client(failure)
    with pytest.raises(os_totp.Unavailable) as raised:
        api.status('u1')
    assert raised.value.__cause__ is failure and raised.value.status is None
