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


"""The "Two Factor Authentication" panel (Settings), as a person uses it.

Every step is a page load (the panel's forms are plain pages, not AJAX
modals), so each click waits on browser.Dashboard's page-swap marker.
"""

from selenium.common import exceptions as se_exceptions
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support import ui

from tests.e2e import browser

PATH = '/settings/two_factor/'


class Panel:

    def __init__(self, dashboard):
        self.dashboard = dashboard
        self.driver = dashboard.driver

    def find(self, css):
        return self.driver.find_element(By.CSS_SELECTOR, css)

    def find_all(self, css):
        return self.driver.find_elements(By.CSS_SELECTOR, css)

    def exists(self, css):
        return bool(self.find_all(css))

    def click(self, css):
        """Click what ``css`` finds and wait for the next page."""
        self.dashboard._submit(self.find(css))

    def open(self):
        self.driver.get(self.dashboard.url + PATH)

    def path(self):
        return self.dashboard.path()

    # -- status page --

    def enabled(self):
        """True/False from the status box of the status page."""
        return self.find('#ktc-status').get_attribute(
            'data-enabled') == 'true'

    def status_text(self):
        return self.find('#ktc-status').text

    def warning(self):
        return self.find('#ktc-api-warning').text

    def devices(self):
        """{device id: its row's text} of the devices table."""
        return {row.get_attribute('data-object-id'): row.text
                for row in self.find_all('#devices tbody tr[data-object-id]')}

    def recovery_remaining(self):
        found = self.find_all('#ktc-recovery-remaining')
        return int(found[0].get_attribute('data-remaining')) if found else None

    def action(self, name):
        return '#devices__action_%s' % name

    def row_action(self, device_id, name='remove'):
        return '#devices__row_%s__action_%s' % (device_id, name)

    # -- forms --

    def key(self):
        """The secret shown on the QR page, without its spaces."""
        return ''.join(self.find('#ktc-secret').text.split())

    def code_input(self):
        found = self.find_all('input[name="code"]')
        return found[0] if found and found[0].is_displayed() else None

    def fill(self, name, value):
        field = self.find('input[name="%s"]' % name)
        field.clear()
        field.send_keys(value)

    def submit(self, form_id):
        self.click('#%s_submit' % form_id)

    def form_errors(self):
        """Texts of the form's errors (non-field and field errors)."""
        return [e.text for e in self.find_all(
            '.modal-body .alert-danger, .modal-body .help-block.error, '
            '.modal-body .has-error .help-block') if e.text]

    def success(self):
        return self.find('.ktc-success').text

    def recovery_codes(self):
        return [e.text for e in self.find_all('#ktc-recovery-code-list code')]

    # -- Identity -> Users (admin) --

    def open_reset_from_users(self, user_id):
        """Open the row action menu of the user and follow "Reset ..."."""
        self.driver.get(self.dashboard.url + '/identity/users/')
        link_css = '#users__row_%s__action_reset_totp' % user_id
        row = self.find('tr[data-object-id="%s"]' % user_id)
        link = self.find(link_css)
        if not link.is_displayed():
            row.find_element(By.CSS_SELECTOR, '.dropdown-toggle').click()
            ui.WebDriverWait(
                self.driver, browser.PAGE_TIMEOUT,
                ignored_exceptions=(se_exceptions.WebDriverException,),
            ).until(ec.visibility_of_element_located(
                (By.CSS_SELECTOR, link_css)))
        self.click(link_css)
