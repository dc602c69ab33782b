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

"""One login's two factors: the code and the password, in a safe order.

A request may carry the code concatenated to the password, in the password
method's ``passcode`` key, or in a ``totp`` method beside ``password``
(``methods: ["password", "totp"]``). In every form the code is checked
before Keystone's password check, which runs only for a code that fits; a
right code is recorded as used by its check and given back if the password
or the rest of the request fails after all (see use_up). Once a user has
had too many failed codes, the password is verified first (without
counting in Keystone's lockout) and codes that come without it are neither
checked nor counted.
"""

import functools

import flask
from keystone.common import authorization
from keystone import exception

from keystone_totp_concat.core import recovery
from keystone_totp_concat.server import audit
from keystone_totp_concat.server.auth import password_probe
from keystone_totp_concat.server import code_use
from keystone_totp_concat.server import conf
from keystone_totp_concat.server import outcomes
from keystone_totp_concat.server import verify

CONF = conf.CONF
REFUSED = 'TOTP code missing, invalid, already used or throttled'
# Answer header of a login with a recovery code: how many codes are left.
LEFT_HEADER = 'Openstack-Totp-Recovery-Codes-Left'


class PasswordCheck:
    """The password of one request, checked by Keystone at most once.

    ``keystone_check`` runs Keystone's own password check (which counts a
    failure in its lockout and raises Unauthorized) and returns its answer.
    """

    def __init__(self, user_id, password, keystone_check):
        self.user_id = user_id
        self.password = password
        self._keystone_check = keystone_check
        self._result = None

    def probe(self):
        """Whether a wrong code counts as a guess of the password's holder.

        Where Keystone keeps the hash, whether the password is right,
        compared uncounted (see password_probe). Elsewhere only the identity
        backend can tell, and asking it counts in its own lockout: it is
        asked only with ``bind_to_check_wrong_codes``, otherwise the code
        counts as if the password were right.
        """
        matches = password_probe.matches(self.user_id, self.password)
        if matches is not None:
            return matches
        if not CONF.totp_concat.bind_to_check_wrong_codes:
            return True
        try:
            self._result = self._keystone_check()
        except exception.Unauthorized:
            return False
        return True

    def confirm(self):
        """Keystone's check and its answer; raises when it refuses."""
        if self._result is None:
            self._result = self._keystone_check()
        return self._result


def login(user_ref, enrolment, code, password, decision=outcomes.NOT_CHECKED):
    """Verify both factors and use the code up; Keystone's password answer.

    ``user_ref`` is the user Keystone resolved for the request (its
    ``UserAuthInfo.user_ref``). ``password`` is the request's PasswordCheck,
    or None when an auth receipt of the same user already proved the
    password. ``decision`` is login_check's answer for ``code``,
    when the code was checked with the credentials' read.
    """
    user_id = user_ref['id']
    probe = password.probe if password is not None else None
    if decision.outcome is outcomes.Outcome.NOT_CHECKED:
        decision = _check(user_id, enrolment, code, probe)
    if not decision.accepted:
        raise audit.refuse(user_id, REFUSED, user_ref['name'])
    try:
        answer = password.confirm() if password is not None else None
    except exception.Unauthorized:
        code_use.password_refused(decision)
        raise
    except Exception:
        code_use.release_use(decision)
        raise
    use_up(decision)
    if decision.outcome is outcomes.Outcome.RECOVERY:
        _tell_recovery_code_used(user_id)
    return answer


def _check(user_id, enrolment, code, probe):
    if recovery.is_recovery_code(code):
        return verify.check_recovery_code(user_id, code)
    return verify.check_code(user_id, enrolment, code, probe)


def use_up(decision):
    """Keep the code accepted for this request used, unless it fails.

    A TOTP code was recorded by its check, so that no concurrent request
    can use it too; a recovery code is recorded now. Either is given back
    when the request still fails later (a scope the user has no role on, a
    failed password change). An auth receipt is not a failure: the code
    proved its factor in it.
    """
    verified = decision.proof
    if decision.outcome is outcomes.Outcome.RECOVERY:
        if not code_use.use_recovery_code(verified):
            raise audit.refuse(verified.user_id, 'TOTP code already used')
    else:
        code_use.settle(verified)
    flask.after_this_request(functools.partial(_give_back_if_failed,
                                               decision))


def _tell_recovery_code_used(user_id):
    """Audit the use and tell the client how many codes are left."""
    left = audit.recovery_code_used(user_id)

    def add_headers(response):
        if response.status_code < 400:
            response.headers[LEFT_HEADER] = str(left)
            response.headers['Warning'] = (
                '299 keystone "%s"' % audit.recovery_message(left))
        return response
    flask.after_this_request(add_headers)


def _give_back_if_failed(decision, response):
    if (response.status_code >= 400
            and authorization.AUTH_RECEIPT_HEADER not in response.headers):
        code_use.release_use(decision)
    return response
