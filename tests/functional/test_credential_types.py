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

"""Credential types and owners the database may take for a device.

MariaDB's collation (utf8mb3_general_ci on Keystone's credential table)
finds ``TOTP``, ``tótp``, ``totṗ`` or ``totp `` when asked for ``totp``,
and a user id differing in case when asked for the user's. Only a type of
exactly ``totp`` owned by exactly the user makes a device; a user's token
cannot create any look-alike; recovery codes go with the last device,
however it was removed; a malformed totp create never echoes or logs its
blob. Run on SQLite, MariaDB and PostgreSQL (.ci/run).
"""

import uuid

import pytest

from keystone_totp_concat.server import credential_types
from tests import cloud as c
from tests.totp_api import assert_type_change_refused
from tests.totp_api import base
from tests.totp_api import call
from tests.totp_api import status
from tests.totp_api import token_of

# Each with whether it must be refused to a token: the ones equal to
# ``totp`` once folded (case, accents, compatibility forms, edge spaces),
# among them all that MariaDB's general_ci equates; the others stay
# ordinary credential types on every database.
TYPES = [
    ('TOTP', True), ('Totp', True), ('tótp', True), ('tÖtp', True),
    ('totṗ', True), ('to\u0301tp', True), ('totp ', True),
    ('TOTP  ', True), (' totp', True), ('ｔｏｔｐ', True), ('ᵗotp', True),
    ('tοtp', False),  # a Greek omicron
    ('tøtp', False), ('ŧotp', False), ('totp\u200b', False),
    ('totp\t', True),
]


def collection(cloud):
    return cloud.url + '/credentials'


def create(token, cloud, user, credential_type, blob=None, **extra):
    return call(token, 'POST', collection(cloud), {'credential': dict(
        type=credential_type, user_id=user.id,
        blob=c.new_secret() if blob is None else blob, **extra)})


def taken_for_totp(cloud, credential_id):
    """Whether the database's own filter takes the credential for totp."""
    return cloud.sql("SELECT count(*) FROM credential WHERE id = :i AND "
                     "type = 'totp'", i=credential_id)[0][0] == 1


def assert_no_device(cloud, user, secret):
    """Logins behave as for a user without 2FA, whatever the code."""
    plain = cloud.create_user()
    code = c.code_for(secret)
    assert cloud.login_as(user, user.password).status_code == 201
    r = cloud.login_as(user, user.password + code)
    control = cloud.login_as(plain, plain.password + code)
    assert (r.status_code, r.json()) == (control.status_code, control.json())
    assert r.status_code == 401
    admin = cloud.admin.get_token()
    answer = status(cloud, user, admin)
    assert (answer['enabled'], answer['devices']) == (False, [])


@pytest.mark.parametrize('credential_type, refused', TYPES,
                         ids=[ascii(t) for t, _ in TYPES])
def test_a_token_never_adds_a_device_by_a_look_alike_type(
        cloud, credential_type, refused):
    assert credential_types.fold(credential_type) == 'totp' or not refused
    user = cloud.create_user()
    token = token_of(cloud, user)
    secret = c.new_secret()
    r = create(token, cloud, user, credential_type, secret)
    if refused:
        assert r.status_code == 403, r.text
        assert 'OS-TOTP' in r.json()['error']['message']
    else:
        assert r.status_code == 201, r.text
        # Created only because the database does not equate it either.
        assert not taken_for_totp(cloud, r.json()['credential']['id'])
    assert_no_device(cloud, user, secret)


@pytest.mark.parametrize('credential_type', ['TOTP', 'tótp', 'totṗ', 'totp ',
                                             'tøtp'])
def test_an_admins_look_alike_is_no_device(cloud, credential_type):
    """Admins are not refused; the login and the API still ignore it."""
    user = cloud.create_user()
    token = token_of(cloud, user)
    secret = c.new_secret()
    admin = cloud.admin.get_token()
    r = create(admin, cloud, user, credential_type, secret)
    assert r.status_code == 201, r.text
    assert_no_device(cloud, user, secret)
    # A token holder neither sees nor reads a look-alike; another type
    # is an ordinary credential of theirs.
    listed = call(token, 'GET', collection(cloud)).json()['credentials']
    if credential_types.fold(credential_type) != 'totp':
        assert [cr['type'] for cr in listed] == [credential_type]
        return
    assert listed == []
    credential_id = r.json()['credential']['id']
    r = call(token, 'GET', collection(cloud) + '/' + credential_id)
    assert r.status_code == 403, r.text


