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

"""What the current token request says beyond one auth method's payload.

Keystone hands each auth method only its own part of the request. The
``totp`` and ``password`` methods of this package must also know which other
methods the same request uses and which methods an auth receipt already
proved, so that a code never counts as the only proof of identity.
"""

import flask
from keystone.common import authorization
from keystone.common import provider_api
from keystone import exception

PROVIDERS = provider_api.ProviderAPIs


def _identity():
    body = flask.request.get_json(silent=True)
    try:
        identity = body['auth']['identity']
    except (KeyError, TypeError):
        return {}
    return identity if isinstance(identity, dict) else {}


def requested_methods():
    """The ``methods`` list of this token request (empty if malformed)."""
    methods = _identity().get('methods')
    return methods if isinstance(methods, list) else []


def totp_passcode():
    """The ``passcode`` of this request's ``totp`` method, if any."""
    try:
        return _identity()['totp']['user'].get('passcode')
    except (KeyError, TypeError, AttributeError):
        return None


def receipt_methods(user_id):
    """Methods proved by a valid auth receipt of ``user_id``, if one came."""
    receipt_id = flask.request.headers.get(authorization.AUTH_RECEIPT_HEADER)
    if not receipt_id:
        return []
    try:
        receipt = PROVIDERS.receipt_provider_api.validate_receipt(receipt_id)
    except exception.Error:
        return []
    return receipt.methods if receipt.user_id == user_id else []


def remote_addr():
    return flask.request.remote_addr
