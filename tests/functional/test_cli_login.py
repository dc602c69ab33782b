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

"""``eval "$(keystone-totp login)"``: one code per token lifetime.

After login the shell holds a token instead of the password, so real
``openstack`` commands run one after another without a new code.
"""

import json
import pathlib
import subprocess
import sys

import pexpect

from tests import cloud as c
from tests.functional.test_cli_enrol import assert_one_line_error
from tests.functional.test_cli_enrol import KEYSTONE_TOTP
from tests.functional.test_cli_enrol import run
from tests.functional.test_cli_enrol import user_env
from tests.functional.test_recovery_codes import enable as recovery_enable

OPENSTACK = str(pathlib.Path(sys.executable).parent / 'openstack')

SCRIPT = '''
set -e
eval "$(%(keystone_totp)s login)"
echo "password:${OS_PASSWORD-unset} auth_type:$OS_AUTH_TYPE"
%(openstack)s token issue -f json
%(openstack)s project show "$OS_PROJECT_ID" -f json -c id -c name
''' % {'keystone_totp': KEYSTONE_TOTP, 'openstack': OPENSTACK}


def test_login_then_openstack_commands_without_a_code(cloud, tmp_path):
    user = cloud.create_user(devices=1)
    env = user_env(cloud, tmp_path, user, user.password + user.code())

    result = subprocess.run(['bash', '-c', SCRIPT], env=env,
                            capture_output=True, text=True, timeout=120)

    assert result.returncode == 0, result.stderr
    first, rest = result.stdout.split('\n', 1)
    assert first == 'password:unset auth_type:v3token'
    decoder = json.JSONDecoder()
    token, end = decoder.raw_decode(rest)
    project, _ = decoder.raw_decode(rest[end:].lstrip())
    assert token['user_id'] == user.id
    assert token['project_id'] == user.project_id
    assert project == {'id': user.project_id, 'name': user.name}
    assert user.password not in result.stdout + result.stderr
    assert 'Token valid until' in result.stderr


def test_login_json(cloud, tmp_path):
    user = cloud.create_user()

    result = run(user_env(cloud, tmp_path, user, user.password), 'login',
                 '-f', 'json')

    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data['OS_AUTH_TYPE'] == 'v3token'
    assert data['OS_AUTH_URL'] == cloud.url
    assert data['OS_PROJECT_ID'] == user.project_id
    assert data['expires_at']
    token = cloud.api('GET', '/auth/tokens', headers={
        'X-Subject-Token': data['OS_TOKEN']}).json()['token']
    assert token['user']['id'] == user.id


def test_login_with_wrong_code_fails_in_one_line(cloud, tmp_path):
    user = cloud.create_user(devices=1)
    field = user.password + c.wrong_code(*user.secrets)

    result = run(user_env(cloud, tmp_path, user, field), 'login')

    line = assert_one_line_error(result, 3, user.password)
    assert 'Two Factor Authentication is enabled' in line


def test_person_types_password_and_one_code_at_prompts(cloud, tmp_path):
    """v3passwordtotp asks for password and code once for two commands.

    With the v3passwordtotp auth type a person answers the
    password and passcode prompts once; two commands then need neither.
    """
    user = cloud.create_user(devices=1)
    env = user_env(cloud, tmp_path, user, OS_AUTH_TYPE='v3passwordtotp')
    script = ('eval "$(%s login)"; %s token issue -f value -c user_id; '
              '%s project show "$OS_PROJECT_ID" -f value -c name'
              % (KEYSTONE_TOTP, OPENSTACK, OPENSTACK))

    child = pexpect.spawn('bash', ['-c', script], env=env, encoding='utf-8',
                          timeout=60)
    child.expect('Password: ')
    child.sendline(user.password)
    child.expect('TOTP passcode: ')
    child.sendline(user.code())
    child.expect(pexpect.EOF)
    child.close()

    assert child.exitstatus == 0, child.before
    lines = child.before.split()
    assert lines[-2:] == [user.id, user.name]
    assert 'Password: ' not in child.before and 'passcode' not in child.before


def test_login_with_a_recovery_code_says_how_many_are_left(cloud, tmp_path):
    user = cloud.create_user()
    codes = recovery_enable(cloud, user)
    env = user_env(cloud, tmp_path, user, user.password + codes[0])

    result = run(env, 'login')

    assert result.returncode == 0, result.stderr
    assert result.stderr.count(
        'Warning: A recovery code was used to log in; 9 left.') == 1
    assert codes[0] not in result.stderr + result.stdout


def test_a_mistyped_code_is_asked_again(cloud, tmp_path):
    user = cloud.create_user(devices=1)
    env = user_env(cloud, tmp_path, user, OS_AUTH_TYPE='v3passwordtotp')
    child = pexpect.spawn(KEYSTONE_TOTP, ['login', '-f', 'json'], env=env,
                          encoding='utf-8', timeout=60)
    child.expect('Password: ')
    child.sendline(user.password)
    child.expect('TOTP passcode: ')
    child.sendline(c.wrong_code(*user.secrets))
    child.expect('TOTP passcode: ')
    child.sendline(user.code())
    child.expect(pexpect.EOF)
    child.close()

    assert child.exitstatus == 0, child.before
    assert '"OS_TOKEN"' in child.before


def test_a_reused_code_is_told_to_work_once(cloud, tmp_path):
    user = cloud.create_user(devices=1)
    field = user.password + user.code()
    assert cloud.login_as(user, field).status_code == 201

    result = run(user_env(cloud, tmp_path, user, field), 'login')

    line = assert_one_line_error(result, 3, user.password)
    assert 'already used (each code works once' in line
