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

"""The package's shape: no import circle, no long module without a reason.

The layers themselves (which package may import which) are import-linter
contracts in setup.cfg, checked by ``make lint``; a circle inside one layer
is what those contracts cannot see.
"""

import ast
import pathlib

import grimp

import keystone_totp_concat

PACKAGE = 'keystone_totp_concat'
# A module longer than this holds more than one job, unless its docstring
# says why not in a paragraph that starts with "Length:".
MAX_LINES = 350


def _cycles(graph, modules):
    """Strongly connected groups of more than one module (Tarjan)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(module):
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for imported in graph.find_modules_directly_imported_by(module):
            if imported not in modules:
                continue
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in on_stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            group = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.add(member)
                if member == module:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for module in sorted(modules):
        if module not in index:
            visit(module)
    return found


def test_no_import_circle():
    graph = grimp.build_graph(PACKAGE, cache_dir=None)
    modules = {m for m in graph.modules if m.startswith(PACKAGE)}
    assert _cycles(graph, modules) == []


def _too_long(path):
    lines = path.read_text().splitlines()
    if len(lines) <= MAX_LINES:
        return False
    docstring = ast.get_docstring(ast.parse('\n'.join(lines))) or ''
    return not any(paragraph.startswith('Length:')
                   for paragraph in docstring.split('\n\n'))


def test_no_module_is_long_without_a_stated_reason():
    root = pathlib.Path(keystone_totp_concat.__file__).parent
    long = [str(path.relative_to(root)) for path in sorted(root.rglob('*.py'))
            if _too_long(path)]
    assert long == []
