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

"""Headless Chromium driving Horizon's login page, through Selenium.

Debian's ``chromium`` and ``chromedriver`` only: both paths are given, so
Selenium never looks for (or downloads) a browser or a driver of its own.
"""

import urllib.parse

from selenium.common import exceptions as se_exceptions
from selenium import webdriver
from selenium.webdriver.chrome import service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support import ui

CHROMIUM = '/usr/bin/chromium'
CHROMEDRIVER = '/usr/bin/chromedriver'
FLAGS = (
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic',
    '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync',
    '--disable-dev-shm-usage', '--window-size=1280,1000',
)
PAGE_TIMEOUT = 60
CODE_FIELD = 'totp'


def start_chromium(profile_dir):
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS + ('--user-data-dir=%s' % profile_dir,):
        options.add_argument(flag)
    driver = webdriver.Chrome(
        service=service.Service(executable_path=CHROMEDRIVER),
        options=options)
    driver.set_page_load_timeout(PAGE_TIMEOUT)
    return driver


class Dashboard:
    """What a person does and sees on one Horizon, in one browser."""

    def __init__(self, driver, url):
        self.driver = driver
        self.url = url

    def path(self):
        return urllib.parse.urlsplit(self.driver.current_url).path

    def open_login(self):
        self.driver.get(self.url + '/auth/login/')

    def sign_in(self, password, username=None, code=None):
        """Fill the login form as it is shown now and submit it."""
        find = self.driver.find_element
        if username is not None:
            field = find(By.NAME, 'username')
            field.clear()
            field.send_keys(username)
        find(By.NAME, 'password').send_keys(password)
        if code is not None:
            find(By.NAME, CODE_FIELD).send_keys(code)
        self._submit(find(By.ID, 'loginBtn'))

    def login(self, username, password, code=None):
        self.open_login()
        self.sign_in(password, username=username, code=code)

    def _submit(self, button):
        """Click ``button`` and wait for the next page to be loaded.

        The old page is marked with a window property, which a new page
        does not have; watching an element of the old page for staleness
        instead races with Chromium replacing the document ("Node with
        given id does not belong to the document").
        """
        self.driver.execute_script('window.ktcOldPage = true;')
        button.click()
        wait = ui.WebDriverWait(
            self.driver, PAGE_TIMEOUT,
            ignored_exceptions=(se_exceptions.WebDriverException,))
        wait.until(lambda d: d.execute_script(
            'return !window.ktcOldPage'
            ' && document.readyState === "complete";'))

    def sign_out(self):
        """"Sign Out" in the user menu of the dashboard page shown now."""
        find = self.driver.find_element
        find(By.CSS_SELECTOR, '.user-menu .dropdown-toggle').click()
        self._submit(find(By.CSS_SELECTOR, '.user-menu form button'))

    def code_field(self):
        """The visible code input, or None."""
        try:
            field = self.driver.find_element(By.NAME, CODE_FIELD)
        except se_exceptions.NoSuchElementException:
            return None
        return field if field.is_displayed() else None

    def username_value(self):
        return self.driver.find_element(
            By.NAME, 'username').get_attribute('value')

    def errors(self):
        """Texts of the red alerts on the page."""
        return [e.text for e in self.driver.find_elements(
            By.CSS_SELECTOR, '.alert-danger') if e.text]

    def warnings(self):
        """Texts of the yellow alerts on the page."""
        return [e.text for e in self.driver.find_elements(
            By.CSS_SELECTOR, '.alert-warning') if e.text]

    def banner(self, link_id):
        """Text and link of the warning banner holding ``#link_id``.

        Horizon's JavaScript shows its messages after the page loaded:
        waits until the banner is visible.
        """
        link = ui.WebDriverWait(self.driver, PAGE_TIMEOUT).until(
            ec.visibility_of_element_located(
                (By.CSS_SELECTOR, '.alert-warning #%s' % link_id)))
        text = link.find_element(By.XPATH, '..').text
        return text, link.get_attribute('href')

    def user_menu(self):
        """The user name in the top bar of the page shown now."""
        return self.driver.find_element(
            By.CSS_SELECTOR, '.user-menu').text.strip()

    def logged_in_as(self):
        """The user name of the session, from a page that needs one.

        None when Horizon sends the browser back to the login page.
        """
        self.driver.get(self.url + '/identity/')
        if self.path().startswith('/auth/login'):
            return None
        return self.user_menu()
