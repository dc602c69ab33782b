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

"""Django app config: puts the 2FA login form in place at start-up.

openstack_auth's login view builds ``openstack_auth.forms.Login`` by name and
has no setting to choose another form, so the app swaps that name for its
subclass once Django is ready. Everything else of the view (regions, WebSSO,
expired passwords, redirects) stays openstack_auth's own.
"""

from django import apps


class TOTPConcatHorizonConfig(apps.AppConfig):
    name = 'keystone_totp_concat.horizon.login'
    # The default label, "horizon", is Horizon's own app.
    label = 'keystone_totp_concat_horizon'
    verbose_name = 'Two Factor Authentication (keystone-totp-concat)'

    def ready(self):
        from openstack_auth import forms as auth_forms

        from keystone_totp_concat.horizon.login import errors
        from keystone_totp_concat.horizon.login import forms

        # A KEYSTONE_TOTP_CODE_LENGTH outside 6..8 stops Horizon here, not
        # at the first login.
        errors.code_length()
        auth_forms.Login = forms.Login
