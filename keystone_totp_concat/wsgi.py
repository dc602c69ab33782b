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

"""WSGI entry point: Keystone's API with this package's server parts.

Serve ``keystone_totp_concat.wsgi:application`` instead of
``keystone.wsgi.api:application`` (for uwsgi: ``module =
keystone_totp_concat.wsgi:application``). The one place that wires the
server together: the request guard first (hostile bodies never reach a
route), the password-change check, the OS-TOTP API with the guard of
``totp`` credentials, the recovery codes' watch on credentials created or
deleted outside the API, and the 503 for a database that cannot answer.
Everything else is Keystone's.
"""

from keystone.server import wsgi

from keystone_totp_concat.db import unavailable
from keystone_totp_concat.server.api import cloud_routes
from keystone_totp_concat.server.api import routes
from keystone_totp_concat.server.auth import password_change
from keystone_totp_concat.server.guards import device_events
from keystone_totp_concat.server.guards import request_guard

application = wsgi.initialize_public_application()
request_guard.install(application)
password_change.install(application)
routes.install(application)
cloud_routes.install(application)
device_events.install(application)
unavailable.install(application)
