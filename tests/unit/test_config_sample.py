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

"""The shipped configuration samples match the code's options."""

import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
GENERATOR_CONF = ROOT / 'etc/oslo-config-generator/keystone-totp-concat.conf'
SAMPLE = ROOT / 'etc/keystone-totp-concat.conf.sample'


def test_config_sample_is_up_to_date(tmp_path):
    generated = tmp_path / 'sample.conf'
    subprocess.run(
        [str(pathlib.Path(sys.executable).parent / 'oslo-config-generator'),
         '--config-file', str(GENERATOR_CONF),
         '--output-file', str(generated)],
        check=True, cwd=ROOT,
    )
    assert generated.read_text() == SAMPLE.read_text(), (
        'run "make genconfig" and commit etc/keystone-totp-concat.conf.sample')
