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


"""An admin resets another user's 2FA: Identity -> Users, row action.

The lost phone: every device and the recovery codes go, or only the
recovery codes (a set that may have been seen). The page lives in the URL
space of Horizon's users panel (``/identity/users/<id>/reset_two_factor/``),
so the Identity dashboard's access rules and navigation apply; Keystone's
policy (``identity:disable_totp``) decides the call.
"""

from django.urls import re_path
from django.urls import reverse
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _
from horizon import exceptions
from horizon import forms
from horizon import messages
from horizon.utils import memoized
from openstack_dashboard import api as dashboard_api

from keystone_totp_concat.client import os_totp
from keystone_totp_concat.horizon.panel import api

USERS_INDEX = 'horizon:identity:users:index'
URL_NAME = 'reset_two_factor'
RECOVERY_CODES_ONLY = 'recovery_codes'


class ResetForm(forms.SelfHandlingForm):
    """The submit buttons say what to reset (``what``)."""

    what = forms.ChoiceField(required=False, choices=(
        ('', _('Every device and the recovery codes')),
        (RECOVERY_CODES_ONLY, _('The recovery codes only'))))

    def __init__(self, request, *args, user=None, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.user = user

    def handle(self, request, data):
        client = api.Client(request, user_id=self.user.id)
        if data.get('what') == RECOVERY_CODES_ONLY:
            try:
                client.revoke_recovery_codes()
            except os_totp.APIError:
                exceptions.handle(request, _(
                    'Unable to revoke the recovery codes.'),
                    redirect=reverse(USERS_INDEX))
            messages.success(request, _(
                'The recovery codes of user "%s" are revoked; the user '
                'makes new ones in Settings -> Two Factor '
                'Authentication.') % self.user.name)
            return True
        try:
            client.disable()
        except os_totp.NotEnrolled:
            messages.info(request, _(
                'Two Factor Authentication was already off for user '
                '"%s".') % self.user.name)
            return True
        except os_totp.APIError:
            exceptions.handle(request, _(
                'Unable to reset Two Factor Authentication.'),
                redirect=reverse(USERS_INDEX))
        messages.success(request, _(
            'Two Factor Authentication of user "%s" is reset: the user logs '
            'in with the password alone and can turn it on again.')
            % self.user.name)
        return True


class ResetView(forms.ModalFormView):
    form_class = ResetForm
    template_name = 'settings/two_factor/reset.html'
    form_id = 'ktc_reset_form'
    modal_id = 'ktc_reset_form_modal'
    page_title = _('Reset Two Factor Authentication')
    submit_label = _('Reset Two Factor Authentication')
    success_url = reverse_lazy(USERS_INDEX)

    @memoized.memoized_method
    def get_object(self):
        try:
            return dashboard_api.keystone.user_get(
                self.request, self.kwargs['user_id'], admin=True)
        except Exception:
            exceptions.handle(self.request, _('Unable to find the user.'),
                              redirect=reverse(USERS_INDEX))

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs['user'] = self.get_object()
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.get_object()
        try:
            status = api.Client(self.request, user_id=user.id).status()
        except os_totp.APIError:
            exceptions.handle(self.request, _(
                'Unable to read the Two Factor Authentication status of the '
                'user.'), redirect=reverse(USERS_INDEX))
        recovery = status.get('recovery_codes')
        context.update(
            user=user, status=status, device_count=len(
                status.get('devices', [])),
            recovery=recovery if isinstance(recovery, dict) else None,
            submit_url=self.request.path)
        return context


def url():
    """The page's URL pattern, for Horizon's users panel."""
    return re_path(r'^(?P<user_id>[^/]+)/reset_two_factor/$',
                   ResetView.as_view(), name=URL_NAME)
