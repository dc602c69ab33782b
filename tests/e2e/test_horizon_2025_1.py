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


"""The Settings panel on an older Horizon still in use: 2025.1 (Epoxy).

A smoke test without a browser: Horizon 25.3.2 (.venv-horizon-2025.1,
pinned by tests/e2e/horizon-2025.1-constraints.txt, built by ``make
test-e2e``) with the panel's enabled/ file and the login snippet, on the
suite's Keystone. An HTTP client logs in through the login form, and the
panel's pages are rendered by that Horizon: status, the QR page, the
confirmation with a real code, the status again; and the admin's row action
in Identity -> Users.
"""

import html.parser
import os
import pathlib
import re
import urllib.parse

import pytest
import requests

from tests import cloud as cloud_mod
from tests.e2e import horizon as horizon_mod

import local_keystone  # tools/, put on sys.path by tests/conftest.py

VENV = pathlib.Path(os.environ.get(
    'KTC_HORIZON_2025_1_VENV', horizon_mod.ROOT / '.venv-horizon-2025.1'))
PANEL = '/settings/two_factor/'
TIMEOUT = 60


@pytest.fixture(scope='module')
def horizon_2025_1(keystone, tmp_path_factory, output_dir):
    if not (VENV / 'bin' / 'django-admin').exists():
        pytest.fail('no Horizon 2025.1 virtualenv at %s: run `make '
                    'test-e2e`' % VENV)
    server = horizon_mod.Horizon(
        VENV, tmp_path_factory.mktemp('horizon-2025.1'),
        local_keystone.free_port(), keystone.url, extension=True)
    server.start()
    yield server
    server.stop()
    (output_dir / 'horizon-2025.1.log').write_bytes(
        server.log_file.read_bytes())


class _Forms(html.parser.HTMLParser):
    """The forms of a page: {id: (action, {name: value})}."""

    def __init__(self):
        super().__init__()
        self.forms = {}
        self._current = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == 'form':
            self._current = attrs.get('id') or ''
            self.forms[self._current] = (attrs.get('action'), {})
        elif tag == 'input' and self._current is not None and (
                attrs.get('name')):
            if attrs.get('type') in ('checkbox', 'radio') and (
                    'checked' not in attrs):
                return
            self.forms[self._current][1][attrs['name']] = (
                attrs.get('value') or '')

    def handle_endtag(self, tag):
        if tag == 'form':
            self._current = None


def forms_of(page):
    parser = _Forms()
    parser.feed(page)
    return parser.forms


class Browser:
    """requests with Horizon's CSRF protection and form posting."""

    def __init__(self, url):
        self.url = url
        self.http = requests.Session()

    def get(self, path):
        resp = self.http.get(self.url + path, timeout=TIMEOUT)
        assert resp.status_code == 200, (path, resp.status_code)
        return resp

    def submit(self, page, form_id, **values):
        action, fields = forms_of(page.text)[form_id]
        fields.update(values)
        target = urllib.parse.urljoin(page.url, action or page.url)
        resp = self.http.post(target, data=fields, timeout=TIMEOUT,
                              headers={'Referer': page.url})
        assert resp.status_code == 200, (target, resp.status_code)
        return resp

    def login(self, username, password):
        page = self.get('/auth/login/')
        resp = self.submit(page, '', username=username, password=password)
        assert urllib.parse.urlsplit(resp.url).path == '/identity/', (
            resp.url)
        return resp


def test_panel_renders_and_enables_2fa_on_horizon_2025_1(cloud,
                                                         horizon_2025_1):
    user = cloud.create_user()
    browser = Browser(horizon_2025_1.url)
    browser.login(user.name, user.password)

    status = browser.get(PANEL)
    assert 'Two Factor Authentication is off.' in status.text
    assert 'also activates it for the API' in status.text
    assert 'devices__action_enable' in status.text

    enable = browser.get(PANEL + 'enable/')
    assert re.search(r'<div class="ktc-qr-code"[^>]*>\s*<svg', enable.text)
    assert 'autocomplete="one-time-code"' in enable.text
    assert 'Validate and set the OTP secret' in enable.text
    key = re.search(r'<code id="ktc-secret"[^>]*>([A-Z2-7 ]+)</code>',
                    enable.text).group(1)
    secret = key.replace(' ', '')

    done = browser.submit(enable, 'ktc_enable_form',
                          code=cloud_mod.code_for(secret), label='phone')
    assert 'Two Factor Authentication is enabled.' in done.text
    assert len(re.findall(r'<li><code>[0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{4}'
                          r'</code></li>', done.text)) == 10
    assert cloud.api('GET', '/users/%s/OS-TOTP' % user.id).json()[
        'totp']['enabled'] is True

    status = browser.get(PANEL)
    assert 'Two Factor Authentication is on.' in status.text
    assert 'phone' in status.text
    assert 'Recovery codes left: 10.' in status.text


def test_reset_row_action_on_horizon_2025_1(cloud, horizon_2025_1):
    user = cloud.create_user(devices=1)
    browser = Browser(horizon_2025_1.url)
    browser.login('admin', local_keystone.ADMIN_PASSWORD)

    users = browser.get('/identity/users/')
    assert 'users__row_%s__action_reset_totp' % user.id in users.text
    reset = browser.get('/identity/users/%s/reset_two_factor/' % user.id)
    assert 'with 1 device.' in reset.text
    browser.submit(reset, 'ktc_reset_form')
    assert cloud.api('GET', '/users/%s/OS-TOTP' % user.id).json()[
        'totp']['enabled'] is False