def test_a_look_alike_owner_is_no_device(cloud):
    """A totp credential of the user's id in other case is someone else's."""
    user = cloud.create_user()
    secret = c.new_secret()
    admin = cloud.admin.get_token()
    for owner in (user.id.upper(), user.id + ' '):
        r = call(admin, 'POST', collection(cloud), {'credential': {
            'type': 'totp', 'user_id': owner, 'blob': secret}})
        assert r.status_code == 201, r.text
    assert_no_device(cloud, user, secret)


def test_a_token_cannot_turn_its_credential_into_a_look_alike(cloud):
    user = cloud.create_user()
    token = token_of(cloud, user)
    r = create(token, cloud, user, 'cert', 'a cert')
    assert r.status_code == 201, r.text
    member = collection(cloud) + '/' + r.json()['credential']['id']
    for credential_type in ('tótp', 'TOTP', 'totp '):
        r = call(token, 'PATCH', member, {'credential': {
            'type': credential_type, 'blob': c.new_secret()}})
        assert_type_change_refused(r)
    r = call(token, 'GET', member)
    assert r.status_code == 200 and r.json()['credential']['type'] == 'cert'


# -- Recovery codes go with the last device --

def enable_with_codes(cloud, user):
    token = token_of(cloud, user)
    r = call(token, 'POST', base(cloud, user) + '/enrolment')
    assert r.status_code == 201, r.text
    secret = r.json()['enrolment']['secret']
    r = call(token, 'POST', base(cloud, user) + '/devices',
             {'device': {'passcode': c.code_for(secret)}})
    assert r.status_code == 201, r.text
    user.secrets.append(secret)
    user.credential_ids.append(r.json()['device']['id'])
    return r.json()['recovery_codes']


def remaining_codes(cloud, user):
    return cloud.sql('SELECT count(*) FROM totp_concat_recovery_code WHERE '
                     'user_id = :u', u=user.id)[0][0]


def test_deleting_the_last_device_on_credentials_revokes_the_codes(cloud):
    user = cloud.create_user()
    codes = enable_with_codes(cloud, user)
    admin = cloud.admin.get_token()
    second = cloud.enrol(user, c.new_secret())
    r = call(admin, 'DELETE', collection(cloud) + '/' + second)
    assert r.status_code == 204
    assert remaining_codes(cloud, user) == len(codes)  # a device is left
    r = call(admin, 'DELETE', collection(cloud) + '/' + user.credential_ids[0])
    assert r.status_code == 204
    assert remaining_codes(cloud, user) == 0
    new = c.new_secret()
    cloud.enrol(user, new)
    r = cloud.login_as(user, user.password + codes[0])
    assert r.status_code == 401
    assert cloud.login_as(user, user.password + c.code_for(new)
                          ).status_code == 201


def test_deleting_the_last_device_on_os_totp_revokes_the_codes(cloud):
    user = cloud.create_user()
    codes = enable_with_codes(cloud, user)
    admin = cloud.admin.get_token()
    r = call(admin, 'DELETE', base(cloud, user) + '/devices/'
             + user.credential_ids[0])
    assert r.status_code == 204, r.text
    assert remaining_codes(cloud, user) == 0
    cloud.enrol(user, c.new_secret())
    assert cloud.login_as(user, user.password + codes[1]).status_code == 401


def test_a_first_device_never_revives_a_dormant_set(cloud):
    """The last device went where nobody is told: a project's deletion.

    Keystone deletes a project's credentials without a notification per
    credential; the set stays until a first device is added again.
    """
    user = cloud.create_user()
    codes = enable_with_codes(cloud, user)
    admin = cloud.admin.get_token()
    call(admin, 'DELETE', base(cloud, user) + '/devices/'
         + user.credential_ids[0])
    # Codes made again by hand, as a dormant set would be; then a device
    # of a project, deleted with the project.
    project = cloud.api('POST', '/projects', json={'project': {
        'name': 'p-' + uuid.uuid4().hex[:12], 'domain_id': 'default'}}
    ).json()['project']
    r = create(admin, cloud, user, 'totp', project_id=project['id'])
    assert r.status_code == 201, r.text
    r = call(admin, 'POST', base(cloud, user) + '/recovery_codes')
    assert r.status_code == 201, r.text
    dormant = r.json()['recovery_codes']['codes']
    cloud.api('PATCH', '/projects/' + project['id'],
              json={'project': {'enabled': False}})
    cloud.api('DELETE', '/projects/' + project['id'])
    assert status(cloud, user, admin)['devices'] == []
    new = c.new_secret()
    cloud.enrol(user, new)
    assert remaining_codes(cloud, user) == 0
    for code in (codes[2], dormant[0]):
        assert cloud.login_as(user, user.password + code).status_code == 401


