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

"""Views and forms of the Settings panel and of the admin's reset page.

The OS-TOTP client library (keystone_totp_concat.client.os_totp.Client) is
mocked: these tests check what the pages do with its answers and refusals
(which form, which error, which redirect, what is shown once and not
cached), in seconds and without a Keystone. The API itself is tested
against a real Keystone (tests/functional), and the pages in a browser on a
real Keystone (tests/e2e).
"""

from unittest import mock

from django.urls import reverse

from keystone_totp_concat.client import os_totp
from keystone_totp_concat.horizon.panel import enrolment
from openstack_dashboard.test import helpers

SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP'
INDEX = reverse('horizon:settings:two_factor:index')
ENABLE = reverse('horizon:settings:two_factor:enable')
PROVE = reverse('horizon:settings:two_factor:prove')
DISABLE = reverse('horizon:settings:two_factor:disable')
RECOVERY = reverse('horizon:settings:two_factor:recovery_codes')
CODES = ['abcd-efgh-ij%02d' % i for i in range(10)]


def begun(digits=6):
    return {'secret': SECRET, 'digits': digits, 'period': 30,
            'otpauth_uri': 'otpauth://totp/Cloud:alice?secret=%s' % SECRET,
            'account': 'alice', 'issuer': 'Cloud',
            'expires_at': '2030-01-01T00:10:00Z'}


def status(enabled=True, devices=1, remaining=10):
    return {'enabled': enabled, 'pending_enrolment': None,
            'devices': [{'id': 'dev%d' % i, 'label': 'phone%d' % i,
                         'created_at': '2030-01-01T00:00:00Z',
                         'last_used_at': None}
                        for i in range(devices if enabled else 0)],
            'recovery_codes': {'remaining': remaining} if enabled else None}


def refusal(cls):
    return cls(403 if issubclass(cls, os_totp.Forbidden) else 404,
               'refused by Keystone', cls.kind)


class PanelTestCase(helpers.TestCase):

    def setUp(self):
        super().setUp()
        patcher = mock.patch('keystone_totp_concat.client.os_totp.Client')
        self.client_class = patcher.start()
        self.addCleanup(patcher.stop)
        self.api = self.client_class.return_value

    def assertNoStore(self, response):
        self.assertEqual(response['Cache-Control'], 'no-store')

    def signed(self, adding=False, digits=6):
        return enrolment.sign(self.user.id, begun(digits), adding)


class IndexTests(PanelTestCase):

    def test_off_offers_enable_and_warns_about_the_api(self):
        self.api.status.return_value = status(enabled=False)
        response = self.client.get(INDEX)
        self.assertContains(response, 'data-enabled="false"')
        self.assertContains(response, 'also activates it for the API')
        self.assertContains(response, 'devices__action_enable')
        self.assertNotContains(response, 'devices__action_disable')
        self.api.status.assert_called_once_with(self.user.id)

    def test_on_lists_devices_and_few_recovery_codes_left(self):
        self.api.status.return_value = status(devices=2, remaining=2)
        response = self.client.get(INDEX)
        self.assertContains(response, 'data-enabled="true"')
        self.assertContains(response, 'phone1')
        self.assertContains(response, 'devices__row_dev0__action_remove')
        self.assertContains(response, 'devices__action_disable')
        self.assertContains(response, 'data-remaining="2"')
        self.assertContains(response, 'id="ktc-recovery-low"')

    def test_an_api_error_is_a_message(self):
        self.api.status.side_effect = os_totp.Unavailable(None, 'down')
        response = self.client.get(INDEX)
        self.assertEqual(response.status_code, 200)
        self.assertMessageCount(response, error=1)
        self.assertNotContains(response, 'id="ktc-status"')


