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


"""Django app of the panel: its templates, and the admin's row action."""

from django import apps


class TwoFactorPanelConfig(apps.AppConfig):
    name = 'keystone_totp_concat.horizon.panel'
    label = 'keystone_totp_concat_panel'
    verbose_name = 'Two Factor Authentication panel (keystone-totp-concat)'

    def ready(self):
        # Identity -> Users gets "Reset Two Factor Authentication". Horizon
        # has no setting for row actions of its tables; this is the way its
        # customization module documents (changing the table classes).
        try:
            from openstack_dashboard.dashboards.identity.users import tables
            from openstack_dashboard.dashboards.identity.users import urls
        except ImportError:
            return
        from keystone_totp_concat.horizon.panel import compliance
        from keystone_totp_concat.horizon.panel import tables as ours

        ours.add_reset_action(tables.UsersTable, urls.urlpatterns)
        # And the compliance state of each user (2FA required by operators).
        compliance.add_column(tables.UsersTable)
