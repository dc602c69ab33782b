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

"""``make run-dashboard``: its printed web steps work, as printed.

The dashboard comes from tools/local_dashboard.py's start(), the function
the make target runs, so a change that breaks the target breaks this test.
"""

from tests.e2e import browser
from tests.e2e import conftest
from tests.e2e import panel as panel_mod
from tests.e2e import test_horizon_panel

import local_dashboard  # tools/, put on sys.path by tests/conftest.py
import local_keystone


def test_printed_web_flow(cloud, keystone, chromium, tmp_path):
    user = cloud.create_user()
    server = local_dashboard.start(conftest.VENV, tmp_path / 'horizon',
                                   local_keystone.free_port(), keystone.url)
    try:
        steps = local_dashboard.walkthrough(server, user.password)
        assert 'Open %s/ and log in as demo / %s' % (
            server.url, user.password) in steps
        assert 'Settings -> Two Factor Authentication' in steps

        dashboard = browser.Dashboard(chromium, server.url)
        panel = panel_mod.Panel(dashboard)
        dashboard.login(user.name, user.password)
        assert dashboard.user_menu() == user.name

        # User menu -> Settings -> Two Factor Authentication.
        panel.find('.user-menu .dropdown-toggle').click()
        panel.click('.user-menu a[href$="/settings/"]')
        panel.click('a[href$="%s"]' % panel_mod.PATH)
        assert panel.path() == panel_mod.PATH
        assert panel.enabled() is False

        codes = test_horizon_panel.Codes()
        secret = test_horizon_panel.enable_in_panel(panel, codes)
        assert 'Two Factor Authentication is enabled.' in panel.success()
        assert test_horizon_panel.api_status(cloud, user)['enabled'] is True

        # Sign Out; the password alone is refused, password+code logs in.
        panel.click('#ktc-done')
        dashboard.sign_out()
        dashboard.login(user.name, user.password)
        assert dashboard.path().startswith('/auth/login')
        assert dashboard.code_field() is not None
        dashboard.login(user.name, user.password + codes(secret))
        assert dashboard.path() == '/identity/'
        assert dashboard.user_menu() == user.name
    finally:
        server.stop()
