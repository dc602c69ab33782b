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

"""Django unit tests of the Settings panel, in Horizon's virtualenv.

``make test-horizon-unit`` runs them with Django's test runner and
Horizon's test settings (tests.horizon_unit.settings); a plain ``make
test`` collects nothing here (no ``test_*.py`` at pytest's reach needs
Horizon).
"""
