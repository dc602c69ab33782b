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

"""Horizon's login form with the code field of the user guide.

The code field appears once Keystone said the code is missing or wrong, and
stays while the user retries. What is typed there is put after the password,
exactly as if the user had typed it in the password field, so the server
needs nothing new. The password is never kept between the two tries: the
user types it again, as on any failed login.

A missing code is a reminder, shown as the form's warning (yellow, as
Horizon shows ``form.warnings``); a refused code is an error. Keystone
answers both alike, so a password field that ends like a code counts as a
refused code (:func:`~keystone_totp_concat.client.protocol.ends_with_code`).
"""

import collections

from django.conf import settings
from django import forms
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_variables
from openstack_auth import forms as auth_forms

from keystone_totp_concat.client import os_totp
from keystone_totp_concat.client import protocol
from keystone_totp_concat.horizon import code_field
from keystone_totp_concat.horizon.login import errors
from keystone_totp_concat.horizon.login import notices
from keystone_totp_concat.horizon.login import set_up

CODE_FIELD = 'totp'
# Hidden: "Keystone asked for a code". Carries the reminder's form error,
# which keeps the form invalid; the page shows the reminder as a warning.
ASKED_FIELD = 'totp_asked'


class CodeField(code_field.CodeField):
    """The code (KEYSTONE_TOTP_CODE_LENGTH digits), or a recovery code.

    Any number of digits gets to Keystone, which tells a wrong length from a
    wrong code itself; anything else but digits and a recovery code is
    refused before Keystone is asked.
    """

    def __init__(self, **kwargs):
        kwargs.setdefault('label', _('Authentication code'))
        kwargs.setdefault('help_text', _(
            'The %(length)d-digit code of your authenticator app.') % {
                'length': code_field.code_length()})
        super().__init__(recovery_codes=True, required=False, **kwargs)


def _wraps(error, cls):
    """True when openstack_auth's form error wraps our plugin's ``cls``."""
    return any(isinstance(e.message, cls) for e in error.error_list)


class Login(auth_forms.Login):
    """openstack_auth's ``Login`` plus the code field."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if CODE_FIELD in self.data or ASKED_FIELD in self.data:
            self.show_code_field()

    def show_code_field(self):
        """Add the code field right after the password field.

        The cursor goes to the password field: the user name is already
        filled in.
        """
        if CODE_FIELD in self.fields:
            return
        self.fields['username'].widget.attrs.pop('autofocus', None)
        self.fields['password'].widget.attrs['autofocus'] = 'autofocus'
        fields = list(self.fields.items())
        after = [name for name, _field in fields].index('password') + 1
        fields.insert(after, (CODE_FIELD, CodeField()))
        fields.append((ASKED_FIELD, forms.CharField(
            widget=forms.HiddenInput, required=False, initial='1')))
        self.fields = collections.OrderedDict(fields)

    @sensitive_variables()
    def set_up_at_login(self):
        """Keystone's pending secret with the password just typed.

        Raises SetUpAtLogin for the login view to show the set-up page, or
        a form error when Keystone gave no secret.
        """
        data = self.cleaned_data
        try:
            state = set_up.begin(
                data['username'], data['password'], data.get(
                    'domain', settings.OPENSTACK_KEYSTONE_DEFAULT_DOMAIN),
                data['region'])
        except os_totp.APIError as exc:
            raise forms.ValidationError('%s %s' % (
                errors.set_up_required(), exc.message)) from None
        raise errors.SetUpAtLogin(state)

    @sensitive_variables()
    def clean(self):
        if CODE_FIELD in self.errors:
            return self.cleaned_data
        code = self.cleaned_data.get(CODE_FIELD)
        typed = self.cleaned_data.get('password')
        if code and typed:
            self.cleaned_data['password'] = protocol.join(
                self.cleaned_data['password'], code)
        try:
            with notices.listening() as heard:
                cleaned = super().clean()
        except forms.ValidationError as error:
            if _wraps(error, errors.TOTPSetUpRequired):
                self.set_up_at_login()
            if not _wraps(error, errors.TOTPCodeRequired):
                raise
        else:
            notices.show(self.request, heard)
            return cleaned
        self.show_code_field()
        if code or protocol.ends_with_code(typed, code_field.code_length()):
            raise forms.ValidationError(errors.refused())
        self.warnings = self.error_class([errors.reminder()])
        self.add_error(ASKED_FIELD, errors.reminder())
        return self.cleaned_data
