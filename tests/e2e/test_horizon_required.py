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

"""2FA required by the operator, in a real browser: the grace period's
banner after a password-only login, and the set-up at login on a Keystone
node whose grace periods are over (a second node of the suite's cloud, and
a second Horizon on it).
"""

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support import ui

from tests import cloud as cloud_mod
from tests.conftest import another_node
from tests.e2e import browser as browser_mod
from tests.e2e import conftest as e2e

import local_keystone  # tools/, put on sys.path by tests/conftest.py


PANEL_PATH = '/settings/two_factor/'
WAIT = 30


@pytest.fixture(scope='module')
def expired_horizon(keystone, horizon, tmp_path_factory):
    """Horizon on a node where every grace period is over.

    After ``horizon``: both share one local_settings.d/.
    """
    with another_node(keystone, tmp_path_factory, 'no-grace-e2e', overrides={
            'totp_concat': {'required_grace_days': 0}}) as node:
        server = e2e._horizon(node, tmp_path_factory, extension=True)
        yield server
        server.stop()


@pytest.fixture
def required_user(cloud):
    user = cloud.create_user()
    cloud.api('PUT', '/OS-TOTP/requirements/users/%s' % user.id)
    yield user
    cloud.api('DELETE', '/OS-TOTP/requirements/users/%s' % user.id,
              raise_exc=False)


def visible(driver, css):
    return ui.WebDriverWait(driver, WAIT).until(
        ec.visibility_of_element_located((By.CSS_SELECTOR, css)))


def test_a_login_in_the_grace_period_shows_the_banner(
        required_user, dashboard, output_dir):
    dashboard.login(required_user.name, required_user.password)

    assert dashboard.user_menu() == required_user.name
    text, href = dashboard.banner('ktc-grace-link')
    assert 'Two Factor Authentication is required for your account' in text
    assert href.endswith(PANEL_PATH)
    dashboard.driver.save_screenshot(
        str(output_dir / 'horizon-2fa-grace-banner.png'))


def test_set_up_at_login_then_password_and_code_log_in(
        required_user, expired_horizon, chromium, output_dir):
    user = required_user
    dashboard = browser_mod.Dashboard(chromium, expired_horizon.url)
    find = chromium.find_element

    dashboard.login(user.name, user.password)

    visible(chromium, '#ktc-qr-code svg')
    assert find(By.ID, 'ktc-set-up-required').is_displayed()
    assert user.password not in chromium.page_source
    secret = ''.join(find(By.ID, 'ktc-secret').text.split())
    chromium.save_screenshot(
        str(output_dir / 'horizon-2fa-setup-at-login.png'))

    find(By.NAME, 'password').send_keys(user.password)
    find(By.NAME, 'totp').send_keys(cloud_mod.code_for(secret))
    dashboard._submit(find(By.ID, 'ktc-set-up-submit'))

    visible(chromium, '#ktc-set-up-done')
    codes = [e.text for e in chromium.find_elements(
        By.CSS_SELECTOR, '#ktc-recovery-code-list code')]
    assert len(codes) == 10
    chromium.save_screenshot(
        str(output_dir / 'horizon-2fa-setup-at-login-done.png'))

    dashboard._submit(find(By.ID, 'ktc-back-to-login'))
    assert dashboard.path() == '/auth/login/'
    dashboard.sign_in(user.password + cloud_mod.code_for(secret, 1),
                      username=user.name)
    assert dashboard.user_menu() == user.name
    log = expired_horizon.log_file.read_text()
    assert user.password not in log and secret not in log


def test_the_users_table_shows_each_users_state(cloud, required_user,
                                                dashboard, output_dir):
    plain = cloud.create_user()
    assert cloud.login_as(required_user, required_user.password).headers[
        'Openstack-Totp-Required-By']
    dashboard.login('admin', local_keystone.ADMIN_PASSWORD)

    dashboard.driver.get(dashboard.url + '/identity/users/')
    row = visible(dashboard.driver,
                  'tr[data-object-id="%s"]' % required_user.id)
    assert 'Required, in grace period (until ' in row.text
    other = dashboard.driver.find_element(
        By.CSS_SELECTOR, 'tr[data-object-id="%s"]' % plain.id)
    assert 'Not required' in other.text
    dashboard.driver.save_screenshot(
        str(output_dir / 'horizon-2fa-users-compliance.png'))
