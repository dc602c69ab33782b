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

"""One request's TOTP check, shared by the ``password`` and ``totp`` methods.

A request may carry the code concatenated to the password, in the password
method's ``passcode`` key, or in a ``totp`` method beside ``password``
(``methods: ["password", "totp"]``). In every form the code is checked
before any password hash is computed, and its use is recorded only once
both factors held, so that it "produced a token".
"""

from keystone_totp_concat import audit
from keystone_totp_concat import auth_request
from keystone_totp_concat import credentials
from keystone_totp_concat import verify

REFUSED = 'TOTP code missing, invalid, already used or throttled'


class SecondFactor:
    """The code check of one user in one request.

    ``paired`` is true when the request carries both the ``password`` and
    the ``totp`` method: then whichever runs first checks the code and the
    other records its use after its own check.
    """

    def __init__(self, user_id, paired):
        self.user_id = user_id
        self.paired = paired
        self.prior = auth_request.take_pending_code(user_id) if paired else None
        self.verified = self.prior

    def check(self, code, enrolment=None):
        """Verify ``code`` unless the other method of the request did."""
        if self.verified is None:
            enrolment = enrolment or credentials.load_enrolment(self.user_id)
            self.verified = verify.check_code(self.user_id, enrolment, code,
                                              record=False)
        if self.verified is None:
            raise audit.refuse(self.user_id, REFUSED)

    def complete(self):
        """Record the use, or leave that to the method that runs next."""
        if self.paired and self.prior is None:
            auth_request.leave_pending_code(self.verified)
        elif not verify.record_use(self.verified):
            raise audit.refuse(self.user_id, 'TOTP code already used')
