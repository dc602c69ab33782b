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

"""What ``keystone-totp enable`` shows and saves: URI, QR image, grouping."""

import stat

import pyotp
import pytest

from keystone_totp_concat.cli import errors
from keystone_totp_concat.cli import qr

SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP'


def test_uri_names_account_issuer_and_secret():
    uri = qr.provisioning_uri(SECRET, 'alice@Default', 'My Cloud')

    assert uri.startswith('otpauth://totp/')
    parsed = pyotp.parse_uri(uri)
    assert parsed.secret == SECRET
    assert parsed.name == 'alice@Default'
    assert parsed.issuer == 'My Cloud'
    assert (parsed.digits, parsed.interval) == (6, 30)


def test_secret_is_grouped_by_four():
    assert qr.grouped(SECRET) == 'JBSW Y3DP EHPK 3PXP JBSW Y3DP EHPK 3PXP'
    assert qr.grouped('ABCDEF') == 'ABCD EF'


@pytest.mark.parametrize('name,kind', [('a.png', 'png'), ('b.SVG', 'svg')])
def test_qr_file_kind_from_suffix(name, kind):
    assert qr.qr_file_kind(name) == kind


def test_other_suffix_is_a_usage_error():
    with pytest.raises(errors.CLIError) as exc:
        qr.qr_file_kind('code.jpg')
    assert exc.value.exit_code == errors.USAGE


@pytest.mark.parametrize('name,magic', [('qr.png', b'\x89PNG'),
                                        ('qr.svg', b'<?xml')])
def test_saved_qr_is_private_to_its_owner(tmp_path, name, magic):
    path = tmp_path / name

    qr.save(qr.provisioning_uri(SECRET, 'alice@Default', 'X'), str(path))

    assert path.read_bytes().startswith(magic)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_unwritable_qr_file_is_a_one_line_error(tmp_path):
    target = tmp_path / 'missing-dir' / 'qr.png'
    with pytest.raises(errors.CLIError) as exc:
        qr.save('otpauth://totp/x?secret=' + SECRET, str(target))
    assert 'Cannot write' in exc.value.message
    assert SECRET not in exc.value.message