def test_recovery_codes_of_a_look_alike_user_id_are_not_the_users(cloud):
    """The codes' rows carry the user id in other case, or padded.

    Set in the database, as a route that stored the id as a client spelt
    it would leave them; MariaDB's collation would match them to the user.
    """
    user = cloud.create_user()
    codes = enable_with_codes(cloud, user)
    owner = user.id
    variants = (user.id.upper(), user.id + ' ')
    for code, other in zip(codes, variants):
        cloud.sql('UPDATE totp_concat_recovery_code SET user_id = :new '
                  'WHERE user_id = :old', new=other, old=owner)
        owner = other
        assert cloud.login_as(user, user.password + code).status_code == 401
        assert status(cloud, user)['recovery_codes'] == {'remaining': 0}


def test_a_device_named_by_its_id_in_other_case_stays_hidden(cloud):
    """Keystone finds the row under MariaDB's collation; the guard too."""
    user = cloud.create_user(devices=1)
    token = token_of(cloud, user, user.password + user.code())
    # The other case: the guard's 403 where the database finds the row
    # (MariaDB's collation), Keystone's policy 403 where it does not. A
    # trailing space: no credential id holds one, so the request guard
    # answers 404 before any lookup.
    for credential_id, expected in ((user.credential_ids[0].upper(), 403),
                                    (user.credential_ids[0] + ' ', 404)):
        member = collection(cloud) + '/' + credential_id
        for method in ('GET', 'DELETE'):
            r = call(token, method, member)
            assert r.status_code == expected, r.text
            assert user.secrets[0] not in r.text
    assert status(cloud, user)['enabled']


# -- A malformed totp create never shows or logs its blob --

def marker():
    return 'SEKRIT' + uuid.uuid4().hex.upper()


MALFORMED = {
    'not base32': lambda m: m + '!@#',
    'too short': lambda m: 'GEZDGNBV',
    'a number': lambda m: int(uuid.uuid4().int % 10 ** 18),
    'an object': lambda m: {'seed': m},
    'a list': lambda m: [m],
    'not ASCII': lambda m: m + 'é',
}


@pytest.mark.parametrize('what', sorted(MALFORMED))
def test_a_malformed_totp_create_names_the_problem_not_the_blob(
        cloud, keystone, what):
    user = cloud.create_user()
    blob = MALFORMED[what](marker())
    shown = str(blob)
    admin = cloud.admin.get_token()
    r = create(admin, cloud, user, 'totp', blob)
    assert r.status_code == 400, r.text
    assert 'blob' in r.json()['error']['message']
    assert shown not in r.text
    assert cloud.login_as(user, user.password).status_code == 201
    assert shown not in keystone.log_file.read_text()


def test_a_malformed_blob_on_an_existing_device_is_refused(cloud, keystone):
    user = cloud.create_user(devices=1)
    member = collection(cloud) + '/' + user.credential_ids[0]
    admin = cloud.admin.get_token()
    for blob in (marker() + '!', 10 ** 17 + 12345):
        r = call(admin, 'PATCH', member, {'credential': {'blob': blob}})
        assert r.status_code == 400, r.text
        assert str(blob) not in r.text
        assert str(blob) not in keystone.log_file.read_text()
    assert cloud.login_as(user, user.password + user.code()
                          ).status_code == 201


def test_a_body_error_beside_a_totp_blob_does_not_log_it(cloud, keystone):
    """Keystone logs the whole failing object: ours names only the field."""
    user = cloud.create_user()
    secret = c.new_secret()
    admin = cloud.admin.get_token()
    r = call(admin, 'POST', collection(cloud), {'credential': {
        'type': 'totp', 'user_id': 12, 'blob': secret}})
    assert r.status_code == 400, r.text
    r = call(admin, 'POST', collection(cloud), {'credential': {
        'user_id': user.id, 'blob': secret}})
    assert r.status_code == 400, r.text
    assert secret not in r.text
    assert secret not in keystone.log_file.read_text()
