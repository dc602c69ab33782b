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

"""Exit codes and the one error type the commands raise.

Scripts branch on the exit code, people read the one-line message; both are
decided where the failure is understood, and main() only prints them.
"""

OK = 0
ERROR = 1
USAGE = 2
AUTH_FAILED = 3
UNREACHABLE = 4
STATE = 5
CODE_INVALID = 6
INTERRUPTED = 130


class CLIError(Exception):
    """A failure to report as one line on stderr with ``exit_code``.

    The message must never hold a password, a code or a TOTP secret.
    """

    def __init__(self, message, exit_code=ERROR):
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code


class SetUpRequired(CLIError):
    """The login's 401 for a user who must set 2FA up first.

    ``auth`` holds the login's options (the password among them) and
    ``session`` the login's keystoneauth1 session (its TLS settings), which
    ``keystone-totp enable`` uses to set 2FA up without a token; neither is
    ever printed.
    """

    def __init__(self, message, auth, session):
        super().__init__(message, AUTH_FAILED)
        self.auth = auth
        self.session = session
