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

"""Horizon login with Two Factor Authentication, as a Django app.

Horizon logs in with the plain ``password`` method, so enrolled users can
already type their code directly after their password. This app adds the
second way the user guide promises: when Keystone answers "Additional
authentications steps required.", the login page says that 2FA is enabled
and shows a code field. After a login with a recovery code it says how
many are left (notices.py). When the operator requires 2FA of a user who
has none, it warns during the grace period (notices.py) and after it leads
from the login page to a set-up page (set_up.py, views.py). Enable it with the
settings snippet in ``etc/horizon/``.
"""
