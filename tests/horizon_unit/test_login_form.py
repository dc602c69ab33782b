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

"""The login page's answers to Keystone's "code missing or wrong" 401, and
the banner after a login with a recovery code.

openstack_auth's authenticate() is mocked (it raises what the plugin raises
for that 401, or records the token answer's headers as the plugin does);
the pages are Horizon's own login templates. tests/e2e runs the same login
against a real Keystone in Chromium.
"""

import re
from unittest import mock

from django.contrib import messages as django_messages
from django.test import RequestFactory
from django.test import TestCase
from django.urls import reverse

from keystone_totp_concat.client import protocol
from keystone_totp_concat.horizon.login import errors
from keystone_totp_concat.horizon.login import forms
from keystone_totp_concat.horizon.login import notices

PASSWORD = 'my-Secret-pw'
LOGIN = reverse('login')
REMINDER = 'type your password again and the 6-digit code'
REFUSED = 'The code was not accepted'


def login_data(**extra):
    return dict({'username': 'bob', 'password': PASSWORD,
                 'domain': 'Default', 'region': '0'}, **extra)


def alerts(response, kind):
    """Texts of the page's ``alert-<kind>`` boxes."""
    return [re.sub(r'\s+', ' ', text).strip() for text in re.findall(
        r'<div class="alert alert-%s">(.*?)</div>' % kind,
        response.content.decode(), re.S)]


@mock.patch('openstack_auth.forms.authenticate',
            side_effect=errors.TOTPCodeRequired('code'))
class CodeAskedTests(TestCase):

    def test_a_password_alone_gets_a_warning_and_the_code_field(self, _auth):
        response = self.client.post(LOGIN, login_data())
        self.assertEqual(response.status_code, 200)
        self.assertEqual(alerts(response, 'danger'), [])
        [warning] = alerts(response, 'warning')
        self.assertIn(REMINDER, warning)
        self.assertContains(response, 'name="%s"' % forms.CODE_FIELD)
        self.assertContains(response, 'name="%s"' % forms.ASKED_FIELD)
        self.assertNotContains(response, PASSWORD)
        self.assertNotIn('_auth_user_id', self.client.session)

    def test_a_typed_code_that_is_refused_is_an_error(self, _auth):
        response = self.client.post(LOGIN, login_data(**{
            forms.CODE_FIELD: '123456', forms.ASKED_FIELD: '1'}))
        [error] = alerts(response, 'danger')
        self.assertIn(REFUSED, error)
        self.assertIn('each code works once', error)
        self.assertEqual(alerts(response, 'warning'), [])
        self.assertNotContains(response, '123456')

    def test_a_code_after_the_password_that_is_refused_is_an_error(
            self, _auth):
        for field in (PASSWORD + '123456', PASSWORD + 'abcd-efgh-jk12'):
            response = self.client.post(LOGIN, login_data(password=field))
            [error] = alerts(response, 'danger')
            self.assertIn(REFUSED, error)
            self.assertContains(response, 'name="%s"' % forms.CODE_FIELD)
            self.assertNotContains(response, field)

    def test_the_form_is_invalid_without_a_visible_error(self, _auth):
        form = forms.Login(mock.Mock(), data=login_data())
        self.assertFalse(form.is_valid())
        self.assertEqual(list(form.non_field_errors()), [])
        self.assertIn(REMINDER, str(form.warnings))


class RecoveryCodeNoticeTests(TestCase):

    def login(self, headers):
        def authenticate(**kwargs):
            notices.record(headers)
            return mock.Mock()
        request = RequestFactory().post(LOGIN)
        request.session = {}
        form = forms.Login(request, data=login_data())
        with mock.patch('openstack_auth.forms.authenticate',
                        side_effect=authenticate):
            with mock.patch('horizon.messages.warning') as warning:
                self.assertTrue(form.is_valid(), form.errors)
        return warning

    def test_a_recovery_code_login_says_how_many_are_left(self):
        warning = self.login({protocol.RECOVERY_CODES_LEFT_HEADER: '9'})
        warning.assert_called_once()
        text = warning.call_args.args[1]
        self.assertIn('recovery code; 9 left', str(text))
        self.assertIn('href="%s"' % reverse(notices.PANEL_URL), str(text))

    def test_the_banner_is_a_horizon_warning(self):
        request = RequestFactory().post(LOGIN)
        request._messages = mock.MagicMock()
        with mock.patch('django.contrib.messages.add_message') as add:
            notices.warn_recovery_code_used(request, 3)
        self.assertEqual(add.call_args.args[1], django_messages.WARNING)

    def test_a_header_that_is_no_number_is_ignored(self):
        for left in ('-1', 'nine', '٩'):
            self.login({protocol.RECOVERY_CODES_LEFT_HEADER: left})\
                .assert_not_called()

    def test_a_login_with_a_totp_code_shows_nothing(self):
        self.login({}).assert_not_called()