class EnableTests(PanelTestCase):

    def test_qr_page_shows_the_secret_once_and_uncached(self):
        self.api.status.return_value = status(enabled=False)
        self.api.begin.return_value = begun()
        response = self.client.get(ENABLE)
        self.assertNoStore(response)
        self.assertContains(response, '<svg')
        self.assertContains(response, 'JBSW Y3DP EHPK 3PXP JBSW Y3DP EHPK '
                                      '3PXP')
        self.assertContains(response, 'autocomplete="one-time-code"')
        self.assertContains(response, 'value="Validate and set the OTP '
                                      'secret"')
        self.assertContains(response, 'id="ktc_enable_form"')
        self.api.begin.assert_called_once_with(self.user.id)

    def test_a_proof_is_asked_before_another_device(self):
        self.api.status.return_value = status()
        self.api.begin.side_effect = refusal(os_totp.ProofRequired)
        response = self.client.get(ENABLE)
        self.assertRedirectsNoFollow(response, PROVE)
        response = self.client.get(PROVE)
        self.assertContains(response, 'id="ktc_proof_form"')
        self.assertContains(response, 'name="code"')
        self.assertNotContains(response, 'ktc-secret')

    def test_the_proof_begins_the_enrolment_and_shows_the_qr_page(self):
        self.api.begin.return_value = begun()
        response = self.client.post(PROVE, {'code': '123 456'})
        self.api.begin.assert_called_once_with(self.user.id,
                                               passcode='123456')
        self.assertNoStore(response)
        self.assertContains(response, 'JBSW Y3DP')
        self.assertContains(response, 'value="Add device"')
        self.assertContains(response, 'action="%s"' % ENABLE)
        # 2FA is on: the page says what waits for the code, not "off".
        self.assertContains(response, 'the new device is not added')
        self.assertNotContains(response, 'is not enabled')

    def test_a_refused_proof_stays_on_the_proof_form(self):
        self.api.begin.side_effect = refusal(os_totp.CodeNotAccepted)
        response = self.client.post(PROVE, {'code': '123456'})
        self.assertContains(response, 'The code was not accepted')
        self.assertNotContains(response, 'ktc-secret')

    def test_a_wrong_code_shows_the_same_secret_again(self):
        self.api.confirm.side_effect = refusal(os_totp.CodeNotAccepted)
        response = self.client.post(ENABLE, {
            'enrolment': self.signed(), 'code': '654321'})
        self.assertContains(response, 'so nothing was stored')
        self.assertContains(response, 'JBSW Y3DP EHPK 3PXP')
        self.assertNoStore(response)
        self.api.confirm.assert_called_once_with(self.user.id, '654321',
                                                 label=None)
        self.assertEqual(
            set(response.wsgi_request.sensitive_post_parameters),
            {'code', 'enrolment'})

    def test_a_code_of_the_wrong_length_never_reaches_keystone(self):
        response = self.client.post(ENABLE, {
            'enrolment': self.signed(digits=8), 'code': '123456'})
        self.assertContains(response, 'Enter the 8 digits of the code.')
        self.api.confirm.assert_not_called()

    def test_the_right_code_shows_the_recovery_codes_once(self):
        self.api.confirm.return_value = {
            'device': {'id': 'dev0', 'label': 'phone'},
            'recovery_codes': CODES}
        response = self.client.post(ENABLE, {
            'enrolment': self.signed(), 'code': '123456', 'label': 'phone'})
        self.api.confirm.assert_called_once_with(self.user.id, '123456',
                                                 label='phone')
        self.assertNoStore(response)
        self.assertContains(response, 'Two Factor Authentication is '
                                      'enabled.')
        for code in CODES:
            self.assertContains(response, '<code>%s</code>' % code)
        self.assertNotContains(response, '654321')

    def test_an_added_device_says_so(self):
        self.api.confirm.return_value = {'device': {'id': 'dev1'}}
        response = self.client.post(ENABLE, {
            'enrolment': self.signed(adding=True), 'code': '123456'})
        self.assertContains(response, 'The device was added.')
        self.assertNotContains(response, 'ktc-recovery-code-list')

    def test_an_expired_enrolment_goes_back_to_the_status(self):
        self.api.confirm.side_effect = refusal(os_totp.NoPendingEnrolment)
        response = self.client.post(ENABLE, {
            'enrolment': self.signed(), 'code': '123456'})
        self.assertRedirectsNoFollow(response, INDEX)

    def test_an_enrolment_of_another_user_is_refused(self):
        forged = enrolment.sign('someone-else', begun(), False)
        response = self.client.post(ENABLE, {
            'enrolment': forged, 'code': '123456'})
        self.assertRedirectsNoFollow(response, INDEX)
        self.api.confirm.assert_not_called()


