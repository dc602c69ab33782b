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

"""The login page's way to the set-up page, the set-up page, and the grace
period's banner.

openstack_auth's authenticate() and the OS-TOTP client library are mocked:
these tests check what the login form and the set-up page do with Keystone's
set-up 401, its pending secret, its refusals and the required-by header,
and that the password is never rendered. The browser tests (tests/e2e)
run the same pages against a real Keystone.
"""

from unittest import mock

from django.contrib import messages as django_messages
from django.test import RequestFactory
from django.test import TestCase
from django.urls import reverse
from keystoneauth1 import exceptions as ks_exceptions
from keystoneauth1.identity import v3
from openstack_auth import exceptions

from keystone_totp_concat.client import os_totp
from keystone_totp_concat.client import protocol
from keystone_totp_concat.horizon.login import errors
from keystone_totp_concat.horizon.login import forms
from keystone_totp_concat.horizon.login import notices
from keystone_totp_concat.horizon.login import plugin
from keystone_totp_concat.horizon.login import set_up

PASSWORD = 'my-Secret-pw'
SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP'
REGION = 'http://localhost/identity/v3'
USER = {'name': 'bob', 'domain': {'name': 'Engineering'}}
LOGIN = reverse('login')
SET_UP = reverse('ktc_set_up')
CODES = ['abcd-efgh-ij%02d' % i for i in range(10)]


def pending_enrolment():
    return {'secret': SECRET, 'digits': 6, 'period': 30,
            'otpauth_uri': 'otpauth://totp/Cloud:bob?secret=%s' % SECRET,
            'account': 'bob@Engineering', 'issuer': 'Cloud',
            'expires_at': '2030-01-01T00:10:00Z', 'user_id': 'u1'}


def login_data(**extra):
    return dict({'username': 'bob', 'password': PASSWORD,
                 'domain': 'Engineering', 'region': '0'}, **extra)


class SetUpTestCase(TestCase):

    def setUp(self):
        super().setUp()
        patcher = mock.patch('keystone_totp_concat.client.os_totp.Client')
        self.client_class = patcher.start()
        self.addCleanup(patcher.stop)
        self.api = self.client_class.return_value
        self.api.set_up.return_value = pending_enrolment()

    def assertSecretPage(self, response):
        self.assertEqual(response.status_code, 200)
        self.assertIn('no-store', response['Cache-Control'])
        self.assertContains(response, '<svg')
        self.assertContains(response, 'JBSW Y3DP EHPK 3PXP JBSW Y3DP EHPK '
                                      '3PXP')
        self.assertContains(response, 'Validate and set the OTP secret')
        self.assertContains(response, 'name="%s"' % set_up.STATE_FIELD)
        self.assertNotContains(response, PASSWORD)

    def state(self):
        return set_up.sign(set_up.pending(USER, REGION, pending_enrolment()))


class LoginLeadsToSetUpTests(SetUpTestCase):

    @mock.patch('openstack_auth.forms.authenticate')
    def test_the_set_up_401_shows_the_set_up_page(self, authenticate):
        authenticate.side_effect = errors.TOTPSetUpRequired('set up')
        response = self.client.post(LOGIN, login_data())
        self.assertSecretPage(response)
        self.assertTemplateUsed(response, set_up.TEMPLATE)
        self.api.set_up.assert_called_once_with(USER, PASSWORD)
        self.assertEqual(self.client_class.call_args.kwargs,
                         {'endpoint_override': REGION})
        self.assertNotIn('ktc', ''.join(self.client.session.keys()))

    @mock.patch('openstack_auth.forms.authenticate')
    def test_keystone_refusing_the_secret_is_a_form_error(self,
                                                          authenticate):
        authenticate.side_effect = errors.TOTPSetUpRequired('set up')
        self.api.set_up.side_effect = os_totp.NotRequired(
            403, 'not required', 'not_required')
        response = self.client.post(LOGIN, login_data())
        self.assertTemplateNotUsed(response, set_up.TEMPLATE)
        self.assertContains(response, 'required for this account')
        self.assertNotContains(response, PASSWORD)

    @mock.patch('openstack_auth.forms.authenticate')
    def test_a_wrong_password_stays_an_ordinary_failed_login(
            self, authenticate):
        authenticate.side_effect = exceptions.KeystoneAuthException(
            'Invalid credentials.')
        response = self.client.post(LOGIN, login_data())
        self.assertContains(response, 'Invalid credentials.')
        self.api.set_up.assert_not_called()


