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


"""The panel's forms: codes, device names, the enrolment being confirmed."""

from django.core import signing
from django import forms
from django.utils.translation import gettext_lazy as _

from keystone_totp_concat.client import protocol
from keystone_totp_concat.horizon.panel import api

CODE_FIELD = 'code'
LABEL_MAX = 255
# Salt of the signed enrolment carried by the confirm form.
_ENROLMENT_SALT = 'keystone_totp_concat.horizon_panel.enrolment'
# A pending enrolment expires on the server anyway ([totp_concat]
# enrolment_expiry, 10 minutes by default); the signature only needs to
# outlive it.
_ENROLMENT_MAX_AGE = 86400


class _CodeInput(forms.TextInput):
    """A text box that never echoes a code back into the page."""

    def format_value(self, value):
        return None


class CodeField(forms.CharField):
    """A code of the authenticator app: ``length`` digits, spaces allowed."""

    def __init__(self, length=None, **kwargs):
        self.length = length or api.code_length()
        kwargs.setdefault('label', _('Code'))
        kwargs.setdefault('widget', _CodeInput(attrs={
            'autocomplete': 'one-time-code', 'inputmode': 'numeric',
            'pattern': '[0-9 ]*', 'maxlength': str(self.length + 4),
            'autofocus': 'autofocus', 'spellcheck': 'false'}))
        super().__init__(**kwargs)

    def to_python(self, value):
        return protocol.clean_code(super().to_python(value)) or ''

    def validate(self, value):
        super().validate(value)
        if value and not protocol.is_code(value, self.length):
            raise forms.ValidationError(
                _('Enter the %(length)d digits of the code.'),
                code='invalid', params={'length': self.length})


def current_code_field():
    length = api.code_length()
    return CodeField(
        length=length, label=_('Current code'),
        help_text=_('The %(length)d-digit code that one of your devices '
                    'shows now. Wait for a new code if you have just used '
                    'this one.') % {'length': length})


class EmptyForm(forms.Form):
    """A confirmation button and nothing else."""


class ActionForm(forms.Form):
    """A confirmation, with the current code once Keystone asks for it.

    Keystone wants a proof of the second factor when users change their own
    2FA: a current code, unless the dashboard session began with a
    password+code login a few minutes ago. The form first goes without; if
    Keystone says a code is needed, the field appears.
    """

    def __init__(self, *args, needs_code=False, **kwargs):
        super().__init__(*args, **kwargs)
        if needs_code or CODE_FIELD in self.data:
            self.add_code_field()

    def add_code_field(self):
        if CODE_FIELD not in self.fields:
            self.fields[CODE_FIELD] = current_code_field()

    @property
    def code(self):
        return (getattr(self, 'cleaned_data', None) or {}).get(CODE_FIELD)


def _label_field():
    return forms.CharField(
        label=_('Device name'), required=False, max_length=LABEL_MAX,
        help_text=_('Optional: a name to tell your devices apart, such as '
                    '"phone".'),
        widget=forms.TextInput(attrs={'autocomplete': 'off'}))


def sign_enrolment(user_id, enrolment):
    """What the confirm page needs to show the same secret again."""
    return signing.dumps({
        'user_id': user_id,
        'secret': enrolment['secret'],
        'otpauth_uri': enrolment['otpauth_uri'],
        'account': enrolment.get('account'),
        'issuer': enrolment.get('issuer'),
        'digits': enrolment.get('digits'),
        'period': enrolment.get('period'),
        'expires_at': enrolment.get('expires_at'),
    }, salt=_ENROLMENT_SALT, compress=True)


def unsign_enrolment(user_id, value):
    """The enrolment of :func:`sign_enrolment`, or None."""
    try:
        data = signing.loads(value, salt=_ENROLMENT_SALT,
                             max_age=_ENROLMENT_MAX_AGE)
    except (signing.BadSignature, TypeError, ValueError):
        return None
    if not isinstance(data, dict) or data.get('user_id') != user_id:
        return None
    return data


class ConfirmForm(forms.Form):
    """"Validate and set the OTP secret": the new device's first code."""

    enrolment = forms.CharField(widget=forms.HiddenInput())

    def __init__(self, *args, digits=None, **kwargs):
        super().__init__(*args, **kwargs)
        length = digits or api.code_length()
        self.fields[CODE_FIELD] = CodeField(
            length=length, label=_('Code'),
            help_text=_('The %(length)d-digit code that the app shows for '
                        'this account now.') % {'length': length})
        self.fields['label'] = _label_field()
