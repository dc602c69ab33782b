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

"""The set-up page of a required user past the grace period.

There is no session: the user has no token. The login form got Keystone's
set-up 401 with the password just typed, asked Keystone for a pending
secret with it (POST /v3/OS-TOTP/setup), and the login view shows this page
instead of the login form. What the page needs again on its own POST (the
login's user, Keystone's URL, the secret to show again after a wrong code)
travels in one hidden field signed with the dashboard's SECRET_KEY, as the
Settings panel's enrolment does; the pending secret itself is Keystone's.
The password is typed again and goes to Keystone only (POST
/v3/OS-TOTP/setup/device): never into the session, a cookie, a log or the
page.
"""

from django.core import signing
from django import forms
from django import shortcuts
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_variables
from openstack_auth import utils as auth_utils

from keystone_totp_concat.client import os_totp
from keystone_totp_concat.horizon import code_field
from keystone_totp_concat.horizon.panel import enrolment as enrolment_mod

STATE_FIELD = 'ktc_set_up'
CODE_FIELD = 'totp'
_SALT = 'keystone_totp_concat.horizon_login.set_up'
# Keystone's pending secret expires first ([totp_concat] enrolment_expiry).
_MAX_AGE = 3600
TEMPLATE = 'ktc_login/set_up.html'
DONE_TEMPLATE = 'ktc_login/set_up_done.html'


def identity_url(auth_url):
    url = auth_url.rstrip('/')
    return url if url.endswith('/v3') else url + '/v3'


def api(auth_url):
    """The OS-TOTP client without a token: these calls carry the password."""
    return os_totp.Client(auth_utils.get_session(),
                          endpoint_override=identity_url(auth_url))


def login_user(username, domain):
    """The password method's user object of a login by name."""
    return {'name': username, 'domain': {'name': domain}}


def pending(user, auth_url, enrolment):
    """The page's state: what it shows, and whom and where it sets up."""
    data = {key: enrolment.get(key) for key in enrolment_mod.KEYS}
    data.update(user=user, auth_url=auth_url)
    return data


def sign(state):
    return signing.dumps(state, salt=_SALT, compress=True)


def unsign(value):
    """The state of :func:`sign`, or None when forged, expired or missing."""
    try:
        data = signing.loads(value, salt=_SALT, max_age=_MAX_AGE)
    except (signing.BadSignature, TypeError, ValueError):
        return None
    if not isinstance(data, dict) or not all(
            data.get(key) for key in ('user', 'auth_url', 'secret',
                                      'otpauth_uri')):
        return None
    return data


@sensitive_variables()
def begin(username, password, domain, auth_url):
    """The page's state with Keystone's new pending secret."""
    user = login_user(username, domain)
    return pending(user, auth_url, api(auth_url).set_up(user, password))


class SetUpForm(forms.Form):
    """The password again and the first code of the new device."""

    ktc_set_up = forms.CharField(widget=forms.HiddenInput())
    password = forms.CharField(
        label=_('Password'), strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={
            'autocomplete': 'current-password'}))

    def __init__(self, *args, digits=None, **kwargs):
        super().__init__(*args, **kwargs)
        length = digits or code_field.code_length()
        self.fields[CODE_FIELD] = code_field.CodeField(
            length=length, label=_('Code'),
            help_text=_('The %(length)d-digit code that the app shows for '
                        'this account now.') % {'length': length})

    @sensitive_variables()
    def set_up(self, state):
        """Keystone's answer (device, recovery codes), or None and an error."""
        try:
            return api(state['auth_url']).set_up_device(
                state['user'], self.cleaned_data['password'],
                self.cleaned_data[CODE_FIELD])
        except os_totp.CodeNotAccepted:
            message = _('The code was not accepted, so nothing was stored: '
                        'the secret is still the same. Check that the app '
                        'has this account and that the clock of the device '
                        'is right, wait for the next code and type it.')
        except os_totp.Unauthorized:
            message = _('The password is wrong.')
        except (os_totp.NoPendingEnrolment, os_totp.AlreadyEnrolled,
                os_totp.NotRequired) as exc:
            message = _('This set-up is not valid any more (%s): log in '
                        'again.') % exc.message
        except os_totp.APIError as exc:
            message = _('Two Factor Authentication could not be set up: '
                        '%s') % exc.message
        self.add_error(None, message)
        return None


def no_store(response):
    response['Cache-Control'] = 'no-store'
    response['Pragma'] = 'no-cache'
    return response


def page(request, state, form=None):
    """The QR page (also after a wrong code or password: same secret)."""
    digits = enrolment_mod.digits(state)
    if form is None:
        form = SetUpForm(initial={STATE_FIELD: sign(state)}, digits=digits)
    context = enrolment_mod.page_context(state)
    context.update(form=form, login_url=reverse('login'),
                   submit_url=reverse('ktc_set_up'),
                   account=state.get('account') or state['user'].get('name'))
    return no_store(shortcuts.render(request, TEMPLATE, context))


def done(request, answer, state):
    codes = answer.get('recovery_codes')
    return no_store(shortcuts.render(request, DONE_TEMPLATE, {
        'recovery_codes': codes if isinstance(codes, list) else None,
        'code_length': enrolment_mod.digits(state),
        'login_url': reverse('login'),
    }))
