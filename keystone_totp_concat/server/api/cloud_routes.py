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
"""The OS-TOTP routes outside a user's path: ``/v3/OS-TOTP/...``.

The operator's requirements and report (operator_routes.py) and the set-up
at login (setup_routes.py), registered with Keystone's application beside
the user's routes (routes.py), with the same error answers.
"""

import functools

from keystone.common import json_home
from keystone import exception
from keystone.server import flask as ks_flask

from keystone_totp_concat.server.api import operator_routes
from keystone_totp_concat.server.api import routes
from keystone_totp_concat.server.api import setup_routes
from keystone_totp_concat.server.guards import request_guard

PREFIX = '/OS-TOTP'
_rel = functools.partial(json_home.build_v3_extension_resource_relation,
                         extension_name='OS-TOTP', extension_version='1.0')


def _map(resource, url, rel, *path_vars):
    return ks_flask.construct_resource_map(
        resource=resource, url=PREFIX + url, resource_kwargs={}, rel=rel,
        resource_relation_func=_rel,
        path_vars={name: json_home.build_v3_parameter_relation(name)
                   for name in path_vars})


class TOTPCloudAPI(ks_flask.APIBase):
    _name = 'os-totp-cloud'
    _import_name = __name__
    resource_mapping = [
        _map(operator_routes.RequirementsResource, '/requirements',
             'totp_requirements'),
        _map(operator_routes.RequirementResource,
             '/requirements/<string:kind>/<string:target_id>',
             'totp_requirement', 'kind', 'target_id'),
        _map(operator_routes.ComplianceResource, '/compliance',
             'totp_compliance'),
        _map(setup_routes.SetupResource, '/setup', 'totp_setup'),
        _map(setup_routes.SetupDeviceResource, '/setup/device',
             'totp_setup_device'),
    ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.blueprint.register_error_handler(exception.Error,
                                              routes.render_error)


def install(app):
    request_guard.add_route(
        r'^/v3/OS-TOTP/setup(/device)?/?$', setup_routes.MEMBER,
        secrets=[('user', 'password'), ('passcode',)],
        check=functools.partial(request_guard.check_user_object,
                                key=setup_routes.MEMBER))
    TOTPCloudAPI.instantiate_and_register_to_app(app)
