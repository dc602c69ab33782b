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

"""Fixtures of the browser tests: Horizon on the suite's Keystone, Chromium.

These tests need Horizon's own virtualenv and Debian's Chromium, which
``make test-e2e`` provides (it sets KTC_E2E=1); a plain ``make test`` skips
them.
"""

import os
import pathlib
import shutil

import pytest

from tests.e2e import browser as browser_mod
from tests.e2e import horizon as horizon_mod

import local_keystone  # tools/, put on sys.path by tests/conftest.py

ENABLED = os.environ.get('KTC_E2E') == '1'
VENV = pathlib.Path(os.environ.get(
    'KTC_HORIZON_VENV', horizon_mod.ROOT / '.venv-horizon'))


def pytest_collection_modifyitems(config, items):
    if ENABLED:
        return
    skip = pytest.mark.skip(
        reason='needs Horizon\'s virtualenv and Chromium: run `make test-e2e`')
    here = pathlib.Path(__file__).parent
    for item in items:
        if here in pathlib.Path(item.fspath).parents:
            item.add_marker(skip)


def _horizon(keystone, tmp_path_factory, extension):
    """A started Horizon; its log is copied to output_dir when it stops."""
    if not (VENV / 'bin' / 'django-admin').exists():
        pytest.fail('no Horizon virtualenv at %s: run `make test-e2e`' % VENV)
    server = horizon_mod.Horizon(
        VENV, tmp_path_factory.mktemp('horizon'), local_keystone.free_port(),
        keystone.url, extension=extension)
    server.start()
    return server


@pytest.fixture(scope='session')
def horizon(keystone, tmp_path_factory, output_dir):
    """Horizon with this project's login extension (etc/horizon/ snippet)."""
    server = _horizon(keystone, tmp_path_factory, extension=True)
    yield server
    server.stop()
    shutil.copyfile(server.log_file, output_dir / 'horizon.log')


@pytest.fixture(scope='session')
def stock_horizon(keystone, tmp_path_factory, output_dir, horizon):
    """Horizon exactly as released, on the same Keystone.

    Started after ``horizon`` because both share one local_settings.d/.
    """
    server = _horizon(keystone, tmp_path_factory, extension=False)
    yield server
    server.stop()
    shutil.copyfile(server.log_file, output_dir / 'horizon-stock.log')


@pytest.fixture
def chromium(tmp_path):
    driver = browser_mod.start_chromium(tmp_path / 'chromium-profile')
    yield driver
    driver.quit()


@pytest.fixture
def dashboard(chromium, horizon):
    return browser_mod.Dashboard(chromium, horizon.url)


@pytest.fixture
def stock_dashboard(chromium, stock_horizon):
    return browser_mod.Dashboard(chromium, stock_horizon.url)
