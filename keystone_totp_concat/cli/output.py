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

"""Where text goes: results to stdout (JSON with ``-f json``), and in JSON
mode everything meant for a person (QR, prompts) to stderr, so that
``keystone-totp ... -f json | jq`` always gets one JSON document."""

import json
import sys


class Output:

    def __init__(self, fmt='text'):
        self.json = fmt == 'json'
        self.display = sys.stderr if self.json else sys.stdout

    def say(self, text=''):
        print(text, file=self.display, flush=True)

    def ask(self, prompt):
        """One answer from stdin (a terminal or a pipe); EOFError at end."""
        self.display.write(prompt)
        self.display.flush()
        line = sys.stdin.readline()
        if not line:
            self.say()
            raise EOFError
        return line.strip()

    def result(self, data, text):
        if self.json:
            print(json.dumps(data, indent=2, sort_keys=True), flush=True)
        else:
            print(text, flush=True)
