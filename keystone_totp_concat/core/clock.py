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
"""Unix times as the OS-TOTP API and its headers show them."""

import datetime


def iso(unix):
    """ISO 8601 in UTC, to the second (``2026-12-03T18:20:00Z``)."""
    if unix is None:
        return None
    return datetime.datetime.fromtimestamp(
        unix, datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ')
