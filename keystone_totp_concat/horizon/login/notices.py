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

"""What Keystone's token answer tells the user, shown after the login.

Two things, each only in a header of the token answer: "set 2FA up before
<time>" in a grace period of required 2FA (``Openstack-Totp-Required-By``),
and "a recovery code was used; N left" (``Openstack-Totp-Recovery-Codes-
Left``). openstack_auth keeps no answer headers: its backend receives
keystoneauth's AccessInfo, built from the body. So the password plugin reads
them on their way through (:class:`HeaderRecorder`) and leaves them in a
context variable that the login form opened for this one login
(:func:`listening`); the form then shows the banners with the request it
has (:func:`show`).
"""

import contextlib
import contextvars

from django.urls import NoReverseMatch
from django.urls import reverse
from django.utils import dateparse
from django.utils import formats
from django.utils.html import format_html
from django.utils.translation import gettext as _
from horizon import messages

from keystone_totp_concat.client import protocol

_heard = contextvars.ContextVar('ktc_login_notices', default=None)
PANEL_URL = 'horizon:settings:two_factor:index'


class HeaderRecorder:
    """A keystoneauth session that remembers the headers of its last POST.

    Only the token request is posted through it (the password plugin's
    get_auth_ref); everything else is the wrapped session's.
    """

    def __init__(self, session):
        self._session = session
        self.headers = {}

    def post(self, *args, **kwargs):
        resp = self._session.post(*args, **kwargs)
        self.headers = resp.headers
        return resp

    def __getattr__(self, name):
        return getattr(self._session, name)


@contextlib.contextmanager
def listening():
    """Collect what the token answers inside the block tell the user."""
    heard = {}
    token = _heard.set(heard)
    try:
        yield heard
    finally:
        _heard.reset(token)


def record(headers):
    """Called by the plugin with the token answer's headers.

    Ignored outside :func:`listening`.
    """
    heard = _heard.get()
    if heard is None:
        return
    required_by = headers.get(protocol.REQUIRED_BY_HEADER)
    if required_by:
        heard['required_by'] = required_by
    left = headers.get(protocol.RECOVERY_CODES_LEFT_HEADER)
    if left is not None and left.isascii() and left.isdigit():
        heard['recovery_codes_left'] = int(left)


def show(request, heard):
    """The banners of one login's answer (:func:`listening`'s dict)."""
    if heard.get('required_by'):
        warn_required_by(request, heard['required_by'])
    if 'recovery_codes_left' in heard:
        warn_recovery_code_used(request, heard['recovery_codes_left'])


def _when(value):
    try:
        parsed = dateparse.parse_datetime(value)
    except ValueError:
        parsed = None
    return formats.date_format(parsed, 'DATETIME_FORMAT') if parsed else value


def _with_panel_link(request, text, link_id):
    """horizon.messages.warning, linking to the Settings panel if there."""
    try:
        url = reverse(PANEL_URL)
    except NoReverseMatch:
        messages.warning(request, text)
        return
    messages.warning(request, format_html(
        '{} <a href="{}" id="{}">{}</a>', text, url, link_id,
        _('Settings → Two Factor Authentication')))


def warn_required_by(request, required_by):
    """Until when 2FA may wait, and where to set it up."""
    _with_panel_link(request, _(
        'Two Factor Authentication is required for your account: set it up '
        'before %(when)s, or you will not be able to log in with your '
        'password alone.') % {'when': _when(required_by)}, 'ktc-grace-link')


def warn_recovery_code_used(request, left):
    """A recovery code was used: how many are left, what to do now."""
    _with_panel_link(request, _(
        'You logged in with a recovery code; %(left)d left, each works '
        'once. Set up a new device and make new recovery codes.') % {
            'left': left}, 'ktc-recovery-link')
