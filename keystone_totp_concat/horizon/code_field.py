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

"""The code field of the login page and of the Settings panel.

One widget and one field, so that both pages offer the same input to the
browser and to password managers (``autocomplete="one-time-code"``) and
clean a typed code the same way. Django only: the login extension runs
without Horizon's dashboards.
"""

from django.conf import settings
from django import forms
from django.utils.translation import gettext_lazy as _

from keystone_totp_concat.client import protocol
from keystone_totp_concat.core import recovery


def code_length():
    """Digits of the cloud's codes (KEYSTONE_TOTP_CODE_LENGTH, 6 to 8)."""
    return protocol.code_length(
        getattr(settings, 'KEYSTONE_TOTP_CODE_LENGTH', None))


class CodeInput(forms.TextInput):
    """A text box for a code that never echoes the code back into a page.

    A code re-shown after a failed submit is a used or wrong one, and the
    page would hold it in its HTML.
    """

    def __init__(self, attrs=None):
        base = {'autocomplete': 'one-time-code', 'inputmode': 'numeric',
                'autocapitalize': 'off', 'spellcheck': 'false'}
        base.update(attrs or {})
        super().__init__(base)

    def format_value(self, value):
        return None


class CodeField(forms.CharField):
    """A code of the authenticator app, spaces dropped.

    ``length`` digits (any number of digits when None: Keystone decides);
    with ``recovery_codes``, a recovery code (``xxxx-xxxx-xxxx``, any case)
    is taken too and lowercased.
    """

    def __init__(self, length=None, recovery_codes=False, **kwargs):
        self.length = length
        self.recovery_codes = recovery_codes
        attrs = {}
        if length and not recovery_codes:
            attrs = {'pattern': '[0-9 ]*', 'maxlength': str(length + 4)}
        kwargs.setdefault('label', _('Code'))
        kwargs.setdefault('widget', CodeInput(attrs))
        super().__init__(**kwargs)

    def to_python(self, value):
        code = protocol.clean_code(super().to_python(value)) or ''
        if self.recovery_codes and recovery.is_recovery_code(code.lower()):
            return code.lower()
        return code

    def validate(self, value):
        super().validate(value)
        if not value or (self.recovery_codes
                         and recovery.is_recovery_code(value)):
            return
        if self.length is None:
            if not (value.isascii() and value.isdigit()):
                raise forms.ValidationError(
                    _('Enter the digits of the code only. A recovery code '
                      'has the form xxxx-xxxx-xxxx.'), code='invalid')
        elif not protocol.is_code(value, self.length):
            raise forms.ValidationError(
                _('Enter the %(length)d digits of the code.'),
                code='invalid', params={'length': self.length})
