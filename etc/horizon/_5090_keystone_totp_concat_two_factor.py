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


# keystone-totp-concat's panel "Two Factor Authentication" under Settings
# (the user menu), and "Reset Two Factor Authentication" in the row actions
# of Identity -> Users for admins.
#
# Copy this file into the enabled/ directory of the dashboard
# (openstack_dashboard/local/enabled/) on a Horizon whose Python environment
# has keystone-totp-concat installed, then restart the dashboard (run
# `manage.py collectstatic` / `compress` as for any panel if your
# deployment does). The panel calls Keystone's OS-TOTP API, so Keystone
# must serve keystone_totp_concat.wsgi:application. It works with or
# without the login page snippet (_90_keystone_totp_concat.py, for
# local_settings.d/); KEYSTONE_TOTP_CODE_LENGTH set there (or in
# local_settings.py) applies to the panel too.

# The slug of the panel to be added to HORIZON_CONFIG. Required.
PANEL = 'two_factor'
# The slug of the dashboard the PANEL associated with. Required.
PANEL_DASHBOARD = 'settings'
# Beside "User Settings" and "Change Password", not under "Other".
PANEL_GROUP = 'default'
# Python panel class of the PANEL to be added.
ADD_PANEL = 'keystone_totp_concat.horizon.panel.panel.TwoFactorPanel'
# The panel's templates, and the admin's row action in Identity -> Users.
ADD_INSTALLED_APPS = ['keystone_totp_concat.horizon.panel']
