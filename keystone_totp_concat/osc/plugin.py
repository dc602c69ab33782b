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

"""The hooks python-openstackclient looks for in a plugin module.

``openstack.cli.extension`` names this module; the commands are the
``openstack.two_factor.v1`` entry points. Loaded at every ``openstack``
start, so it imports only what the option parser needs.
"""

from osc_lib import utils

DEFAULT_API_VERSION = '1'
API_VERSION_OPTION = 'os_two_factor_api_version'
API_NAME = 'two_factor'
API_VERSIONS = ('1',)


def make_client(instance):
    """The OS-TOTP client on the command's session, catalog and region.

    ``--os-identity-endpoint-override`` (or clouds.yaml's
    ``identity_endpoint_override``), when given, is Keystone's v3 URL.
    """
    from keystone_totp_concat.client import os_totp
    override = instance.get_configuration().get('identity_endpoint_override')
    return os_totp.Client(instance.session, interface=instance.interface,
                          region_name=instance.region_name,
                          endpoint_override=override)


def build_option_parser(parser):
    parser.add_argument(
        '--os-two-factor-api-version', metavar='<two-factor-api-version>',
        default=utils.env('OS_TWO_FACTOR_API_VERSION',
                          default=DEFAULT_API_VERSION),
        help='Two Factor Authentication (OS-TOTP) API version, default=%s '
             '(Env: OS_TWO_FACTOR_API_VERSION)' % DEFAULT_API_VERSION)
    return parser
