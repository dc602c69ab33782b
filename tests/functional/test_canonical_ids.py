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

"""A user id in a path is the user's id byte for byte, or no user.

MariaDB's default collation finds a user for ``ABC`` or ``abc `` when the
id is ``abc``; the OS-TOTP API and the password-change guard must not then
take the caller for someone else (``KTC_TEST_DB=mysql`` shows it; on SQLite
and PostgreSQL a variant is simply an unknown id, and the answers are the
same).
"""

import urllib.parse
import uuid

import pytest

from tests import cloud as c
from tests.totp_api import call
from tests.totp_api import enable
from tests.totp_api import refused_login
from tests.totp_api import status
from tests.totp_api import stored
from tests.totp_api import token_of

ROUTES = [('GET', ''), ('DELETE', ''), ('POST', '/enrolment'),
          ('DELETE', '/enrolment'), ('GET', '/devices'),
          ('POST', '/devices'), ('POST', '/recovery_codes'),
          ('DELETE', '/recovery_codes')]


def variants(user_id):
    """Ids that MariaDB's collation takes for ``user_id`` (a uuid hex)."""
    letter = next(i for i, ch in enumerate(user_id) if ch.isalpha())
    mixed = user_id[:letter] + user_id[letter].upper() + user_id[letter + 1:]
    return [user_id.upper(), mixed, user_id + ' ', user_id.upper() + '  ']


def path_of(cloud, user_id):
    return '%s/users/%s/OS-TOTP' % (cloud.url,
                                    urllib.parse.quote(user_id, safe=''))


@pytest.fixture
def enrolled(cloud):
    """An enrolled user and the user's token from before the enrolment."""
    user = cloud.create_user()
    stale = token_of(cloud, user)
    secret, device = enable(cloud, user)
    return user, stale, device


def answers(cloud, token, user, device):
    """``{status: [(variant, method, path)]}`` of every route and variant."""
    routes = ROUTES + [('GET', '/devices/' + device['id']),
                       ('DELETE', '/devices/' + device['id'])]
    seen = {}
    for variant in variants(user.id):
        for method, path in routes:
            r = call(token, method, path_of(cloud, variant) + path)
            seen.setdefault(r.status_code, []).append((variant, method, path))
    return seen


def assert_unchanged(cloud, user, device):
    assert list(stored(cloud, user)) == [device['id']]
    on = status(cloud, user)
    assert on['enabled'] is True and on['pending_enrolment'] is None
    assert on['recovery_codes']['remaining'] == 10
    assert refused_login(cloud.login_as(user, user.password))


def test_a_stale_token_cannot_act_through_a_variant_of_its_id(cloud,
                                                              enrolled):
    user, stale, device = enrolled
    seen = answers(cloud, stale, user, device)
    assert list(seen) == [403], seen
    assert_unchanged(cloud, user, device)


def test_an_admin_gets_404_for_a_variant_and_changes_nothing(cloud,
                                                             enrolled):
    user, _, device = enrolled
    admin = cloud.admin.get_token()
    seen = answers(cloud, admin, user, device)
    assert list(seen) == [404], seen
    assert_unchanged(cloud, user, device)


def test_the_exact_id_still_works_for_its_owner(cloud, enrolled):
    user, stale, _ = enrolled
    r = call(stale, 'GET', path_of(cloud, user.id))
    assert r.status_code == 200, r.text
    assert r.json()['totp']['user_id'] == user.id


def test_a_password_change_through_a_variant_id_is_refused(cloud, enrolled):
    """Answered as for an unknown id, and the password stays."""
    user, _, _ = enrolled
    new = 'new-' + user.password

    def change(user_id):
        return cloud.http.post(
            '%s/users/%s/password' % (
                cloud.url, urllib.parse.quote(user_id, safe='')),
            json={'user': {'original_password': user.password,
                           'password': new}})

    unknown = change(uuid.uuid4().hex)
    assert unknown.status_code == 401
    for variant in variants(user.id):
        r = change(variant)
        assert (r.status_code, r.json()) == (401, unknown.json()), variant
    assert refused_login(cloud.login_as(user, new))
    r = cloud.login_as(user, user.password + c.code_for(user.secrets[0], 1))
    assert r.status_code == 201, r.text
