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

"""Identity -> Users: the compliance column, with the OS-TOTP client and
Keystone's user list mocked: one report per page, a state per user, no
column when Keystone refuses the report, and the admin's reset offered on
the rows of users with 2FA on."""

from unittest import mock

from django.urls import reverse

from keystone_totp_concat.client import os_totp
from keystone_totp_concat.horizon.panel import api
from keystone_totp_concat.horizon.panel import compliance
from keystone_totp_concat.horizon.panel import tables
from openstack_dashboard.test import helpers

USERS = reverse('horizon:identity:users:index')


class ComplianceColumnTests(helpers.TestCase):

    def setUp(self):
        super().setUp()
        patcher = mock.patch('keystone_totp_concat.client.os_totp.Client')
        self.client_class = patcher.start()
        self.api = self.client_class.return_value
        self.addCleanup(patcher.stop)
        users = self.users.list()[:3]
        domain = self.domains.get(id='1')
        for name, value in (('user_list', users),
                            ('get_effective_domain_id', domain.id),
                            ('domain_lookup', {domain.id: domain.name})):
            patcher = mock.patch('openstack_dashboard.api.keystone.' + name,
                                 return_value=value)
            patcher.start()
            self.addCleanup(patcher.stop)
        self.domain_id = domain.id
        self.ids = [user.id for user in users]

    def states(self, response):
        """{user id: the text of the column}."""
        return {row.datum.id: row.cells[compliance.NAME].data
                for row in response.context['table'].get_rows()}

    def test_each_user_gets_a_state_from_one_report(self):
        self.api.compliance.return_value = [
            {'id': self.ids[0], 'state': 'enrolled'},
            {'id': self.ids[1], 'state': 'in_grace',
             'grace_ends_at': '2030-01-10T09:00:00Z'},
            {'id': self.ids[2], 'state': 'overdue',
             'grace_ends_at': '2030-01-01T09:00:00Z'}]
        response = self.client.get(USERS)
        self.assertEqual(self.states(response), {
            self.ids[0]: 'On',
            self.ids[1]: 'Required, in grace period (until '
                         '2030-01-10T09:00:00Z)',
            self.ids[2]: 'Required, overdue (until 2030-01-01T09:00:00Z)'})
        self.api.compliance.assert_called_once_with(self.domain_id)

    def test_without_a_domain_context_the_admins_domain(self):
        self.api.compliance.return_value = [
            {'id': self.ids[0], 'state': 'enrolled'}]
        with mock.patch('openstack_dashboard.api.keystone.'
                        'get_effective_domain_id', return_value=None):
            response = self.client.get(USERS)
        domain_id = response.wsgi_request.user.user_domain_id
        self.assertTrue(domain_id)
        self.api.compliance.assert_called_once_with(domain_id)
        self.assertEqual(self.states(response)[self.ids[0]], 'On')

    def reset_offered(self, response):
        """{user id: whether the row offers the admin's reset}."""
        table = response.context['table']
        return {row.datum.id: any(
            action.name == tables.ResetTOTPLink.name
            for action in table.get_row_actions(row.datum))
            for row in table.get_rows()}

    def test_the_reset_is_offered_on_the_rows_of_enrolled_users(self):
        self.api.compliance.return_value = [
            {'id': user_id, 'enrolled': user_id != self.ids[1],
             'state': 'enrolled' if user_id != self.ids[1] else 'in_grace'}
            for user_id in self.ids]
        response = self.client.get(USERS)
        own = response.wsgi_request.user.id
        self.assertEqual(self.reset_offered(response), {
            user_id: user_id not in (own, self.ids[1])
            for user_id in self.ids})
        self.api.compliance.assert_called_once()

    def test_without_the_report_the_reset_is_offered_on_other_rows(self):
        self.api.compliance.side_effect = os_totp.Forbidden(
            403, 'no', None)
        response = self.client.get(USERS)
        own = response.wsgi_request.user.id
        self.assertEqual(self.reset_offered(response), {
            user_id: user_id != own for user_id in self.ids})

    def test_no_column_when_keystone_refuses_the_report(self):
        self.api.compliance.side_effect = os_totp.Forbidden(
            403, 'no', None)
        response = self.client.get(USERS)
        self.assertNotIn(compliance.NAME, response.context['table'].columns)
        self.api.compliance.assert_called_once()


class AdminTokenTests(helpers.TestCase):

    @mock.patch('keystone_totp_concat.client.os_totp.Client')
    def test_the_report_goes_with_the_project_token(self, client_class):
        user = mock.Mock(id='u1', endpoint='http://keystone/v3')
        user.token.id = 'project-token'
        user.unscoped_token = 'unscoped-token'
        request = mock.Mock(user=user)
        tokens = []
        for admin in (True, False):
            api.Client(request, admin=admin)
            tokens.append(client_class.call_args.kwargs['auth'].get_token(
                None))
        self.assertEqual(tokens, ['project-token', 'unscoped-token'])