class ProvedActionTests(PanelTestCase):

    def test_remove_asks_for_a_code_when_keystone_wants_one(self):
        url = reverse('horizon:settings:two_factor:remove_device',
                      args=('dev0',))
        self.api.status.return_value = status()
        response = self.client.get(url)
        self.assertContains(response, 'Remove the device &quot;phone0&quot;')
        self.assertNotContains(response, 'name="code"')

        self.api.remove_device.side_effect = refusal(os_totp.ProofRequired)
        response = self.client.post(url, {'device_id': 'dev0'})
        self.assertContains(response, 'Type a current code')
        self.assertContains(response, 'name="code"')
        self.api.remove_device.assert_called_once_with(
            self.user.id, 'dev0', passcode=None)

        self.api.remove_device.side_effect = None
        response = self.client.post(url, {'device_id': 'dev0',
                                          'code': '123456'})
        self.assertRedirectsNoFollow(response, INDEX)
        self.api.remove_device.assert_called_with(
            self.user.id, 'dev0', passcode='123456')

    def test_a_refused_code_turns_nothing_off(self):
        self.api.disable.side_effect = refusal(os_totp.CodeNotAccepted)
        response = self.client.post(DISABLE, {'code': '123456'})
        self.assertContains(response, 'The code was not accepted')
        self.assertEqual(response.status_code, 200)

    def test_turn_off_with_a_fresh_login_needs_no_code(self):
        response = self.client.post(DISABLE, {})
        self.assertRedirectsNoFollow(response, INDEX)
        self.api.disable.assert_called_once_with(self.user.id, passcode=None)
        self.assertMessageCount(success=1)

    def test_new_recovery_codes_are_shown_once(self):
        self.api.new_recovery_codes.return_value = {'codes': CODES,
                                                    'remaining': 10}
        response = self.client.post(RECOVERY, {})
        self.assertNoStore(response)
        self.assertContains(response, 'id="ktc-new-recovery-codes"')
        self.assertContains(response, '<code>%s</code>' % CODES[9])


class ResetTests(PanelTestCase):

    def setUp(self):
        super().setUp()
        self.other = self.users.list()[1]
        self.url = reverse('horizon:identity:users:reset_two_factor',
                           args=(self.other.id,))
        patcher = mock.patch('openstack_dashboard.api.keystone.user_get',
                             return_value=self.other)
        patcher.start()
        self.addCleanup(patcher.stop)

    def test_the_page_is_in_the_users_url_space(self):
        self.assertEqual(self.url,
                         '/identity/users/%s/reset_two_factor/' % (
                             self.other.id))

    def test_the_page_shows_the_users_status(self):
        self.api.status.return_value = status(devices=2, remaining=10)
        response = self.client.get(self.url)
        self.assertContains(response, 'with 2 devices')
        self.assertContains(response, 'ktc_reset_form_revoke_recovery_codes')
        self.api.status.assert_called_once_with(self.other.id)

    def test_nothing_to_reset_offers_no_reset(self):
        self.api.status.return_value = status(enabled=False)
        response = self.client.get(self.url)
        self.assertContains(response, 'there is nothing to reset')
        self.assertNotContains(response, 'id="ktc_reset_form_submit"')

    def test_a_user_already_off_is_a_notice_not_an_error(self):
        self.api.disable.side_effect = refusal(os_totp.NotEnrolled)
        response = self.client.post(self.url, {})
        self.assertRedirectsNoFollow(response,
                                     reverse('horizon:identity:users:index'))
        self.assertMessageCount(info=1, error=0)

    def test_reset_turns_2fa_off_without_a_code(self):
        response = self.client.post(self.url, {})
        self.assertRedirectsNoFollow(response,
                                     reverse('horizon:identity:users:index'))
        self.api.disable.assert_called_once_with(self.other.id)
        self.api.revoke_recovery_codes.assert_not_called()

    def test_the_recovery_codes_alone(self):
        response = self.client.post(self.url, {'what': 'recovery_codes'})
        self.assertRedirectsNoFollow(response,
                                     reverse('horizon:identity:users:index'))
        self.api.revoke_recovery_codes.assert_called_once_with(self.other.id)
        self.api.disable.assert_not_called()

    def test_the_row_action_is_on_horizons_users_table(self):
        from openstack_dashboard.dashboards.identity.users import tables

        action = tables.UsersTable.base_actions['reset_totp']
        self.assertEqual(action.get_link_url(self.other), self.url)
        request = self.factory.get('/')
        # Which rows offer it: test_users_compliance.
        with mock.patch('keystone_totp_concat.horizon.panel.compliance.'
                        'report', return_value=None):
            self.assertTrue(action.allowed(request, self.other))
            me = mock.Mock(id=request.user.id)
            self.assertFalse(action.allowed(request, me))
