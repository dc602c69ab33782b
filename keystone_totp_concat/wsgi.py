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

"""WSGI entry point: Keystone's API plus this package's password-change guard.

Serve ``keystone_totp_concat.wsgi:application`` instead of
``keystone.wsgi.api:application`` (for uwsgi: ``module =
keystone_totp_concat.wsgi:application``). Everything else is Keystone's.
"""

from keystone.server import wsgi

from keystone_totp_concat.db import unavailable
from keystone_totp_concat import password_change
from keystone_totp_concat import request_guard
from keystone_totp_concat.server.api import routes

application = wsgi.initialize_public_application()
request_guard.install(application)
password_change.install(application)
routes.install(application)
unavailable.install(application)
