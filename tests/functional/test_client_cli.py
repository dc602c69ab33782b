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

"""The real ``openstack`` CLI with ``--os-auth-type v3passwordtotp`` against
the suite's Keystone: codes on the command line, in the environment, typed at
the prompt, computed from a secret, and shared through the token cache."""

import json
import os
import pathlib
import stat
import subprocess
import sys

import pexpect
import pytest

from tests.cloud import code_for
from tests.cloud import wrong_code
from tests.functional.test_recovery_codes import enable as recovery_enable

OPENSTACK = str(pathlib.Path(sys.executable).parent / 'openstack')
TWO_FACTOR = 'Two Factor Authentication is enabled for this account'
USED_UP = 'was already used for a token'


@pytest.fixture
def osc(cloud, tmp_path):
    """Run ``openstack`` with only the OS_* variables a test gives it."""
    (tmp_path / 'clouds.yaml').write_text('clouds: {}\n')

    def env_for(user, **extra):
        env = {k: v for k, v in os.environ.items() if not k.startswith('OS_')}
        env.update(
            HOME=str(tmp_path),
            OS_CLIENT_CONFIG_FILE=str(tmp_path / 'clouds.yaml'),
            OS_IDENTITY_API_VERSION='3',
        )
        if user is not None:
            env.update(
                OS_AUTH_URL=cloud.url, OS_AUTH_TYPE='v3passwordtotp',
                OS_USERNAME=user.name, OS_PASSWORD=user.password,
                OS_USER_DOMAIN_ID=user.domain_id, OS_PROJECT_NAME=user.name,
                OS_PROJECT_DOMAIN_ID=user.domain_id,
            )
        env.update(extra)
        return env

    def run(user, *args, **extra):
        return subprocess.run(
            [OPENSTACK, *args], env=env_for(user, **extra), cwd=tmp_path,
            stdin=subprocess.DEVNULL, capture_output=True, text=True,
            timeout=120)

    run.env_for = env_for
    run.dir = tmp_path
    return run


def issued(result):
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def assert_two_factor_error(result, user):
    assert result.returncode == 1, result.stderr
    assert TWO_FACTOR in result.stderr
    assert 'Traceback' not in result.stderr
    assert user.password not in result.stderr + result.stdout


def test_passcode_option_gets_a_token(cloud, osc):
    user = cloud.create_user(devices=1)
    token = issued(osc(user, '--os-auth-type', 'v3passwordtotp',
                       '--os-passcode', user.code(), 'token', 'issue',
                       '-f', 'json'))
    assert token['user_id'] == user.id
    assert token['project_id'] == user.project_id


def test_missing_code_prints_the_two_factor_message(cloud, osc):
    user = cloud.create_user(devices=1)
    assert_two_factor_error(osc(user, 'token', 'issue'), user)


def test_wrong_code_prints_the_two_factor_message(cloud, osc):
    user = cloud.create_user(devices=1)
    code = wrong_code(*user.secrets)
    result = osc(user, 'token', 'issue', OS_PASSCODE=code)
    assert_two_factor_error(result, user)
    assert code not in result.stderr


def test_wrong_password_is_not_reported_as_two_factor(cloud, osc):
    user = cloud.create_user(devices=1)
    result = osc(user, 'token', 'issue', OS_PASSCODE=user.code(),
                 OS_PASSWORD='not-' + user.password)
    assert result.returncode == 1, result.stderr
    assert 'The request you have made requires authentication' in result.stderr
    assert TWO_FACTOR not in result.stderr


def test_clouds_yaml_auth_type(cloud, osc):
    user = cloud.create_user(devices=1)
    (osc.dir / 'clouds.yaml').write_text(json.dumps({'clouds': {'mfa': {
        'auth_type': 'v3passwordtotp',
        'identity_api_version': 3,
        'auth': {
            'auth_url': cloud.url, 'username': user.name,
            'password': user.password, 'user_domain_id': user.domain_id,
            'project_name': user.name, 'project_domain_id': user.domain_id,
        },
    }}}))
    token = issued(osc(None, '--os-cloud', 'mfa', '--os-passcode',
                       user.code(), 'token', 'issue', '-f', 'json'))
    assert token['user_id'] == user.id
    assert_two_factor_error(
        osc(None, '--os-cloud', 'mfa', 'token', 'issue'), user)


def token_issue_answering_the_prompt(osc, user, env):
    """Run ``openstack token issue`` on a pseudo-terminal.

    The user's current code is typed at the plugin's prompt.
    """
    child = pexpect.spawn(OPENSTACK, ['token', 'issue', '-f', 'value', '-c',
                                      'user_id'],
                          env=env, cwd=str(osc.dir), encoding='utf-8',
                          timeout=60)
    child.expect_exact('TOTP passcode: ')
    child.sendline(user.code())
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before
    assert user.id in child.before


