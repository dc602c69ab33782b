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

"""The code field shared by the login page and the panel (code_field.py).

Plain Django form tests: no API is involved.
"""

from django import forms
from django import test

from keystone_totp_concat.horizon import code_field
from keystone_totp_concat.horizon.login import forms as login_forms
from keystone_totp_concat.horizon.panel import forms as panel_forms


class _PanelForm(forms.Form):
    code = code_field.CodeField(length=6)


class _LoginForm(forms.Form):
    totp = login_forms.CodeField()


class CodeFieldTests(test.SimpleTestCase):

    def test_spaces_are_dropped_and_the_length_checked(self):
        form = _PanelForm({'code': '123 456'})
        self.assertTrue(form.is_valid())
        self.assertEqual(form.cleaned_data['code'], '123456')
        form = _PanelForm({'code': '12345'})
        self.assertFalse(form.is_valid())
        self.assertIn('Enter the 6 digits of the code.',
                      form.errors['code'])

    def test_the_panel_takes_no_recovery_code(self):
        self.assertFalse(_PanelForm({'code': 'abcd-efgh-jkmn'}).is_valid())

    def test_the_login_takes_a_recovery_code_in_any_case(self):
        form = _LoginForm({'totp': 'ABCD-EFGH-JKMN'})
        self.assertTrue(form.is_valid())
        self.assertEqual(form.cleaned_data['totp'], 'abcd-efgh-jkmn')
        self.assertFalse(_LoginForm({'totp': '12ab56'}).is_valid())

    def test_a_code_is_never_echoed_into_the_page(self):
        for form in (_PanelForm({'code': '123456'}),
                     _LoginForm({'totp': '123456'})):
            html = str(form)
            self.assertNotIn('123456', html)
            self.assertIn('autocomplete="one-time-code"', html)
            self.assertIn('inputmode="numeric"', html)

    def test_login_and_panel_share_the_widget(self):
        self.assertIsInstance(_LoginForm().fields['totp'].widget,
                              code_field.CodeInput)
        self.assertIsInstance(panel_forms.current_code_field().widget,
                              code_field.CodeInput)
