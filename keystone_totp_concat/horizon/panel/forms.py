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


"""The panel's forms: each handle() is one OS-TOTP call of the user.

Refusals are told apart by the client library's exception classes: a
refused code or a missing proof goes back to the form, an enrolment that
expired sends the user back to the status page, anything else shows
Keystone's message on the form.
"""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_variables
from horizon import exceptions
from horizon import forms
from horizon import messages

from keystone_totp_concat.client import os_totp
from keystone_totp_concat.horizon import code_field
from keystone_totp_concat.horizon.panel import api

INDEX = 'horizon:settings:two_factor:index'
CODE_FIELD = 'code'
LABEL_MAX = 255

PROOF_NEEDED = _('Type a current code of one of your devices: Keystone asks '
                 'for one unless you logged in with your password and code '
                 'a few minutes ago.')
REFUSED = _('The code was not accepted: it is wrong or already used, or too '
            'many wrong codes were tried recently. Wait for the next code '
            'and try again.')


def current_code_field():
    length = code_field.code_length()
    return code_field.CodeField(
        length=length, label=_('Current code'),
        widget=code_field.CodeInput({'autofocus': 'autofocus'}),
        help_text=_('The %(length)d-digit code that one of your devices '
                    'shows now. Wait for a new code if you have just used '
                    'this one.') % {'length': length})


class ProofForm(forms.SelfHandlingForm):
    """A current code, before another device is added.

    Keystone begins the enrolment only with a proof of the second factor;
    handle() returns the enrolment, whose secret is shown once.
    """

    def __init__(self, request, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.fields[CODE_FIELD] = current_code_field()

    @sensitive_variables()
    def handle(self, request, data):
        try:
            return api.Client(request).begin(passcode=data[CODE_FIELD])
        except os_totp.CodeNotAccepted:
            self.api_error(REFUSED)
        except os_totp.APIError as exc:
            self.api_error(exc.message)
        return None


class ConfirmForm(forms.SelfHandlingForm):
    """"Validate and set the OTP secret": the new device's first code.

    handle() returns Keystone's answer: the device, and the recovery codes
    when this turned Two Factor Authentication on.
    """

    enrolment = forms.CharField(widget=forms.HiddenInput())

    def __init__(self, request, *args, digits=None, **kwargs):
        super().__init__(request, *args, **kwargs)
        length = digits or code_field.code_length()
        self.fields[CODE_FIELD] = code_field.CodeField(
            length=length, label=_('Code'),
            widget=code_field.CodeInput({'autofocus': 'autofocus'}),
            help_text=_('The %(length)d-digit code that the app shows for '
                        'this account now.') % {'length': length})
        self.fields['label'] = forms.CharField(
            label=_('Device name'), required=False, max_length=LABEL_MAX,
            help_text=_('Optional: a name to tell your devices apart, such '
                        'as "phone".'),
            widget=forms.TextInput(attrs={'autocomplete': 'off'}))

    @sensitive_variables()
    def handle(self, request, data):
        try:
            return api.Client(request).confirm(
                data[CODE_FIELD], label=data.get('label') or None)
        except os_totp.CodeNotAccepted:
            self.api_error(_(
                'The code was not accepted, so nothing was stored: the '
                'secret is still the same and Two Factor Authentication '
                'did not change. Check that the app has this account and '
                'that the clock of the device is right, wait for the next '
                'code and type it.'))
        except (os_totp.NoPendingEnrolment, os_totp.ProofRequired):
            exceptions.handle(request, _(
                'This enrolment expired or was replaced (it waits 10 '
                'minutes by default): nothing was stored. Begin again and '
                'scan the new QR code.'), redirect=reverse(INDEX), details='')
        except os_totp.APIError as exc:
            self.api_error(exc.message)
        return None


class ProvedForm(forms.SelfHandlingForm):
    """A change of one's own 2FA, with the current code once Keystone asks.

    Keystone wants a proof of the second factor when users change their own
    2FA: a current code, unless the dashboard session began with a
    password+code login a few minutes ago. The form first goes without; if
    Keystone says a code is needed, the field appears.
    """

    success_message = ''

    def __init__(self, request, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        if CODE_FIELD in self.data:
            self.add_code_field()

    def add_code_field(self):
        if CODE_FIELD not in self.fields:
            self.fields[CODE_FIELD] = current_code_field()

    def act(self, client, code, data):
        """The OS-TOTP call; its result, if any, is handle()'s."""
        raise NotImplementedError

    @sensitive_variables()
    def handle(self, request, data):
        try:
            result = self.act(api.Client(request), data.get(CODE_FIELD),
                              data)
        except os_totp.ProofRequired:
            self.add_code_field()
            self.api_error(PROOF_NEEDED)
        except os_totp.CodeNotAccepted:
            self.api_error(REFUSED)
        except os_totp.APIError as exc:
            self.api_error(exc.message)
        else:
            if self.success_message:
                messages.success(request, self.success_message)
            return result or True
        return None


class RemoveDeviceForm(ProvedForm):
    device_id = forms.CharField(widget=forms.HiddenInput())
    success_message = _('The device was removed.')

    def act(self, client, code, data):
        client.remove_device(data['device_id'], passcode=code)


class DisableForm(ProvedForm):
    success_message = _('Two Factor Authentication is off: you log in with '
                        'your password alone.')

    def act(self, client, code, data):
        client.disable(passcode=code)


class RecoveryCodesForm(ProvedForm):
    """A new set of recovery codes, returned by handle() to be shown once."""

    def act(self, client, code, data):
        return client.new_recovery_codes(passcode=code)