def test_prompts_for_the_code_on_a_terminal(cloud, osc):
    user = cloud.create_user(devices=1)
    token_issue_answering_the_prompt(osc, user, osc.env_for(user))


def test_terminal_without_2fa_gets_no_prompt(cloud, osc):
    user = cloud.create_user()
    child = pexpect.spawn(OPENSTACK, ['token', 'issue', '-f', 'value', '-c',
                                      'user_id'],
                          env=osc.env_for(user), cwd=str(osc.dir),
                          encoding='utf-8', timeout=60)
    child.expect(pexpect.EOF)
    child.close()
    assert 'TOTP passcode' not in child.before
    assert child.exitstatus == 0, child.before
    assert user.id in child.before


def test_totp_secret_computes_the_code(cloud, osc):
    user = cloud.create_user(devices=1)
    result = osc(user, 'token', 'issue', '-f', 'json',
                 OS_TOTP_SECRET=user.secrets[0])
    assert issued(result)['user_id'] == user.id
    assert user.secrets[0] not in result.stdout + result.stderr


def test_invalid_totp_secret_is_a_one_line_error(cloud, osc):
    user = cloud.create_user(devices=1)
    result = osc(user, 'token', 'issue', OS_TOTP_SECRET='not base32!')
    assert result.returncode == 1, result.stderr
    assert 'Invalid totp-secret' in result.stderr
    assert 'not base32!' not in result.stderr
    assert 'Traceback' not in result.stderr


def test_user_without_2fa_needs_no_code(cloud, osc):
    user = cloud.create_user()
    assert issued(osc(user, 'token', 'issue', '-f', 'json'))['user_id'] == (
        user.id)


def test_two_commands_with_one_code_through_the_token_cache(cloud, osc):
    user = cloud.create_user(devices=1)
    cache = osc.dir / 'tokens.json'
    code = user.code()
    # What a person does: export the code once, then run several commands.
    first = issued(osc(user, 'token', 'issue', '-f', 'json',
                       OS_PASSCODE=code, OS_TOKEN_CACHE=str(cache)))
    assert stat.S_IMODE(cache.stat().st_mode) == 0o600
    stored = cache.read_text()
    for secret in (user.password, code, user.secrets[0]):
        assert secret not in stored

    second = issued(osc(user, 'token', 'issue', '-f', 'json',
                        OS_PASSCODE=code, OS_TOKEN_CACHE=str(cache)))
    assert second['id'] == first['id']
    # The cached token serves other commands too, with no code at all.
    project = osc(user, 'project', 'show', user.project_id, '-f', 'json',
                  OS_TOKEN_CACHE=str(cache))
    assert project.returncode == 0, project.stderr
    assert json.loads(project.stdout)['id'] == user.project_id


def test_revoked_cached_token_is_not_reused(cloud, osc):
    user = cloud.create_user(devices=1)
    cache = str(osc.dir / 'tokens.json')
    first = issued(osc(user, 'token', 'issue', '-f', 'json',
                       OS_PASSCODE=code_for(user.secrets[0], 0),
                       OS_TOKEN_CACHE=cache))
    cloud.api('DELETE', '/auth/tokens',
              headers={'X-Subject-Token': first['id']})
    # Without a code the revoked token is dropped and Keystone asks for one.
    assert_two_factor_error(
        osc(user, 'token', 'issue', OS_TOKEN_CACHE=cache), user)
    second = issued(osc(user, 'token', 'issue', '-f', 'json',
                        OS_PASSCODE=code_for(user.secrets[0], 1),
                        OS_TOKEN_CACHE=cache))
    assert second['id'] != first['id']


def test_terminal_asks_again_after_a_wrong_code(cloud, osc):
    user = cloud.create_user(devices=1)
    env = osc.env_for(user, OS_PASSCODE=wrong_code(*user.secrets))
    token_issue_answering_the_prompt(osc, user, env)


def test_recovery_code_login_shows_how_many_are_left(cloud, osc):
    user = cloud.create_user()
    codes = recovery_enable(cloud, user)
    result = osc(user, 'token', 'issue', '-f', 'json', OS_PASSCODE=codes[0])
    assert issued(result)['user_id'] == user.id
    assert result.stderr.count(
        'A recovery code was used to log in; 9 left.') == 1
    assert codes[0] not in result.stderr


def test_grace_login_shows_when_2fa_becomes_required(cloud, osc):
    user = cloud.create_user()
    rule = '/OS-TOTP/requirements/users/%s' % user.id
    cloud.api('PUT', rule)
    try:
        result = osc(user, 'token', 'issue', '-f', 'json')
    finally:
        cloud.api('DELETE', rule)
    assert issued(result)['user_id'] == user.id
    assert ('Two Factor Authentication is required for this account from '
            in result.stderr)
    assert 'set it up before then.' in result.stderr
