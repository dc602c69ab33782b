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

"""devstack's iniset/iniget/inidelete for the plugin test, on real files.

Called by tests/devstack/stubs.sh, so that the test can read the resulting
keystone.conf with configparser. Without comments or ordering niceties:
the test checks values, not layout.
"""

import configparser
import sys


def _load(path):
    parser = configparser.RawConfigParser(delimiters=('=',), strict=False)
    parser.read(path)
    return parser


def _save(parser, path):
    with open(path, 'w') as f:
        parser.write(f)


def main(command, path, section, option, value=None):
    parser = _load(path)
    if command == 'get':
        if parser.has_option(section, option):
            print(parser.get(section, option))
        return
    if command == 'set':
        if not parser.has_section(section):
            parser.add_section(section)
        parser.set(section, option, value)
    elif command == 'delete' and parser.has_section(section):
        parser.remove_option(section, option)
    _save(parser, path)


if __name__ == '__main__':
    main(*sys.argv[1:])
