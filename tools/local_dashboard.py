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

"""Horizon with the 2FA login extension and Settings panel, on 127.0.0.1.

Used by ``make run-dashboard``, in a second shell while ``make run`` serves
Keystone. The server is the browser tests' (tests/e2e/horizon.py), so the
dashboard people try is the one the tests drive; tests/e2e/
test_run_dashboard.py follows the printed steps through start().
"""

import argparse
import pathlib
import signal
import sys
import urllib.request

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.e2e import horizon as horizon_mod  # noqa: E402

KEYSTONE_URL = 'http://127.0.0.1:5000/v3'

HELP = """
Horizon with the Two Factor Authentication extension is running on
{url}/ (Keystone: {keystone_url}; log: {log}). Ctrl-C stops it.

The user guide's web flow, as demo:

  1. Open {url}/ and log in as demo / {demo_password}.
  2. User menu (top right) -> Settings -> Two Factor Authentication.
  3. Enable Two Factor Authentication: scan the QR code with an
     authenticator app, type the 6-digit code it shows, Validate: 2FA is on.
  4. Sign Out, and log in again with the code typed directly after the
     password ({demo_password}123456 for code 123456), or in the code
     field the login page shows.
"""


def keystone_answers(url):
    try:
        with urllib.request.urlopen(url, timeout=5) as resp:
            return resp.status == 200
    except OSError:
        return False


def start(venv, workdir, port, keystone_url):
    """Start the dashboard on 127.0.0.1:``port``; returns the server."""
    server = horizon_mod.Horizon(venv, workdir, port, keystone_url,
                                 extension=True)
    server.start()
    return server


def walkthrough(server, demo_password):
    return HELP.format(url=server.url, keystone_url=server.keystone_url,
                       log=server.log_file, demo_password=demo_password)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--venv', default=str(ROOT / '.venv-horizon'))
    parser.add_argument('--workdir', default='.run/horizon')
    parser.add_argument('--port', type=int, default=8000)
    parser.add_argument('--keystone-url', default=KEYSTONE_URL)
    parser.add_argument('--demo-password', default='demo-secret')
    args = parser.parse_args()

    if not keystone_answers(args.keystone_url):
        sys.exit('No Keystone answers on %s: start `make run` in another '
                 'shell first.' % args.keystone_url)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    server = start(args.venv, args.workdir, args.port, args.keystone_url)
    try:
        print(walkthrough(server, args.demo_password))
        sys.stdout.flush()
        server.process.wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()


if __name__ == '__main__':
    main()
