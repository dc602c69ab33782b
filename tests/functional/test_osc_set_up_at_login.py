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

"""``openstack two factor enable`` past the grace period of a requirement:
the real ``openstack`` binary on a node whose grace periods are over, set
up with the password of the command's auth options (no token), then the
password and a code log in.
"""

import json
import pathlib
import subprocess
import sys

import pytest

from tests import cloud as c
from tests.conftest import another_node
from tests.functional import test_osc_two_factor as osc_tests

OPENSTACK = str(pathlib.Path(sys.executable).parent / 'openstack')


@pytest.fixture(scope='module')
def expired(keystone, tmp_path_factory):
    with another_node(keystone, tmp_path_factory, 'no-grace-osc', overrides={
            'totp_concat': {'required_grace_days': 0}}) as node:
        yield node


@pytest.fixture
def required_user(cloud):
    user = cloud.create_user()
    cloud.api('PUT', '/OS-TOTP/requirements/users/%s' % user.id)
    yield user
    cloud.api('DELETE', '/OS-TOTP/requirements/users/%s' % user.id,
              raise_exc=False)


def enable(cloud, user, node, home, *args, password=None):
    env = c.os_env(cloud, home, user, password or user.password,
                   OS_AUTH_URL=node.url, OS_AUTH_TYPE='password')
    return subprocess.run([OPENSTACK, 'two', 'factor', 'enable', *args,
                           '-f', 'json'], env=env, input='',
                          capture_output=True, text=True, timeout=120)


def test_enable_sets_up_at_login_in_two_steps(cloud, required_user, expired,
                                              tmp_path):
    user = required_user
    assert cloud.login_as(user, user.password, url=expired.url).headers.get(
        'Openstack-Totp-Set-Up-Required') == 'true'

    begun = enable(cloud, user, expired, tmp_path, '--no-confirm')
    assert begun.returncode == 0, begun.stderr
    secret = json.loads(begun.stdout)['secret']
    assert 'required for this account: set it up now' in begun.stderr
    assert user.password not in begun.stdout + begun.stderr
    assert osc_tests.stored(cloud, user) == {}

    done = enable(cloud, user, expired, tmp_path, '--code',
                  c.code_for(secret))
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert answer['enabled'] is True and len(answer['recovery_codes']) == 10
    assert list(osc_tests.stored(cloud, user).values()) == [secret]
    assert cloud.login_as(user, user.password + c.code_for(secret, 1),
                          url=expired.url).status_code == 201


def test_a_wrong_code_stores_nothing(cloud, required_user, expired,
                                     tmp_path):
    user = required_user
    begun = enable(cloud, user, expired, tmp_path, '--no-confirm')
    secret = json.loads(begun.stdout)['secret']

    wrong = enable(cloud, user, expired, tmp_path, '--code',
                   c.wrong_code(secret))
    osc_tests.one_line_error(wrong, user.password)
    assert osc_tests.stored(cloud, user) == {}


def test_a_wrong_password_is_keystones_refusal(cloud, required_user,
                                               expired, tmp_path):
    user = required_user
    wrong = enable(cloud, user, expired, tmp_path, '--no-confirm',
                   password=user.password + 'x')
    assert wrong.returncode != 0
    assert 'set it up now' not in wrong.stderr
    assert osc_tests.stored(cloud, user) == {}
