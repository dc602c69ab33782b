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

"""Horizon login with 2FA, in a real browser, against the suite's Keystone.

Every case uses a fresh user, distinct codes for distinct logins (a code that
gave a token is refused afterwards) and few wrong codes per user.
"""

from tests import cloud as cloud_mod

REMINDER = ('Two Factor Authentication is enabled for this account: type '
            'your password again and the 6-digit code of your authenticator '
            'app.')
REFUSED = 'The code was not accepted'
INVALID = 'Invalid credentials.'


def test_code_after_password_logs_in(cloud, dashboard):
    user = cloud.create_user(devices=1)

    dashboard.login(user.name, user.password + user.code())

    assert dashboard.path() == '/identity/'
    assert dashboard.user_menu() == user.name


def test_password_alone_shows_code_field_then_code_logs_in(
        cloud, horizon, dashboard, output_dir):
    user = cloud.create_user(devices=1)
    code = user.code()

    dashboard.login(user.name, user.password)

    assert dashboard.path() == '/auth/login/'
    # A reminder, not an error: the password was not said to be wrong.
    assert dashboard.warnings() == [REMINDER]
    assert dashboard.errors() == []
    assert dashboard.code_field() is not None
    assert dashboard.username_value() == user.name
    dashboard.driver.save_screenshot(
        str(output_dir / 'horizon-code-field.png'))

    dashboard.sign_in(user.password, code=code)

    assert dashboard.path() == '/identity/'
    assert dashboard.user_menu() == user.name
    log = horizon.log_file.read_text()
    assert user.name in log
    assert user.password not in log


def test_code_field_accepts_a_code_typed_with_spaces(cloud, dashboard):
    user = cloud.create_user(devices=1)
    dashboard.login(user.name, user.password)
    code = user.code()

    dashboard.sign_in(user.password, code=code[:3] + ' ' + code[3:])

    assert dashboard.path() == '/identity/'
    assert dashboard.user_menu() == user.name


def test_wrong_code_is_refused_without_session(cloud, dashboard):
    user = cloud.create_user(devices=1)
    wrong = cloud_mod.wrong_code(*user.secrets)

    dashboard.login(user.name, user.password + wrong)
    errors = dashboard.errors()
    assert len(errors) == 1 and errors[0].startswith(REFUSED)
    assert dashboard.code_field() is not None

    dashboard.sign_in(user.password, code=wrong)
    errors = dashboard.errors()
    assert len(errors) == 1 and errors[0].startswith(REFUSED)
    assert dashboard.code_field() is not None
    assert dashboard.code_field().get_attribute('value') == ''

    assert dashboard.logged_in_as() is None


def test_letters_in_code_field_are_refused_before_keystone(cloud, dashboard):
    user = cloud.create_user(devices=1)
    dashboard.login(user.name, user.password)

    dashboard.sign_in(user.password, code='12ab56')

    assert 'Enter the digits of the code only.' in dashboard.driver.page_source
    assert dashboard.logged_in_as() is None


def test_reused_code_is_refused_without_session(cloud, dashboard):
    user = cloud.create_user(devices=1)
    code = user.code()
    dashboard.login(user.name, user.password + code)
    assert dashboard.path() == '/identity/'
    assert dashboard.user_menu() == user.name
    dashboard.sign_out()

    # Reused after the password, as the guide says to type it, and in the
    # code field: "not accepted" both times, and why.
    dashboard.login(user.name, user.password + code)
    errors = dashboard.errors()
    assert len(errors) == 1 and errors[0].startswith(REFUSED)
    assert 'each code works once' in errors[0]
    assert dashboard.warnings() == []
    dashboard.sign_in(user.password, code=code)

    errors = dashboard.errors()
    assert len(errors) == 1 and errors[0].startswith(REFUSED)
    assert dashboard.logged_in_as() is None


def test_throttled_user_is_refused_without_session(cloud, keystone, dashboard):
    user = cloud.create_user(devices=1)
    wrong = cloud_mod.wrong_code(*user.secrets)
    limit = int(keystone.overrides.get('totp_concat', {}).get(
        'max_failures', 10))
    for _ in range(limit):
        assert cloud.login_as(user, user.password + wrong).status_code == 401

    dashboard.login(user.name, user.password + user.code())

    errors = dashboard.errors()
    assert len(errors) == 1 and errors[0].startswith(REFUSED)
    dashboard.sign_in(user.password, code=user.code(offset_steps=1))
    errors = dashboard.errors()
    assert len(errors) == 1 and errors[0].startswith(REFUSED)
    assert dashboard.logged_in_as() is None


def test_user_without_2fa_never_sees_code_field(cloud, dashboard):
    user = cloud.create_user()

    dashboard.login(user.name, 'not-' + user.password)
    assert dashboard.errors() == [INVALID]
    assert dashboard.code_field() is None

    dashboard.login(user.name, user.password)
    assert dashboard.code_field() is None
    assert dashboard.path() == '/identity/'
    assert dashboard.user_menu() == user.name


def test_stock_horizon_accepts_code_after_password(cloud, stock_dashboard):
    """Horizon as released: password+code in the password field works.

    Without the extension a missing code is just "Invalid credentials.".
    """
    user = cloud.create_user(devices=1)
    plain = cloud.create_user()

    stock_dashboard.login(user.name, user.password)
    assert stock_dashboard.errors() == [INVALID]
    assert stock_dashboard.code_field() is None

    stock_dashboard.login(user.name, user.password + user.code())
    assert stock_dashboard.path() == '/identity/'
    assert stock_dashboard.user_menu() == user.name

    stock_dashboard.sign_out()
    stock_dashboard.login(plain.name, plain.password)
    assert stock_dashboard.path() == '/identity/'
    assert stock_dashboard.user_menu() == plain.name
