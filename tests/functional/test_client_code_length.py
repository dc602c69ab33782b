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

"""v3passwordtotp against a cloud whose codes have 8 digits.

A node of the suite's cloud with ``[totp_concat] code_length = 8``: the
plugin's ``code-length`` option makes the codes it computes from a secret
that long, a typed 8-digit code needs no option, and the errors name the
number of digits.
"""

import time
import uuid

from keystoneauth1 import loading
from keystoneauth1 import session as ks_session
import pytest

from keystone_totp_concat.client import exceptions
from keystone_totp_concat.core import totp
from tests import cloud as c
from tests.conftest import another_node
from tests import totp_api


@pytest.fixture(scope='module')
def eight_digits(keystone, tmp_path_factory):
    with another_node(keystone, tmp_path_factory, 'eight-digit-node',
                      overrides={'totp_concat': {'code_length': 8}}) as node:
        yield node


def load(node, user, **options):
    return loading.get_plugin_loader('v3passwordtotp').load_from_options(
        auth_url=node.url, username=user.name, password=user.password,
        user_domain_id=user.domain_id, project_id=user.project_id,
        prompt=None, **options)


def code8(secret, offset_steps=0):
    return totp.code_at_step(
        secret, totp.time_step(time.time()) + offset_steps, 8)


def test_secret_codes_of_the_configured_length(cloud, eight_digits):
    user = cloud.create_user(devices=1)
    auth = load(eight_digits, user, totp_secret=user.secrets[0],
                code_length=8)
    assert ks_session.Session(auth=auth).get_user_id() == user.id


def test_six_digit_codes_are_refused_with_the_default_length(
        cloud, eight_digits):
    # A password that ends in a letter: two final digits could complete the
    # 6-digit code to the right 8-digit one (see the next test), which
    # happens to one random hex password in 256 per code.
    user = cloud.create_user(devices=1, password='pw-%s-x' % uuid.uuid4().hex)
    auth = load(eight_digits, user, totp_secret=user.secrets[0])
    with pytest.raises(exceptions.TOTPRequired) as caught:
        ks_session.Session(auth=auth).get_token()
    assert 'the current 6-digit code' in str(caught.value)


def test_six_digit_code_completing_an_eight_digit_one(cloud, eight_digits):
    """A plain 401 for the password, not a bypass: the code was right.

    An 8-digit code ends with the 6-digit code of the same step (both are
    RFC 4226's truncated value, modulo 10^8 and 10^6). A 6-digit code typed
    after a password that ends in the two digits the 8-digit code starts
    with is therefore the right 8-digit code to this node, and the password
    it checks lacks those two characters: Keystone refuses it, no token.
    The code stays used, as after any wrong password; the next one logs in.
    """
    secret = c.new_secret()
    step = totp.time_step(time.time())
    eight = totp.code_at_step(secret, step, 8)
    assert eight[2:] == totp.code_at_step(secret, step, 6)
    user = cloud.create_user(
        password='pw-%s%s' % (uuid.uuid4().hex, eight[:2]), secrets=[secret])
    r = cloud.login_as(user, user.password + eight[2:], url=eight_digits.url)
    assert r.status_code == 401 and 'X-Subject-Token' not in r.headers
    assert not totp_api.refused_login(r), r.text
    r = cloud.login_as(user, user.password + eight, url=eight_digits.url)
    assert totp_api.refused_login(r), r.text
    later = totp.code_at_step(secret, step + 1, 8)
    r = cloud.login_as(user, user.password + later, url=eight_digits.url)
    assert r.status_code == 201, r.text


def test_typed_eight_digit_code(cloud, eight_digits):
    user = cloud.create_user(devices=1)
    auth = load(eight_digits, user, passcode=code8(user.secrets[0]))
    assert ks_session.Session(auth=auth).get_user_id() == user.id


def test_refused_eight_digit_code_asks_for_eight_digits(cloud, eight_digits):
    user = cloud.create_user(devices=1)
    # An 8-digit code of a step far outside the window.
    auth = load(eight_digits, user, passcode=code8(user.secrets[0], -100))
    with pytest.raises(exceptions.TOTPRequired) as caught:
        ks_session.Session(auth=auth).get_token()
    assert 'the current 8-digit code' in str(caught.value)
