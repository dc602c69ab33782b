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

"""What the user adds to the authenticator app: URI, QR code, grouped secret.

pyotp writes the ``otpauth://`` URI (Google Authenticator's Key Uri Format)
and segno draws it; this module only chooses how they are shown or saved.
"""

import io
import os
import pathlib

import pyotp
import segno

from keystone_totp_concat.cli import errors
from keystone_totp_concat.core import totp

QR_FILE_KINDS = {'.png': 'png', '.svg': 'svg'}


def provisioning_uri(secret, account, issuer):
    return pyotp.TOTP(
        secret, digits=totp.DEFAULT_DIGITS, interval=totp.STEP_SECONDS,
    ).provisioning_uri(name=account, issuer_name=issuer)


def grouped(secret, size=4):
    """The secret in groups of ``size`` for typing it in by hand."""
    return ' '.join(secret[i:i + size] for i in range(0, len(secret), size))


def qr_file_kind(path):
    """The segno kind for ``path``, checked before anything else happens."""
    kind = QR_FILE_KINDS.get(pathlib.Path(path).suffix.lower())
    if kind is None:
        raise errors.CLIError(
            '--qr-file must end in .png or .svg: %s' % path, errors.USAGE)
    return kind


def terminal(uri, out):
    """Draw the QR code with text blocks.

    Half blocks when the stream can encode them (half the height), else
    segno's ANSI colour cells.
    """
    qr = segno.make(uri, micro=False)
    buf = io.StringIO()
    qr.terminal(out=buf, compact=True)
    try:
        out.write(buf.getvalue())
    except UnicodeEncodeError:
        qr.terminal(out=out)
    out.flush()


def save(uri, path):
    """Write the QR code to ``path``, readable by the owner only.

    The image holds the secret.
    """
    kind = qr_file_kind(path)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, 'wb') as f:
            segno.make(uri, micro=False).save(f, kind=kind, scale=8)
    except OSError as exc:
        raise errors.CLIError('Cannot write %s: %s' % (
            path, exc.strerror or exc)) from exc
