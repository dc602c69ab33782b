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

"""Horizon's own test settings, plus the panel as its enabled file adds it.

Horizon's test settings have run update_dashboards() on Horizon's enabled/
files; it is run again on those and the panel's, as the dashboard does at
start-up with local/enabled/. The login extension is added as its settings
snippet (etc/horizon/_90_keystone_totp_concat.py) adds it.
"""

from openstack_dashboard import enabled
from openstack_dashboard.test.settings import *  # noqa: F403,H303
from openstack_dashboard.utils import settings as settings_utils

from tests.horizon_unit import enabled as panel_enabled

_plugins = HORIZON_CONFIG.pop('plugins', [])  # noqa: F405
for _key in ('dashboards', 'default_dashboard'):
    HORIZON_CONFIG.pop(_key, None)  # noqa: F405
INSTALLED_APPS = [app for app in INSTALLED_APPS  # noqa: F405
                  if app not in _plugins]
settings_utils.update_dashboards(
    [enabled, panel_enabled], HORIZON_CONFIG, INSTALLED_APPS)  # noqa: F405
INSTALLED_APPS.append('keystone_totp_concat.horizon.login')
ROOT_URLCONF = 'tests.horizon_unit.urls'
