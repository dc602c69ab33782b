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


"""The "Two Factor Authentication" panel in a real browser, on the suite's
Keystone: the user guide's web flow, another device, removing, turning off,
recovery codes and the admin's reset.

A code that was used (confirm, proof, login) is refused afterwards, and so
is any older code of the same device: :class:`Codes` hands out codes of
later and later time steps per device.
"""

import re
import time

from keystone_totp_concat.core import totp
from tests import cloud as cloud_mod
from tests.e2e import panel as panel_mod
from tests import totp_api

import local_keystone  # tools/, put on sys.path by tests/conftest.py

RECOVERY_CODE = re.compile(r'^[0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{4}$')
REMINDER = ('Two Factor Authentication is enabled for this account: type '
            'your password again and the 6-digit code of your authenticator '
            'app.')
REFUSED = 'The code was not accepted'
STEP_WAIT = 2 * totp.STEP_SECONDS + 5


class Codes:
    """Codes that Keystone accepts.

    Each of a step later than the last one used with the same secret,
    within the window (+1 step).
    """

    def __init__(self):
        self.used = {}

    def __call__(self, secret):
        deadline = time.monotonic() + STEP_WAIT
        while True:
            now = totp.time_step(time.time())
            step = max(now, self.used.get(secret, now - 1) + 1)
            if step <= now + 1:
                break
            # Every step up to now+1 was used: wait for the next step.
            assert time.monotonic() < deadline
            time.sleep(0.5)
        self.used[secret] = step
        return totp.code_at_step(secret, step)


def api_status(cloud, user):
    return cloud.api('GET', '/users/%s/OS-TOTP' % user.id).json()['totp']


def enable_in_panel(panel, codes, label=None, screenshots=None):
    """Status page -> "Enable Two Factor Authentication" -> a valid code.

    Returns the secret read from the page; leaves the browser on the
    success page.
    """
    panel.click(panel.action('enable'))
    assert panel.path() == panel_mod.PATH + 'enable/'
    secret = panel.key()
    if screenshots:
        panel.driver.save_screenshot(str(screenshots))
    panel.fill('code', codes(secret))
    if label:
        panel.fill('label', label)
    panel.submit('ktc_enable_form')
    return secret


