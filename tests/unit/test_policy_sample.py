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

"""The policy defaults in code: entry point, sample, names."""

from importlib import metadata
import pathlib
import subprocess
import sys

from keystone_totp_concat.server.api import policy as policies

ROOT = pathlib.Path(__file__).resolve().parents[2]
GENERATOR_CONF = ROOT / 'etc/oslo-policy-generator/keystone-totp-concat.conf'
SAMPLE = ROOT / 'etc/keystone-totp-concat.policy.yaml.sample'


def test_policy_sample_is_up_to_date(tmp_path):
    generated = tmp_path / 'policy.yaml'
    subprocess.run(
        [str(pathlib.Path(sys.executable).parent /
             'oslopolicy-sample-generator'),
         '--config-file', str(GENERATOR_CONF),
         '--output-file', str(generated)],
        check=True, cwd=ROOT,
    )
    assert generated.read_text() == SAMPLE.read_text(), (
        'run "make genpolicy" and commit '
        'etc/keystone-totp-concat.policy.yaml.sample')


def test_entry_point_lists_the_rules():
    (entry_point,) = metadata.entry_points(
        group='oslo.policy.policies', name='keystone_totp_concat')
    rules = entry_point.load()()
    assert {r.name for r in rules} == {
        policies.GET_STATUS, policies.BEGIN_ENROLMENT,
        policies.CANCEL_ENROLMENT, policies.CREATE_DEVICE,
        policies.DELETE_DEVICE, policies.DISABLE,
        policies.CREATE_RECOVERY_CODES, policies.DELETE_RECOVERY_CODES,
        policies.MANAGE_CREDENTIALS, policies.LIST_REQUIREMENTS,
        policies.SET_REQUIREMENT, policies.DELETE_REQUIREMENT,
        policies.GET_COMPLIANCE}
    assert all(r.name.startswith('identity:') for r in rules)
