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

"""Sphinx configuration of the keystone-totp-concat documentation.

make docs (and tox -e docs) builds it with warnings as errors. The
configuration and policy references are generated from the code by the
oslo.config and oslo.policy extensions, the release notes by reno's.
"""

import configparser
import os

extensions = [
    'openstackdocstheme',
    'oslo_config.sphinxext',
    'oslo_policy.sphinxext',
    'reno.sphinxext',
]

# openstackdocstheme: the repository is not on opendev.org, so no links to
# its sources or bug tracker there.
openstackdocs_repo_name = ''
openstackdocs_pdf_link = False
openstackdocs_auto_name = False
openstackdocs_auto_version = False
openstackdocs_use_storyboard = False

project = 'keystone-totp-concat'
copyright = 'keystone-totp-concat developers'
# The release, from setup.cfg (pbr builds it from there too).
_setup_cfg = configparser.ConfigParser()
_setup_cfg.read(os.path.join(os.path.dirname(__file__), '..', '..',
                             'setup.cfg'))
release = version = _setup_cfg['metadata']['version']

source_suffix = {'.rst': 'restructuredtext'}
master_doc = 'index'
exclude_patterns = []
pygments_style = 'native'
html_theme = 'openstackdocs'
html_static_path = []


# reno names the notes of a history without any tag 0.0.0, as git describe
# would; this repository tags no release (pbr takes the version from
# setup.cfg), so such notes are the unreleased ones, titled with the
# release they go into (:unreleased-version-title: in releasenotes.rst).
def _untagged_is_unreleased():
    from reno import scanner

    describe = scanner.Scanner._get_current_version

    def current_version(self, branch=None):
        version = describe(self, branch)
        return '0.0.0-0' if version == '0.0.0' else version

    scanner.Scanner._get_current_version = current_version


_untagged_is_unreleased()