def test_enable_add_remove_and_turn_off(cloud, dashboard, output_dir):
    user = cloud.create_user()
    codes = Codes()
    panel = panel_mod.Panel(dashboard)
    dashboard.login(user.name, user.password)
    assert dashboard.path() == '/identity/'

    # Status page of a user without 2FA: off, the guide's warning.
    panel.open()
    assert panel.path() == panel_mod.PATH
    assert panel.enabled() is False
    assert 'is off' in panel.status_text()
    assert 'also activates it for the API' in panel.warning()
    assert 'automated processes' in panel.warning()
    assert panel.devices() == {}
    assert not panel.exists(panel.action('disable'))

    # "Enable Two Factor Authentication": QR code (inline SVG), key, code.
    panel.click(panel.action('enable'))
    assert panel.path() == panel_mod.PATH + 'enable/'
    assert panel.exists('#ktc-qr-code svg')
    secret = panel.key()
    assert re.fullmatch('[A-Z2-7]{32}', secret)
    code_input = panel.code_input()
    assert code_input.get_attribute('autocomplete') == 'one-time-code'
    assert code_input.get_attribute('inputmode') == 'numeric'
    submit = panel.find('#ktc_enable_form_submit')
    assert submit.get_attribute('value') == 'Validate and set the OTP secret'
    dashboard.driver.save_screenshot(
        str(output_dir / 'horizon-2fa-enable-qr.png'))

    # A wrong code: refused, nothing stored, the same secret again.
    panel.fill('code', cloud_mod.wrong_code(secret))
    panel.submit('ktc_enable_form')
    errors = ' '.join(panel.form_errors())
    assert 'The code was not accepted, so nothing was stored' in errors
    assert 'the secret is still the same' in errors
    assert panel.key() == secret
    status = api_status(cloud, user)
    assert status['enabled'] is False and status['devices'] == []
    assert status['pending_enrolment'] is not None

    # The right code: 2FA on, the code goes after the password from now on.
    panel.fill('code', codes(secret))
    panel.fill('label', 'phone')
    panel.submit('ktc_enable_form')
    success = panel.success()
    assert 'Two Factor Authentication is enabled.' in success
    assert 'directly after your password' in success
    dashboard.driver.save_screenshot(
        str(output_dir / 'horizon-2fa-enabled.png'))
    status = api_status(cloud, user)
    assert status['enabled'] is True
    assert [d['label'] for d in status['devices']] == ['phone']
    first_device = status['devices'][0]['id']

    panel.click('#ktc-done')
    assert panel.path() == panel_mod.PATH
    assert panel.enabled() is True
    devices = panel.devices()
    assert list(devices) == [first_device]
    assert 'phone' in devices[first_device]
    dashboard.driver.save_screenshot(
        str(output_dir / 'horizon-2fa-status.png'))

    # Another device: this session's token came from the password alone,
    # so Keystone asks for a current code first.
    panel.click(panel.action('add_device'))
    assert panel.code_input() is not None
    assert not panel.exists('#ktc-secret')
    panel.fill('code', codes(secret))
    panel.submit('ktc_proof_form')
    second_secret = panel.key()
    assert second_secret != secret
    panel.fill('code', codes(second_secret))
    panel.fill('label', 'tablet')
    panel.submit('ktc_enable_form')
    assert 'The device was added.' in panel.success()
    assert sorted(d['label'] for d in api_status(cloud, user)['devices']) == [
        'phone', 'tablet']

    # Sign out; password+code in the password field reaches the dashboard.
    dashboard.sign_out()
    dashboard.login(user.name, user.password + codes(second_secret))
    assert dashboard.path() == '/identity/'
    assert dashboard.user_menu() == user.name

    # A fresh password+code login proves the second factor: removing a
    # device and turning 2FA off need no code for a few minutes.
    panel.open()
    assert len(panel.devices()) == 2
    panel.click(panel.row_action(first_device))
    assert panel.code_input() is None
    panel.submit('ktc_remove_device_form')
    assert panel.path() == panel_mod.PATH
    assert list(panel.devices()) != [first_device]
    assert len(panel.devices()) == 1
    assert [d['label'] for d in api_status(cloud, user)['devices']] == [
        'tablet']

    panel.click(panel.action('disable'))
    panel.submit('ktc_disable_form')
    assert panel.path() == panel_mod.PATH
    assert panel.enabled() is False
    assert api_status(cloud, user)['enabled'] is False
    assert cloud.login_as(user, user.password).status_code == 201


def test_remove_device_asks_for_a_current_code(cloud, dashboard):
    """A session that did not begin with password+code needs a code.

    A wrong one is refused and changes nothing.
    """
    user = cloud.create_user()
    codes = Codes()
    panel = panel_mod.Panel(dashboard)
    dashboard.login(user.name, user.password)
    device = cloud.enrol(user, cloud_mod.new_secret())  # by the admin
    secret = user.secrets[0]

    panel.open()
    assert panel.enabled() is True
    assert list(panel.devices()) == [device]
    panel.click(panel.row_action(device))
    assert panel.code_input() is None
    panel.submit('ktc_remove_device_form')

    assert panel.path().endswith('/remove/')
    assert any('Type a current code' in e for e in panel.form_errors())
    assert panel.code_input() is not None
    panel.fill('code', cloud_mod.wrong_code(secret))
    panel.submit('ktc_remove_device_form')
    assert any('The code was not accepted' in e for e in panel.form_errors())
    assert api_status(cloud, user)['enabled'] is True

    panel.fill('code', codes(secret))
    panel.submit('ktc_remove_device_form')
    assert panel.path() == panel_mod.PATH
    assert panel.enabled() is False
    assert api_status(cloud, user)['enabled'] is False


def test_admin_resets_another_users_2fa(cloud, dashboard):
    user = cloud.create_user()
    totp_api.enable(cloud, user)  # one device and ten recovery codes
    cloud.enrol(user, cloud_mod.new_secret())
    panel = panel_mod.Panel(dashboard)
    dashboard.login('admin', local_keystone.ADMIN_PASSWORD)
    assert dashboard.path() == '/identity/'

    # The recovery codes alone (a set that may have been seen).
    panel.open_reset_from_users(user.id)
    assert panel.path() == '/identity/users/%s/reset_two_factor/' % user.id
    text = panel.find('#ktc-reset-status').text
    assert 'on for user %s, with 2 devices' % user.name in text
    assert 'Recovery codes left: 10.' in text
    panel.click('#ktc_reset_form_revoke_recovery_codes')
    assert dashboard.path() == '/identity/users/'
    status = api_status(cloud, user)
    assert status['enabled'] is True
    assert status['recovery_codes']['remaining'] == 0

    # The lost phone: everything.
    panel.open_reset_from_users(user.id)
    assert not panel.exists('#ktc_reset_form_revoke_recovery_codes')
    panel.submit('ktc_reset_form')

    assert dashboard.path() == '/identity/users/'
    assert api_status(cloud, user)['enabled'] is False
    assert cloud.login_as(user, user.password).status_code == 201

    # Nothing is left to reset: the user's row no longer offers it.
    dashboard.driver.get(dashboard.url + '/identity/users/')
    panel.find('tr[data-object-id="%s"]' % user.id)
    assert not panel.exists('#users__row_%s__action_reset_totp' % user.id)


