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

# keystone-totp-concat on Horizon's login page.
#
# Copy this file into the local_settings.d/ directory of the dashboard
# (openstack_dashboard/local/local_settings.d/; some distribution packages
# link it to /etc/openstack-dashboard/local_settings.d/) on a Horizon whose
# Python environment has keystone-totp-concat installed, then restart the
# dashboard. Horizon runs these snippets inside its settings module, after
# local_settings.py, so the names below extend what is already set.

# The login form that shows the code field when Keystone asks for the code.
ADD_INSTALLED_APPS = [
    *ADD_INSTALLED_APPS,  # noqa: F821
    'keystone_totp_concat.horizon.login',
]

# The password login that tells "code missing or wrong" apart from a wrong
# password; it replaces openstack_auth's own password plugin.
AUTHENTICATION_PLUGINS = [
    'keystone_totp_concat.horizon.login.plugin.PasswordPlugin',
    *(plugin for plugin in AUTHENTICATION_PLUGINS  # noqa: F821
      if plugin != 'openstack_auth.plugin.password.PasswordPlugin'),
]

# The login page that leads a user who must set 2FA up (the operator requires
# it and the grace period is over) to the set-up page, and that page; before
# openstack_auth's routes, whose login page it wraps.
AUTHENTICATION_URLS = [
    'keystone_totp_concat.horizon.login.urls',
    *AUTHENTICATION_URLS,  # noqa: F821
]

# Digits of the cloud's codes, as Keystone's [totp_concat] code_length (6 to
# 8); the login page says "enter the N-digit code". Default: 6.
# KEYSTONE_TOTP_CODE_LENGTH = 6
