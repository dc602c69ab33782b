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

"""Run the current Horizon release on 127.0.0.1 for the browser tests.

Horizon lives in its own virtualenv (``make test-e2e`` builds .venv-horizon
from tests/e2e/horizon-constraints.txt), because its Django stack is pinned
apart from Keystone's. It is configured the way an operator would do it: a
``local_settings.py`` (tests/e2e/horizon_local_settings.py, whose values come
from the environment) and, for the 2FA login page, this project's snippet in
``local_settings.d/``, with the Settings panel's file in
``local/enabled/``. Served by Django's ``runserver`` in one process.
"""

import os
import pathlib
import secrets
import shutil
import subprocess
import time
import urllib.error
import urllib.request

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent.parent
LOCAL_SETTINGS = HERE / 'horizon_local_settings.py'
SNIPPET = ROOT / 'etc' / 'horizon' / '_90_keystone_totp_concat.py'
# The Settings panel, installed as operators do, beside the snippet.
PANEL_ENABLED = ROOT / 'etc' / 'horizon' / (
    '_5090_keystone_totp_concat_two_factor.py')
START_TIMEOUT = 120


class Horizon:
    """One dashboard process talking to ``keystone_url``.

    Horizon reads ``local_settings.d/`` only when it starts, so instances with
    and without the snippet can run side by side once each has started.
    """

    def __init__(self, venv, workdir, port, keystone_url, extension=True):
        self.venv = pathlib.Path(venv).resolve()
        self.workdir = pathlib.Path(workdir)
        self.port = port
        self.keystone_url = keystone_url
        self.extension = extension
        self.url = 'http://127.0.0.1:%d' % port
        self.log_file = self.workdir / 'horizon.log'
        self.process = None

    def _dashboard_dir(self):
        out = subprocess.run(
            [str(self.venv / 'bin' / 'python'), '-c',
             'import openstack_dashboard, os; '
             'print(os.path.dirname(openstack_dashboard.__file__))'],
            check=True, capture_output=True, text=True)
        return pathlib.Path(out.stdout.strip())

    def _install_settings(self):
        local = self._dashboard_dir() / 'local'
        shutil.copyfile(LOCAL_SETTINGS, local / 'local_settings.py')
        snippet = local / 'local_settings.d' / SNIPPET.name
        panel = local / 'enabled' / PANEL_ENABLED.name
        if self.extension:
            shutil.copyfile(SNIPPET, snippet)
            shutil.copyfile(PANEL_ENABLED, panel)
        else:
            snippet.unlink(missing_ok=True)
            panel.unlink(missing_ok=True)

    def _env(self):
        env = {k: v for k, v in os.environ.items()
               if k not in ('PYTHONPATH', 'VIRTUAL_ENV', 'PYTHONHOME')}
        static_root = self.workdir / 'static'
        session_dir = self.workdir / 'sessions'
        static_root.mkdir(parents=True, exist_ok=True)
        session_dir.mkdir(parents=True, exist_ok=True)
        env.update(
            DJANGO_SETTINGS_MODULE='openstack_dashboard.settings',
            KTC_HORIZON_SECRET_KEY=secrets.token_urlsafe(32),
            KTC_KEYSTONE_URL=self.keystone_url,
            KTC_HORIZON_STATIC_ROOT=str(static_root),
            KTC_HORIZON_SESSION_DIR=str(session_dir),
            PYTHONWARNINGS='ignore',
        )
        return env

    def start(self):
        self.workdir.mkdir(parents=True, exist_ok=True)
        self._install_settings()
        with open(self.log_file, 'ab') as log:
            self.process = subprocess.Popen(
                [str(self.venv / 'bin' / 'django-admin'), 'runserver',
                 '--noreload', '--insecure', '--skip-checks',
                 '127.0.0.1:%d' % self.port],
                cwd=self.workdir, env=self._env(), stdout=log,
                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        self._wait_ready()

    def _wait_ready(self):
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError('Horizon exited; see %s' % self.log_file)
            try:
                with urllib.request.urlopen(self.url + '/auth/login/',
                                            timeout=30) as resp:
                    if resp.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.5)
        self.stop()
        raise RuntimeError('Horizon did not start; see %s' % self.log_file)

    def stop(self):
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None
