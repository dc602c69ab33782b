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

"""The OS-TOTP API's pure pieces: the proof decision, bodies, error kinds."""

import types

import keystone.conf  # noqa: F401 (the options errors read)
from keystone import exception
import pytest

from keystone_totp_concat.server.api import enrolment
from keystone_totp_concat.server.api import errors
from keystone_totp_concat.server.api import schema

Proof = enrolment.Proof


@pytest.mark.parametrize('self_, enrolled, passcode, fresh, expected', [
    (False, True, False, False, Proof.POLICY),
    (False, False, True, True, Proof.POLICY),
    (True, False, False, False, Proof.NOT_ENROLLED),
    (True, False, True, True, Proof.NOT_ENROLLED),
    (True, True, True, False, Proof.CODE),
    (True, True, True, True, Proof.CODE),
    (True, True, False, True, Proof.FRESH_TOKEN),
])
def test_the_proof_that_applies(self_, enrolled, passcode, fresh, expected):
    decision = enrolment.decide(self_, enrolled, passcode, fresh)
    assert decision is expected
    assert decision.by_owner == self_


def test_an_owner_with_nothing_to_show_must_prove():
    with pytest.raises(errors.ProofRequired) as caught:
        enrolment.decide(True, True, False, False)
    assert caught.value.kind == 'proof_required'
    assert caught.value.code == 403
    assert '"passcode"' in str(caught.value)


def test_the_decision_is_typed_not_a_string():
    assert all(isinstance(p, Proof) for p in Proof)
    assert Proof.POLICY != 'policy'
    assert [p.value for p in Proof] == [
        'policy', 'not enrolled', 'fresh token', 'code']


def validate(body, shape=schema.device_create):
    return schema.validate(shape, body)


@pytest.mark.parametrize('body, member', [
    ({}, {}),
    ({'device': {}}, {}),
    ({'device': {'passcode': '123456', 'label': 'phone'}},
     {'passcode': '123456', 'label': 'phone'}),
    ({'device': {'passcode': None}}, {'passcode': None}),
    ({'device': {}, 'other': [1]}, {}),
])
def test_valid_bodies_give_their_member(body, member):
    assert validate(body) == member


@pytest.mark.parametrize('body', [
    {'device': []},
    {'device': None},
    {'device': {'label': 5}},
    {'device': {'secret': 'JBSWY3DPEHPK3PXP'}},
])
def test_malformed_bodies_are_400(body):
    with pytest.raises(exception.ValidationError) as caught:
        validate(body)
    assert caught.value.code == 400
    assert errors.kind_of(caught.value) == 'bad_request'


@pytest.mark.parametrize('passcode', [
    123456, ['123456'], {'c': '123456'}, True, 1.5])
def test_a_passcode_that_is_no_string_is_never_quoted(passcode):
    with pytest.raises(errors.BadRequest) as caught:
        validate({'device': {'passcode': passcode}})
    assert '123456' not in str(caught.value)
    assert 'device/passcode' in str(caught.value)


def test_the_validator_never_sees_the_passcode():
    """Keystone's message quotes the object around a failing field."""
    with pytest.raises(exception.SchemaValidationError) as caught:
        validate({'device': {'passcode': '987654', 'extra': 'x'}})
    assert '987654' not in str(caught.value)
    assert 'extra' in str(caught.value)


def test_a_label_only_where_it_is_used():
    with pytest.raises(exception.SchemaValidationError):
        schema.validate(schema.totp_delete, {'totp': {'label': 'x'}})
    assert schema.validate(schema.enrolment_create,
                           {'enrolment': {'label': 'x'}}) == {'label': 'x'}


@pytest.mark.parametrize('member, required, expected', [
    ({}, False, None),
    ({'passcode': None}, False, None),
    ({'passcode': '012345'}, True, '012345'),
])
def test_passcodes(member, required, expected):
    assert schema.passcode(member, 6, required) == expected


@pytest.mark.parametrize('member, required', [
    ({}, True), ({'passcode': '12345'}, False),
    ({'passcode': '\uff11' * 6}, False), ({'passcode': '12345678'}, False),
])
def test_bad_passcodes_are_400_without_the_code(member, required):
    with pytest.raises(errors.BadRequest) as caught:
        schema.passcode(member, 6, required)
    assert '6-digit' in str(caught.value)
    assert str(member.get('passcode')) not in str(caught.value)


@pytest.mark.parametrize('text, expected', [
    (None, None), ('  phone ', 'phone'), ('x' * 255, 'x' * 255)])
def test_labels(text, expected):
    assert schema.label({'label': text}) == expected


@pytest.mark.parametrize('text', ['', '   ', 'x' * 256, 'a\x00b',
                                  '\u202e\u0007', '\ud800'])
def test_bad_labels_are_400(text):
    with pytest.raises(errors.BadRequest):
        schema.label({'label': text})


@pytest.mark.parametrize('make, kind', [
    (lambda: errors.ProofRequired(seconds=300), 'proof_required'),
    (errors.CodeRefused, 'code_not_accepted'),
    (errors.EnrolmentMissing, 'no_pending_enrolment'),
    (errors.NotEnrolled, 'not_enrolled'),
    (lambda: errors.DeviceNotFound(device_id='d'), 'device_not_found'),
    (lambda: errors.BadRequest(detail='x'), 'bad_request'),
    (lambda: exception.SchemaValidationError(detail='x'), 'bad_request'),
    (lambda: exception.ForbiddenAction(action='a'), 'forbidden'),
    (lambda: exception.UserNotFound(user_id='u'), 'not_found'),
    (lambda: exception.Conflict(type='t', details='d'), 'conflict'),
    (lambda: types.SimpleNamespace(code=503), 'server_error'),
])
def test_every_error_has_its_kind(make, kind):
    assert errors.kind_of(make()) == kind
