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

"""The client side of the protocol.

Recognising Keystone's 401, code lengths, the password field.
"""

import json

from keystoneauth1 import exceptions as ksa_exceptions
import pytest
import requests

from keystone_totp_concat.client import exceptions
from keystone_totp_concat.client import protocol
from tests.cloud import ADDITIONAL_STEPS_BODY

OTHER_401 = {'error': dict(
    ADDITIONAL_STEPS_BODY['error'],
    message='The request you have made requires authentication.')}


def response(status, body):
    resp = requests.Response()
    resp.status_code = status
    resp._content = (body if isinstance(body, bytes)
                     else json.dumps(body).encode())
    resp.headers['Content-Type'] = 'application/json'
    return resp


def error(status, body):
    return ksa_exceptions.from_response(
        response(status, body), 'POST', 'http://ks/v3/auth/tokens')


def test_message_is_the_servers():
    """What the server plugin raises: Keystone's AdditionalAuthRequired."""
    keystone_exception = pytest.importorskip('keystone.exception')
    assert protocol.ADDITIONAL_STEPS_MESSAGE == (
        keystone_exception.AdditionalAuthRequired.message_format)
    assert ADDITIONAL_STEPS_BODY['error']['message'] == (
        protocol.ADDITIONAL_STEPS_MESSAGE)


@pytest.mark.parametrize('answer', [
    error(401, ADDITIONAL_STEPS_BODY),
    exceptions.TOTPRequired(error(401, ADDITIONAL_STEPS_BODY)),
    response(401, ADDITIONAL_STEPS_BODY),
    ADDITIONAL_STEPS_BODY,
], ids=['keystoneauth1 error', 'plugin error', 'response',
        'body'])
def test_recognises_additional_steps_required(answer):
    assert protocol.asks_for_code(answer)


@pytest.mark.parametrize('answer', [
    error(401, OTHER_401),
    error(403, {'error': dict(ADDITIONAL_STEPS_BODY['error'], code=403)}),
    response(400, ADDITIONAL_STEPS_BODY),
    response(401, b'not json'),
    response(401, ['a list']),
    {'error': 'a string'},
    {'error': dict(ADDITIONAL_STEPS_BODY['error'], code=403)},
    OTHER_401,
    ksa_exceptions.Unauthorized('Unauthorized'),
    # Not built from a response: keystoneauth1 decorates the message.
    ksa_exceptions.Unauthorized(protocol.ADDITIONAL_STEPS_MESSAGE),
    ksa_exceptions.ConnectFailure('down'),
    ValueError(protocol.ADDITIONAL_STEPS_MESSAGE),
    protocol.ADDITIONAL_STEPS_MESSAGE,
    None,
], ids=['other 401', '403', 'response 400', 'not json', 'json list',
        'error not a dict', 'body code 403', 'other body', 'bare 401',
        'error without response', 'connection', 'other exception',
        'string', 'none'])
def test_anything_else_is_not_asking_for_a_code(answer):
    assert not protocol.asks_for_code(answer)


@pytest.mark.parametrize('configured, typed, expected', [
    (None, None, 6), ('', None, 6), (6, None, 6), (7, None, 7),
    ('8', None, 8), (None, '12345678', 8), (None, '1234567', 7),
    (6, '12345678', 6), (None, '12345', 6), (None, '123456789', 6),
    (None, '１２３４５６７８', 6), (None, 12345678, 6),
])
def test_code_length(configured, typed, expected):
    assert protocol.code_length(configured, typed) == expected


@pytest.mark.parametrize('configured', [5, 9, '0', 'six', 6.5, [6], True,
                                        '６'])
def test_code_length_outside_6_to_8_is_refused(configured):
    with pytest.raises(ValueError):
        protocol.code_length(configured)


@pytest.mark.parametrize('code, length, ok', [
    ('123456', None, True), ('12345678', None, True), ('12345', None, False),
    ('123456789', None, False), ('123456', 6, True), ('123456', 8, False),
    ('12345678', 8, True), ('１２３４５６', None, False),
    ('12 456', None, False), ('', None, False), (None, None, False),
    (123456, None, False),
])
def test_is_code(code, length, ok):
    assert protocol.is_code(code, length) is ok


@pytest.mark.parametrize('typed, expected', [
    (' 123 456 ', '123456'), ('12345678', '12345678'), ('', None),
    ('   ', None), (None, None),
])
def test_clean_code(typed, expected):
    assert protocol.clean_code(typed) == expected


def test_code_goes_directly_after_the_password():
    assert protocol.join('pw', '123456') == 'pw123456'
    assert protocol.join('pw 123', '12345678') == 'pw 12312345678'
    assert protocol.join('pw', None) == 'pw'
    assert protocol.join('pw', '') == 'pw'


@pytest.mark.parametrize('field, length, ok', [
    ('pw123456', None, True), ('pw12345678', 8, True),
    ('pwabcd-efgh-jk12', None, True), ('pw12345', None, False),
    ('pw1234567', 8, False), ('123456', None, False),
    ('pw١٢٣٤٥٦', None, False), ('pwABCD-EFGH-JK12', None, False),
    (None, None, False),
])
def test_ends_with_code(field, length, ok):
    """How a client words Keystone's 401 for a missing or refused code."""
    assert protocol.ends_with_code(field, length) is ok


def test_digits_label():
    assert protocol.digits_label() == '6-digit'
    assert protocol.digits_label(8) == '8-digit'