class SetUpPageTests(SetUpTestCase):

    def post(self, **extra):
        return self.client.post(SET_UP, dict({
            set_up.STATE_FIELD: self.state(), 'password': PASSWORD,
            set_up.CODE_FIELD: '123 456'}, **extra))

    def test_the_right_code_shows_the_recovery_codes_once(self):
        self.api.set_up_device.return_value = {
            'device': {'id': 'd1'}, 'recovery_codes': CODES}
        response = self.post()
        self.assertIn('no-store', response['Cache-Control'])
        self.assertTemplateUsed(response, set_up.DONE_TEMPLATE)
        for code in CODES:
            self.assertContains(response, code)
        self.assertContains(response, 'href="%s"' % LOGIN)
        self.assertNotContains(response, PASSWORD)
        self.api.set_up_device.assert_called_once_with(
            USER, PASSWORD, '123456')

    def test_a_wrong_code_shows_the_same_secret_again(self):
        self.api.set_up_device.side_effect = os_totp.CodeNotAccepted(
            403, 'no', 'code_not_accepted')
        response = self.post()
        self.assertSecretPage(response)
        self.assertContains(response, 'The code was not accepted')

    def test_a_wrong_password_is_said_and_not_echoed(self):
        self.api.set_up_device.side_effect = os_totp.Unauthorized(
            401, 'The request you have made requires authentication.')
        response = self.post()
        self.assertSecretPage(response)
        self.assertContains(response, 'The password is wrong.')

    def test_a_forged_state_goes_back_to_the_login_page(self):
        response = self.post(**{set_up.STATE_FIELD: self.state() + 'x'})
        self.assertRedirects(response, LOGIN, fetch_redirect_response=False)
        self.api.set_up_device.assert_not_called()

    def test_the_page_takes_no_get(self):
        self.assertEqual(self.client.get(SET_UP).status_code, 405)


class GraceTests(TestCase):

    def request(self):
        request = RequestFactory().post(LOGIN)
        request.session = {}
        storage = mock.MagicMock()
        request._messages = storage
        return request

    @mock.patch('openstack_auth.forms.authenticate')
    def test_a_login_in_the_grace_period_warns_with_the_date(
            self, authenticate):
        def login(**kwargs):
            notices.record(
                {protocol.REQUIRED_BY_HEADER: '2030-01-10T09:00:00Z'})
            return mock.Mock()
        authenticate.side_effect = login
        request = self.request()
        form = forms.Login(request, data=login_data())
        with mock.patch('horizon.messages.warning') as warning:
            self.assertTrue(form.is_valid(), form.errors)
        warning.assert_called_once()
        text = str(warning.call_args.args[1])
        self.assertIn('2030', text)
        self.assertIn('href="%s"' % reverse(notices.PANEL_URL), text)

    @mock.patch('openstack_auth.forms.authenticate')
    def test_no_header_no_banner(self, authenticate):
        authenticate.return_value = mock.Mock()
        form = forms.Login(self.request(), data=login_data())
        with mock.patch('horizon.messages.warning') as warning:
            self.assertTrue(form.is_valid(), form.errors)
        warning.assert_not_called()

    def test_grace_warning_is_a_horizon_warning(self):
        request = self.request()
        with mock.patch('django.contrib.messages.add_message') as add:
            notices.warn_required_by(request, '2030-01-10T09:00:00Z')
        self.assertEqual(add.call_args.args[1], django_messages.WARNING)


class PluginTests(TestCase):

    def auth(self):
        return plugin.PasswordPlugin().get_plugin(
            auth_url=REGION, username='bob', password=PASSWORD,
            user_domain_name='Default')

    def test_the_required_by_header_reaches_the_login(self):
        session = mock.Mock()
        session.post.return_value.headers = {
            protocol.REQUIRED_BY_HEADER: '2030-01-10T09:00:00Z'}

        def token(this, wrapped, **kwargs):
            wrapped.post('%s/auth/tokens' % REGION)
            return 'auth-ref'
        with mock.patch.object(v3.Password, 'get_auth_ref', token):
            with notices.listening() as heard:
                self.assertEqual(self.auth().get_auth_ref(session),
                                 'auth-ref')
        self.assertEqual(heard, {'required_by': '2030-01-10T09:00:00Z'})

    def test_the_set_up_401_is_told_apart_by_its_header(self):
        response = mock.Mock(status_code=401, headers={
            protocol.SET_UP_HEADER: 'true'})
        response.json.return_value = {'error': {'code': 401}}
        refusal = ks_exceptions.Unauthorized(response=response)
        with mock.patch.object(v3.Password, 'get_auth_ref',
                               side_effect=refusal):
            with self.assertRaises(errors.TOTPSetUpRequired):
                self.auth().get_auth_ref(mock.Mock())
        response.headers = {}
        with mock.patch.object(v3.Password, 'get_auth_ref',
                               side_effect=refusal):
            with self.assertRaises(ks_exceptions.Unauthorized):
                self.auth().get_auth_ref(mock.Mock())
