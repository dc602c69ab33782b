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

"""The grace period's banner after a password-only login.

Keystone says "set 2FA up before <time>" only in a header of its token
answer (``Openstack-Totp-Required-By``), and openstack_auth keeps no answer
headers: its backend receives keystoneauth's AccessInfo, built from the body.
The OS-TOTP API has no self-service read of the grace period either (the
compliance report is the admins'). So the password plugin reads the header
on its way through (:class:`HeaderRecorder`) and leaves it in a context
variable that the login form opened for this one login (:func:`listening`);
the form then shows the banner with the request it has.
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

_heard = contextvars.ContextVar('ktc_required_by', default=None)
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
    """Collect the required-by time of the logins inside the block."""
    heard = {}
    token = _heard.set(heard)
    try:
        yield heard
    finally:
        _heard.reset(token)


def record(required_by):
    """Called by the plugin; ignored outside :func:`listening`."""
    heard = _heard.get()
    if heard is not None and required_by:
        heard['required_by'] = required_by


def _when(value):
    try:
        parsed = dateparse.parse_datetime(value)
    except ValueError:
        parsed = None
    return formats.date_format(parsed, 'DATETIME_FORMAT') if parsed else value


def warn(request, required_by):
    """horizon.messages.warning: until when, and where to set 2FA up."""
    text = _('Two Factor Authentication is required for your account: set '
             'it up before %(when)s, or you will not be able to log in with '
             'your password alone.') % {'when': _when(required_by)}
    try:
        url = reverse(PANEL_URL)
    except NoReverseMatch:
        messages.warning(request, text)
        return
    messages.warning(request, format_html(
        '{} <a href="{}" id="ktc-grace-link">{}</a>', text, url,
        _('Settings → Two Factor Authentication')))
