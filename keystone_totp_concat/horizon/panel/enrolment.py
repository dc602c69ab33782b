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


"""A pending enrolment between the QR page and its confirmation.

The secret is shown once by Keystone (begin); a wrong code must show the same
secret again, and nothing of it is stored in Horizon. So the enrolment
travels with the confirm form in a hidden field, signed with the dashboard's
SECRET_KEY and bound to the user, never logged (the views declare the field
sensitive).
"""

from django.core import signing
from django.utils.translation import gettext_lazy as _
from horizon.utils import filters as horizon_filters
import segno

from keystone_totp_concat.horizon import code_field

FIELD = 'enrolment'
_SALT = 'keystone_totp_concat.horizon_panel.enrolment'
# A pending enrolment expires on the server anyway ([totp_concat]
# enrolment_expiry, 10 minutes by default); the signature only needs to
# outlive it.
_MAX_AGE = 86400
KEYS = ('secret', 'otpauth_uri', 'account', 'issuer', 'digits', 'period',
        'expires_at')


def sign(user_id, enrolment, adding):
    """The hidden field's value: what the confirm page shows again."""
    data = {key: enrolment.get(key) for key in KEYS}
    data.update(user_id=user_id, adding=bool(adding))
    return signing.dumps(data, salt=_SALT, compress=True)


def unsign(user_id, value):
    """The enrolment of :func:`sign` for this user, or None."""
    try:
        data = signing.loads(value, salt=_SALT, max_age=_MAX_AGE)
    except (signing.BadSignature, TypeError, ValueError):
        return None
    if not isinstance(data, dict) or data.get('user_id') != user_id or (
            not data.get('secret') or not data.get('otpauth_uri')):
        return None
    return data


def digits(enrolment):
    return enrolment.get('digits') or code_field.code_length()


def grouped(secret, size=4):
    """The key in groups of four, for typing it by hand."""
    return ' '.join(secret[i:i + size] for i in range(0, len(secret), size))


def qr_svg(uri):
    """The QR code of ``uri`` as inline SVG, drawn on the server.

    No image URL: the secret never leaves the page for another request.
    """
    return segno.make(uri, micro=False).svg_inline(
        scale=5, border=4, dark='#000', light='#fff',
        title=str(_('QR code for your authenticator app')),
        svgclass='ktc-qr', lineclass=None)


def page_context(enrolment):
    """What the QR page shows of an enrolment."""
    return {
        'adding': enrolment.get('adding'),
        'qr_svg': qr_svg(enrolment['otpauth_uri']),
        'key': grouped(enrolment['secret']),
        'account': enrolment.get('account'),
        'issuer': enrolment.get('issuer'),
        'digits': digits(enrolment),
        'period': enrolment.get('period') or 30,
        'expires_at': horizon_filters.parse_isotime(
            enrolment.get('expires_at')),
    }