def test_recovery_codes_shown_once_and_each_logs_in_once(cloud, dashboard,
                                                         output_dir):
    """The lost phone: a recovery code after the password logs in once."""
    user = cloud.create_user()
    codes = Codes()
    panel = panel_mod.Panel(dashboard)
    dashboard.login(user.name, user.password)
    panel.open()
    secret = enable_in_panel(panel, codes)

    first_set = panel.recovery_codes()
    assert len(first_set) == 10 and len(set(first_set)) == 10
    assert all(RECOVERY_CODE.match(c) for c in first_set), first_set
    assert 'not shown again' in panel.find('.ktc-recovery-codes').text
    panel.click('#ktc-done')
    assert panel.recovery_remaining() == 10
    assert not any(c in dashboard.driver.page_source for c in first_set)

    # A new set (Keystone wants a current code: this session's token came
    # from the password alone); the old set stops working.
    panel.click(panel.action('recovery_codes'))
    panel.submit('ktc_recovery_codes_form')
    assert any('Type a current code' in e for e in panel.form_errors())
    panel.fill('code', codes(secret))
    panel.submit('ktc_recovery_codes_form')
    new_set = panel.recovery_codes()
    assert len(new_set) == 10 and not set(new_set) & set(first_set)
    dashboard.driver.save_screenshot(
        str(output_dir / 'horizon-2fa-recovery-codes.png'))
    panel.click('#ktc-done')
    assert panel.recovery_remaining() == 10
    dashboard.sign_out()

    # An old code is refused: the login page asks for the code.
    dashboard.login(user.name, user.password + first_set[0])
    assert dashboard.path() == '/auth/login/'
    errors = dashboard.errors()
    assert len(errors) == 1 and errors[0].startswith(REFUSED), errors

    # A new one, typed directly after the password, logs in once, and the
    # page says how many are left.
    dashboard.login(user.name, user.password + new_set[0])
    assert dashboard.path() == '/identity/'
    assert dashboard.user_menu() == user.name
    text, href = dashboard.banner('ktc-recovery-link')
    assert 'You logged in with a recovery code; 9 left' in text
    assert href.endswith(panel_mod.PATH)
    dashboard.driver.save_screenshot(
        str(output_dir / 'horizon-2fa-recovery-code-used.png'))
    panel.open()
    assert panel.recovery_remaining() == 9

    # That login counts as a fresh password+code login: a new device is
    # set up without a code of the lost one.
    panel.click(panel.action('add_device'))
    new_secret = panel.key()
    panel.fill('code', codes(new_secret))
    panel.submit('ktc_enable_form')
    assert 'The device was added.' in panel.success()
    dashboard.sign_out()

    dashboard.login(user.name, user.password + new_set[0])
    assert dashboard.path() == '/auth/login/'
    errors = dashboard.errors()
    assert len(errors) == 1 and errors[0].startswith(REFUSED), errors
    assert dashboard.logged_in_as() is None

    # The login page's code field takes a recovery code too, once.
    dashboard.login(user.name, user.password)
    assert dashboard.warnings() == [REMINDER]
    dashboard.sign_in(user.password, code=new_set[1].upper())
    assert dashboard.path() == '/identity/'
    assert dashboard.user_menu() == user.name
    assert '8 left' in dashboard.banner('ktc-recovery-link')[0]
    dashboard.sign_out()
    dashboard.login(user.name, user.password)
    dashboard.sign_in(user.password, code=new_set[1])
    errors = dashboard.errors()
    assert len(errors) == 1 and errors[0].startswith(REFUSED), errors
    assert dashboard.logged_in_as() is None
    assert api_status(cloud, user)['recovery_codes']['remaining'] == 8
