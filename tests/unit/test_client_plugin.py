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

"""Loader options, option checks and error recognition of v3passwordtotp,
without a server (the functional tests cover real logins)."""

import json
import logging
import threading
from unittest import mock

from keystoneauth1 import exceptions as ksa_exceptions
from keystoneauth1 import loading
import pytest
import requests

from keystone_totp_concat.client import exceptions
from keystone_totp_concat.client import plugin
from keystone_totp_concat.core import totp
from tests.cloud import ADDITIONAL_STEPS_BODY
from tests.cloud import new_secret

LOADER = loading.get_plugin_loader('v3passwordtotp')


def options():
    return {o.dest: o for o in LOADER.get_options()}


def test_options_are_v3password_plus_totp_ones():
    v3password = {o.dest for o in
                  loading.get_plugin_loader('v3password').get_options()}
    assert set(options()) == v3password | {
        'passcode', 'totp_secret', 'token_cache', 'code_length'}


def test_secrets_are_marked_secret():
    opts = options()
    assert opts['password'].secret
    assert opts['passcode'].secret
    assert opts['totp_secret'].secret


def test_passcode_is_asked_by_the_plugin_not_by_the_config_loader():
    # osc-lib and openstacksdk prompt for every absent option that has a
    # prompt, and fail without a terminal; see the loader's docstring.
    assert options()['passcode'].prompt is None
    assert options()['password'].prompt == 'Password: '


def test_username_needs_a_domain():
    with pytest.raises(ksa_exceptions.OptionError):
        LOADER.load_from_options(auth_url='http://ks/v3', username='u',
                                 password='p')


def test_bad_totp_secret_is_an_option_error_without_the_secret():
    with pytest.raises(ksa_exceptions.OptionError) as caught:
        LOADER.load_from_options(auth_url='http://ks/v3', user_id='u',
                                 password='p', totp_secret='s3cr3t!!')
    assert 's3cr3t' not in str(caught.value)


@pytest.mark.parametrize('length', ['5', '9', 'six'])
def test_code_length_outside_6_to_8_is_an_option_error(length):
    with pytest.raises(ksa_exceptions.OptionError):
        LOADER.load_from_options(auth_url='http://ks/v3', user_id='u',
                                 password='p', code_length=length)


def test_loader_enables_the_terminal_prompt():
    auth = LOADER.load_from_options(auth_url='http://ks/v3', user_id='u',
                                    password='p')
    assert isinstance(auth, plugin.PasswordTOTP)
    assert auth._prompt is plugin.terminal_prompt


def test_terminal_prompt_needs_a_tty():
    with mock.patch('sys.stdin') as stdin, \
            mock.patch('getpass.getpass') as getpass:
        stdin.isatty.return_value = False
        assert plugin.terminal_prompt() is None
        getpass.assert_not_called()
        stdin.isatty.return_value = True
        getpass.return_value = ' 123456 '
        assert plugin.terminal_prompt() == '123456'
        getpass.assert_called_once_with('TOTP passcode: ')


def test_secret_codes_use_the_current_then_the_next_step():
    secret = new_secret()
    auth = plugin.PasswordTOTP('http://ks/v3', 'p', user_id='u',
                               totp_secret=secret)
    with mock.patch('time.time', return_value=3000.0):
        now, later = (totp.code_at_step(secret, s) for s in (100, 101))
        assert auth._secret_code(set()) == now
        assert auth._secret_code({now}) == later
        assert auth._secret_code({now, later}) is None


def test_secret_codes_have_the_configured_length():
    secret = new_secret()
    auth = LOADER.load_from_options(auth_url='http://ks/v3', user_id='u',
                                    password='p', totp_secret=secret,
                                    code_length=8)
    with mock.patch('time.time', return_value=3000.0):
        assert auth._secret_code(set()) == totp.code_at_step(secret, 100, 8)


def test_password_method_is_never_changed_by_a_login():
    """The code reaches the request body only (PasswordTOTPMethod)."""
    auth = plugin.PasswordTOTP('http://ks/v3', 'p', user_id='u',
                               passcode='123456', prompt=None)
    method = auth.auth_methods[0]
    assert isinstance(method, plugin.PasswordTOTPMethod)
    sent = []

    def post(url, json, **kwargs):
        sent.append(json['auth']['identity']['password']['user']['password'])
        # What another thread sees while this request is in flight.
        other = threading.Thread(target=lambda: sent.extend([
            method.password,
            method.get_auth_data(None, auth, {}, {})[1]['user']['password'],
        ]))
        other.start()
        other.join()
        raise ksa_exceptions.Unauthorized('no')

    session = mock.Mock(post=post)
    with pytest.raises(ksa_exceptions.Unauthorized):
        auth.get_auth_ref(session)
    assert sent == ['p123456', 'p', 'p']
    assert method.password == 'p'
    assert method.get_auth_data(None, auth, {}, {})[1]['user'][
        'password'] == 'p'


def response(status, body):
    resp = requests.Response()
    resp.status_code = status
    resp._content = json.dumps(body).encode()
    resp.headers['Content-Type'] = 'application/json'
    return resp


def test_totp_required_is_unauthorized_and_keeps_the_request_id():
    cause = ksa_exceptions.from_response(
        response(401, ADDITIONAL_STEPS_BODY), 'POST', 'http://ks/v3')
    cause.request_id = 'req-1'
    error = exceptions.TOTPRequired(cause)
    assert isinstance(error, ksa_exceptions.Unauthorized)
    assert error.http_status == 401
    assert 'Two Factor Authentication is enabled' in str(error)
    assert 'the current 6-digit code' in str(error)
    assert 'req-1' in str(error)
    assert 'the current 8-digit code' in str(
        exceptions.TOTPRequired(cause, code_length=8))


def test_login_warnings_are_logged_once_per_answer(monkeypatch):
    logged = []
    handler = logging.Handler()
    handler.emit = lambda record: logged.append(record.getMessage())
    monkeypatch.setattr(plugin.LOG, 'handlers', [handler])
    monkeypatch.setattr(plugin.LOG, 'level', logging.WARNING)
    answer = requests.Response()
    answer.status_code = 201
    answer.headers['Openstack-Totp-Recovery-Codes-Left'] = '2'
    # Two Warning headers, as requests joins them.
    answer.headers['Warning'] = (
        '299 keystone "A recovery code was used to log in; 2 left.", '
        '299 keystone "Say \\"hi\\"."')
    plugin.warn_after_login(answer)
    plugin.warn_after_login(answer)
    assert logged == ['A recovery code was used to log in; 2 left.',
                      'Say "hi".']

    plain = requests.Response()
    plain.headers['Warning'] = '299 keystone "not ours"'
    assert plugin.protocol.login_warnings(plain) == []
