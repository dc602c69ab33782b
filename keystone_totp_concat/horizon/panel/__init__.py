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


"""Horizon panel "Two Factor Authentication" (Settings, the user menu).

The user guide's web flow: status, "Enable Two Factor Authentication" (QR
code, key, "Validate and set the OTP secret"), another device, removing a
device, turning 2FA off, recovery codes, and for admins a row action in
Identity -> Users that resets a user's 2FA. Every call goes to Keystone's
OS-TOTP API (doc/source/api) with the user's own token; nothing is stored in
Horizon. Installed with the ``enabled/`` file of etc/horizon/.
"""
