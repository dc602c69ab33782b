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

"""Users of an LDAP-backed domain, checked against a real slapd.

The directory (tests/ldap_server.py) locks an account after 5 failed binds,
as a deployment's ppolicy would; Keystone's own lockout does not apply to
LDAP users. Each test reads from slapd what a request cost the user there.
"""

from tests import cloud as cloud_mod


def test_bare_password_logs_in_before_enrolment(ldap_domain):
    user = ldap_domain.create_user()
    r = ldap_domain.cloud.login_as(user, user.password)
    assert r.status_code == 201, r.text
    assert r.json()['token']['user']['id'] == user.id
    assert ldap_domain.failed_binds(user) == 0


def test_enrolled_user_needs_password_and_code(ldap_domain):
    cloud = ldap_domain.cloud
    user = ldap_domain.create_user()
    cloud.enrol(user, cloud_mod.new_secret())

    r = cloud.login_as(user, user.password + user.code())
    assert r.status_code == 201, r.text
    assert r.json()['token']['user']['id'] == user.id
    assert 'totp' in r.json()['token']['methods']

    r = cloud.login_as(user, user.password)
    assert r.status_code == 401
    assert r.json() == cloud_mod.ADDITIONAL_STEPS_BODY
