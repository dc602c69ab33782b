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

"""Entry point of ``keystone-totp``: options, dispatch, exit codes.

Errors end as one line on stderr and a documented exit code, never a
traceback (``--debug`` adds one for bug reports).
"""

import argparse
import functools
import logging
import sys
import traceback
import warnings

from keystone_totp_concat.cli import auth
from keystone_totp_concat.cli import enrol
from keystone_totp_concat.cli import errors
from keystone_totp_concat.cli import login
from keystone_totp_concat.cli import steps
from keystone_totp_concat.client import plugin

PROG = 'keystone-totp'

EPILOG = """\
Authentication uses the standard OpenStack options and environment
(--os-cloud and clouds.yaml, OS_* variables, --os-auth-type ...), as the
openstack CLI does; they go before the command. Once 2FA is on, type the
code directly after the password, or use --os-auth-type v3passwordtotp.

exit codes:
  0  success
  1  other error (not allowed, no such user, Keystone error, cancelled)
  2  usage or configuration error (bad option, missing auth options)
  3  authentication failed (password or code wrong, account locked)
  4  Keystone unreachable
  5  nothing to do: 2FA already on (enable) or already off (disable)
  6  no valid code typed: nothing was stored or removed
  130 interrupted
"""


class _Parser(argparse.ArgumentParser):
    """argparse, with usage errors reported like every other error."""

    def error(self, message):
        raise errors.CLIError('%s (see %s --help)' % (message, self.prog),
                              errors.USAGE)


def _build_parser(config, argv):
    """The parser, and the dests of the options openstacksdk added."""
    os_parser = argparse.ArgumentParser(add_help=False)
    auth.register_arguments(config, os_parser, argv)
    os_dests = set(vars(os_parser.parse_known_args([])[0]))

    parser = _Parser(
        prog=PROG, parents=[os_parser], epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description='Turn Two Factor Authentication (TOTP code after the '
                    'password) on or off for an OpenStack user.')
    parser.add_argument('--debug', action='store_true',
                        help='show a traceback with errors')

    fmt = argparse.ArgumentParser(add_help=False)
    fmt.add_argument('-f', '--format', choices=('text', 'json'),
                     default='text', help='output format (default: text)')
    target = argparse.ArgumentParser(add_help=False)
    target.add_argument(
        '--user', metavar='NAME_OR_ID',
        help='act on this user instead of yourself (needs the admin role)')
    target.add_argument('--user-domain', metavar='NAME_OR_ID',
                        help='domain of --user, when the name is ambiguous')

    proof = argparse.ArgumentParser(add_help=False)
    proof.add_argument('--current-code', metavar='CODE',
                       help='a current code of a device you already have, '
                            'when Keystone asks for one')

    sub = parser.add_subparsers(dest='command', metavar='COMMAND',
                                required=True, parser_class=_Parser)
    enable = sub.add_parser(
        'enable', parents=[fmt, target, proof],
        help='show a new secret as a QR code; Keystone stores it once a '
             'code of it was typed')
    enable.add_argument('--add-device', action='store_true',
                        help='enrol one more device when 2FA is already on')
    enable.add_argument('--label', metavar='TEXT',
                        help='name of the device, shown by status')
    enable.add_argument('--issuer',
                        help='issuer shown by the app (default: '
                             '$%s, else the cloud\'s setting)'
                             % steps.ISSUER_ENV)
    enable.add_argument('--qr-file', metavar='PATH',
                        help='also write the QR code to a .png or .svg file')
    enable.add_argument('--no-confirm', action='store_true',
                        help='only begin: print the secret and URI (for '
                             'scripts, with -f json) and exit; confirm '
                             'later with --code')
    enable.add_argument('--code', metavar='CODE',
                        help='confirm the pending enrolment with this code '
                             'of the new device, no prompt')
    enable.set_defaults(func=enrol.enable)

    status = sub.add_parser('status', parents=[fmt, target],
                            help='whether 2FA is on, and the devices')
    status.set_defaults(func=enrol.status)

    disable = sub.add_parser('disable', parents=[fmt, target, proof],
                             help='remove the TOTP device(s): 2FA off')
    disable.add_argument('-y', '--yes', action='store_true',
                         help='do not ask for confirmation')
    disable.add_argument('--device', metavar='ID',
                         help='remove only this device (see status)')
    disable.set_defaults(func=enrol.disable)

    codes = sub.add_parser(
        'recovery-codes', parents=[fmt, target, proof],
        help='make new recovery codes (shown once; the old ones stop '
             'working), or revoke them')
    codes.add_argument('--revoke', action='store_true',
                       help='delete the recovery codes instead')
    codes.set_defaults(func=enrol.recovery_codes)

    login_cmd = sub.add_parser(
        'login', parents=[fmt],
        help='authenticate once and print shell exports of the token, for '
             'eval "$(keystone-totp login)"')
    login_cmd.set_defaults(func=login.login)
    return parser, os_dests


def _run(argv):
    config = auth.make_config()
    parser, os_dests = _build_parser(config, argv)
    args = parser.parse_args(argv)
    # Only the --os-* options reach openstacksdk: it would read any other
    # attribute of the namespace (--user, --code ...) as cloud config.
    os_args = argparse.Namespace(
        **{k: v for k, v in vars(args).items() if k in os_dests})
    return args.func(args, functools.partial(auth.Connection, config, os_args))


def _show_login_warnings():
    """Keystone's warnings after a login, on stderr even without --debug."""
    if plugin.LOG.handlers:
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter('Warning: %(message)s'))
    plugin.LOG.addHandler(handler)
    plugin.LOG.setLevel(logging.WARNING)
    plugin.LOG.propagate = False


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = '--debug' in argv
    # keystoneauth and openstacksdk log warnings (version discovery ...)
    # and Python warnings that would break the one-line error rule; --debug
    # shows them.
    logging.basicConfig(level=logging.WARNING if debug else logging.CRITICAL,
                        format='%(name)s: %(message)s')
    if not debug:
        warnings.simplefilter('ignore')
    _show_login_warnings()
    try:
        return _run(argv)
    except errors.CLIError as exc:
        caught, failure = exc, exc
    except KeyboardInterrupt as exc:
        print(file=sys.stderr)
        caught = exc
        failure = errors.CLIError('interrupted', errors.INTERRUPTED)
    except Exception as exc:
        caught = exc
        failure = errors.CLIError('unexpected %s: %s' % (
            type(exc).__name__, auth.one_line(exc)))
    if debug:
        traceback.print_exception(caught)
    print('%s: error: %s' % (PROG, failure.message), file=sys.stderr)
    return failure.exit_code
