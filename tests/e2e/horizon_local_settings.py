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

"""Horizon's local_settings.py for the browser tests.

Copied into the test Horizon as ``openstack_dashboard/local/local_settings.py``
by tests/e2e/horizon.py; the values of one test session come from the
environment. Minimal settings of a single-process dashboard: no memcached,
sessions in files (a signed-cookie session would outlive "Sign Out" when a
late request of the page before refreshes it), static files served by
``runserver --insecure``.
The 2FA part is not here: it is etc/horizon/'s snippet, installed the way the
administration guide (doc/source/admin/horizon.rst) tells operators to.
"""

import os

DEBUG = False
ALLOWED_HOSTS = ['127.0.0.1']
SECRET_KEY = os.environ['KTC_HORIZON_SECRET_KEY']
OPENSTACK_KEYSTONE_URL = os.environ['KTC_KEYSTONE_URL']
STATIC_ROOT = os.environ['KTC_HORIZON_STATIC_ROOT']
SESSION_ENGINE = 'django.contrib.sessions.backends.file'
SESSION_FILE_PATH = os.environ['KTC_HORIZON_SESSION_DIR']
CACHES = {
    'default': {'BACKEND': 'django.core.cache.backends.locmem.LocMemCache'},
}
LOGGING = {
    'version': 1,
    'disable_existing_loggers': False,
    'handlers': {'console': {'class': 'logging.StreamHandler'}},
    'loggers': {
        'django.request': {'handlers': ['console'], 'level': 'WARNING'},
        'django.security': {'handlers': ['console'], 'level': 'WARNING'},
        'openstack_auth': {'handlers': ['console'], 'level': 'INFO'},
        'keystone_totp_concat': {'handlers': ['console'], 'level': 'INFO'},
    },
}
# The suite's cloud has Keystone only: land on the Identity dashboard rather
# than on Project > Overview, which needs Nova.
LOGIN_REDIRECT_URL = '/identity/'
