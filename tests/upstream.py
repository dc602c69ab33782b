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

"""Fingerprints of upstream code this package copies or relies on.

A test per copy compares the installed upstream function with the
fingerprint it had when the copy was written, so an upstream change fails the
suite instead of drifting silently. The fingerprint is a hash of the
function's code as ``ast.unparse`` writes it, without docstrings: comments,
formatting and docstrings may change, code may not.

The source is read from the installed file without importing the module, so
this also works for modules that need a configured framework (Django) and in
another virtualenv: ``python -m tests.upstream MODULE QUALNAME`` prints the
fingerprint and the code as JSON (stdlib only).
"""

import ast
import dataclasses
import hashlib
import importlib.util
import json
import pathlib
import sys


@dataclasses.dataclass
class Upstream:
    module: str
    qualname: str
    path: str
    code: str

    @property
    def fingerprint(self):
        return hashlib.sha256(self.code.encode('utf-8')).hexdigest()[:16]


def _module_file(module):
    """The installed file of ``module``, finding only its top package."""
    top, *rest = module.split('.')
    spec = importlib.util.find_spec(top)
    if spec is None:
        raise ModuleNotFoundError(module)
    if not rest:
        return pathlib.Path(spec.origin)
    base = pathlib.Path(list(spec.submodule_search_locations)[0])
    path = base.joinpath(*rest)
    if path.is_dir():
        return path / '__init__.py'
    return path.with_suffix('.py')


def _strip_docstrings(tree):
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef,
                             ast.AsyncFunctionDef)):
            body = node.body
            if (body and isinstance(body[0], ast.Expr)
                    and isinstance(body[0].value, ast.Constant)
                    and isinstance(body[0].value.value, str)):
                node.body = body[1:] or [ast.Pass()]
    return tree


def find(module, qualname):
    """The Upstream code of ``qualname`` ("Class.method") in ``module``."""
    path = _module_file(module)
    node = ast.parse(path.read_text(encoding='utf-8'))
    for name in qualname.split('.'):
        matches = [child for child in node.body
                   if isinstance(child, (ast.ClassDef, ast.FunctionDef,
                                         ast.AsyncFunctionDef))
                   and child.name == name]
        if not matches:
            raise LookupError('%s has no %s in %s' % (module, qualname, path))
        node = matches[-1]
    code = ast.unparse(_strip_docstrings(node))
    return Upstream(module, qualname, str(path), code)


def check(upstream, expected, copy):
    """Assert ``upstream`` still has the fingerprint ``expected``.

    ``copy`` names what depends on it, for whoever reads the failure.
    """
    assert upstream.fingerprint == expected, (
        '%s.%s changed upstream (fingerprint %s, expected %s).\nReview %s '
        'against the new code below, then update the fingerprint.\n%s:\n%s'
        % (upstream.module, upstream.qualname, upstream.fingerprint,
           expected, copy, upstream.path, upstream.code))


if __name__ == '__main__':
    found = find(sys.argv[1], sys.argv[2])
    json.dump(dict(dataclasses.asdict(found),
                   fingerprint=found.fingerprint), sys.stdout)
