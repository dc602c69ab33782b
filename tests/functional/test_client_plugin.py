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

"""The v3passwordtotp plugin through keystoneauth1 and openstacksdk, against
the suite's Keystone: what happens when a token must be renewed after its
code was used, and the openstack.connect() usage the user guide shows
(doc/source/user/clients.rst)."""

from keystoneauth1 import exceptions as ksa_exceptions
from keystoneauth1 import loading
from keystoneauth1 import session as ks_session
import openstack
import pytest

from keystone_totp_concat.client import exceptions
from tests.cloud import code_for
from tests.cloud import wrong_code


def load(cloud, user, **options):
    loader = loading.get_plugin_loader('v3passwordtotp')
    options.setdefault('prompt', None)
    return loader.load_from_options(
        auth_url=cloud.url, username=user.name, password=user.password,
        user_domain_id=user.domain_id, project_id=user.project_id, **options)


class Prompt:
    """Stands in for a person at a terminal: returns the given codes."""

    def __init__(self, *codes):
        self.codes = list(codes)
        self.calls = 0

    def __call__(self):
        self.calls += 1
        return self.codes.pop(0) if self.codes else None


def renew(auth):
    """Drop the current token, as keystoneauth1 does when it expires."""
    auth.invalidate()
    return ks_session.Session(auth=auth).get_token()


def test_missing_code_raises_totp_required(cloud):
    user = cloud.create_user(devices=1)
    auth = load(cloud, user)
    with pytest.raises(exceptions.TOTPRequired) as caught:
        ks_session.Session(auth=auth).get_token()
    assert isinstance(caught.value, ksa_exceptions.Unauthorized)
    assert 'Two Factor Authentication is enabled' in str(caught.value)


def test_used_code_is_never_resent(cloud):
    user = cloud.create_user(devices=1)
    auth = load(cloud, user, passcode=user.code())
    assert ks_session.Session(auth=auth).get_user_id() == user.id
    with pytest.raises(exceptions.TOTPCodeUsed):
        renew(auth)


def test_renewal_asks_for_a_new_code(cloud):
    user = cloud.create_user(devices=1)
    first = user.code()
    prompt = Prompt(first, code_for(user.secrets[0], 1))
    auth = load(cloud, user, passcode=first, prompt=prompt)
    token = ks_session.Session(auth=auth).get_token()
    # The person types the used code again: refused without a request, then
    # nothing more is asked.
    with pytest.raises(exceptions.TOTPCodeUsed):
        renew(auth)
    assert prompt.calls == 1
    assert renew(auth) != token
    assert prompt.calls == 2


def test_wrong_code_then_prompt(cloud):
    user = cloud.create_user(devices=1)
    prompt = Prompt(user.code())
    auth = load(cloud, user, passcode=wrong_code(*user.secrets),
                prompt=prompt)
    assert ks_session.Session(auth=auth).get_user_id() == user.id
    assert prompt.calls == 1


def test_totp_secret_renews_with_a_different_code(cloud):
    user = cloud.create_user(devices=1)
    auth = load(cloud, user, totp_secret=user.secrets[0].lower())
    token = ks_session.Session(auth=auth).get_token()
    assert renew(auth) != token
    assert len(auth._used) == 2


def test_user_without_2fa_with_empty_passcode(cloud):
    user = cloud.create_user()
    auth = load(cloud, user, passcode='')
    assert ks_session.Session(auth=auth).get_user_id() == user.id


def test_token_cache_serves_a_second_session(cloud, tmp_path):
    user = cloud.create_user(devices=1)
    cache = str(tmp_path / 'cache' / 'tokens.json')
    first = load(cloud, user, passcode=user.code(), token_cache=cache)
    token = ks_session.Session(auth=first).get_token()
    second = load(cloud, user, token_cache=cache)
    session = ks_session.Session(auth=second)
    assert session.get_token() == token
    # The rebuilt token carries the catalog, so services can be found.
    assert session.get_endpoint(service_type='identity',
                                interface='public')
    # Another scope is another cache entry: it needs its own login.
    unscoped = loading.get_plugin_loader('v3passwordtotp').load_from_options(
        auth_url=cloud.url, username=user.name, password=user.password,
        user_domain_id=user.domain_id, token_cache=cache, prompt=None)
    with pytest.raises(exceptions.TOTPRequired):
        ks_session.Session(auth=unscoped).get_token()


def test_openstacksdk_connect(cloud):
    user = cloud.create_user(devices=1)
    conn = openstack.connect(
        auth_type='v3passwordtotp',
        auth={
            'auth_url': cloud.url, 'username': user.name,
            'password': user.password, 'user_domain_id': user.domain_id,
            'project_name': user.name, 'project_domain_id': user.domain_id,
            'passcode': user.code(),
        },
        identity_api_version='3', load_yaml_config=False,
        load_envvars=False,
    )
    try:
        assert conn.current_user_id == user.id
        assert conn.identity.get_project(user.project_id).name == user.name
    finally:
        conn.close()


def test_mistyped_codes_are_asked_again_up_to_three_times(cloud):
    user, other = cloud.create_user(devices=1), cloud.create_user(devices=1)
    taken = {code_for(secret, step) for secret in user.secrets + other.secrets
             for step in range(-3, 4)}
    wrong = [c for c in ('%06d' % n for n in range(100, 200))
             if c not in taken][:4]

    prompt = Prompt(wrong[0], wrong[1], user.code())
    auth = load(cloud, user, prompt=prompt)
    assert ks_session.Session(auth=auth).get_user_id() == user.id
    assert prompt.calls == 3

    prompt = Prompt(*wrong)
    auth = load(cloud, other, prompt=prompt)
    with pytest.raises(exceptions.TOTPRequired):
        ks_session.Session(auth=auth).get_token()
    assert prompt.calls == 3
