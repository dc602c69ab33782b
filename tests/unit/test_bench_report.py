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

"""The benchmark's verdicts and report, on made-up numbers.

``make bench`` takes 20 minutes and is not in CI; these check in
milliseconds that its four targets are computed from the right figures and
that the report states each of them for each number of processes.
"""

import os

from bench import report
from bench import run


def latency(name, median_ms, cpu_ms, baseline_ms=500.0):
    return {'label': name, 'median_ms': median_ms, 'cpu_median_ms': cpu_ms,
            'median_ratio': round(median_ms / baseline_ms, 4)}


LATENCY = {
    'stock_password': latency('stock', 500.0, 300.0),
    'plugin_enrolled': latency('enrolled', 505.0, 309.0),
    'stock_password_cost4': latency('stock, cost 4', 30.0, 25.0),
    'plugin_plain_cost4': latency('plugin, no 2FA, cost 4', 30.5, 25.75),
    'plugin_enrolled_cost4': latency('enrolled, cost 4', 32.0, 27.5),
    'plugin_wrong_code': latency('wrong', 23.0, 10.0),
    'stock_unknown_user': latency('unknown', 20.0, 8.0),
}
THROUGHPUT = [{'clients': 16, 'ratio': 0.979}]


def test_each_target_is_computed_from_its_figures():
    targets = run.targets(LATENCY, THROUGHPUT)
    assert targets['added_cpu_ms'] == {'value': 2.5, 'limit': 3.0,
                                       'holds': True}
    assert targets['enrolled_login']['value'] == 1.01
    assert targets['wrong_code_vs_cheapest_refusal']['value'] == 1.15
    assert targets['throughput_16_clients'] == {
        'value': 0.979, 'limit': 0.98, 'holds': False}


def test_the_added_cpu_is_split_at_the_plugin_nodes_login_without_2fa():
    assert run.added_cpu_parts(LATENCY) == {'plugin_node_ms': 0.75,
                                            'second_factor_ms': 1.75}
    older = {k: v for k, v in LATENCY.items() if k != 'plugin_plain_cost4'}
    assert run.added_cpu_parts(older) is None


def test_the_report_states_every_target_for_every_process_count(tmp_path):
    runs = []
    for processes in (2, 4):
        runs.append({
            'started': '2026-11-30 18:00', 'duration_s': 600.0,
            'environment': {'cpu': 'CPU', 'cores': 2, 'keystone': '30.0.0',
                            'database': 'mysql', 'bcrypt_cost': '12',
                            'processes': processes,
                            'loadavg': '0.10 0.20 0.30'},
            'baseline': 'stock_password',
            'latency': {name: dict(stats, node='n', samples=100, p95_ms=1.0,
                                   cpu_mean_ms=1.0)
                        for name, stats in LATENCY.items()},
            'throughput': [{'clients': 16, 'stock_per_s': 4.0,
                            'enrolled_per_s': 3.9, 'ratio': 0.975,
                            'stock_cpu_ms': 480.0, 'enrolled_cpu_ms': 482.0,
                            'added_cpu_ms': 2.0}],
            'rounds': 3, 'run_seconds': 20.0,
            'targets': run.targets(LATENCY, THROUGHPUT),
            'added_cpu_parts': run.added_cpu_parts(LATENCY),
            'errors': 0, 'code_waits': 0, 'tracebacks': 0, 'notes': [],
        })
    results = {'command': 'python -m bench.run', 'duration_s': 1200.0,
               'target_labels': {name: label for name, (label, _, _)
                                 in run.TARGETS.items()},
               'runs': runs}
    path = os.path.join(tmp_path, 'results.md')
    report.write_markdown(path, results)
    text = open(path).read()
    for label, _, _ in run.TARGETS.values():
        assert text.count('| %s | 2 |' % label) == 1
        assert text.count('| %s | 4 |' % label) == 1
    assert '| 0.979× | ≥ 0.98× | **no** |' in text
    assert 'Load average (1, 5, 15 min) at the start: 0.10 0.20 0.30' in text
    assert text.count('0.75 ms the plugin node spends more') == 2
    assert text.count('1.75 ms the second factor') == 2
