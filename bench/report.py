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

"""Turn the benchmark's raw samples into JSON, a Markdown table and a chart.

Everything a reader needs to judge the numbers goes into the files: the
command, the machine, the settings, per-scenario medians and p95, the ratios
to the stock baseline and whether each target of issue 8 holds.
"""

import json
import statistics

import matplotlib

matplotlib.use('Agg')
from matplotlib import pyplot  # noqa: E402


def percentile(values, fraction):
    """Nearest-rank percentile of ``values`` (``fraction`` in 0..1)."""
    ordered = sorted(values)
    rank = max(1, round(fraction * len(ordered) + 0.5))
    return ordered[min(rank, len(ordered)) - 1]


def summarize(latencies):
    """Median, p95, mean and spread of a list of seconds, in milliseconds."""
    ms = [s * 1000 for s in latencies]
    return {
        'samples': len(ms),
        'median_ms': round(statistics.median(ms), 2),
        'p95_ms': round(percentile(ms, 0.95), 2),
        'mean_ms': round(statistics.fmean(ms), 2),
        'min_ms': round(min(ms), 2),
        'max_ms': round(max(ms), 2),
    }


def check(value, limit, at_most):
    return {'value': round(value, 4), 'limit': limit,
            'holds': value <= limit if at_most else value >= limit}


def write_json(path, results):
    with open(path, 'w') as f:
        json.dump(results, f, indent=1, sort_keys=True)
        f.write('\n')


def _target_rows(results):
    names = {
        'enrolled_login': 'Enrolled login (password+code) / stock login',
        'non_enrolled_login':
            'Non-enrolled login through the plugin / stock login',
        'rejected_wrong_code': 'Rejected wrong code / stock wrong password',
        'throughput_16_clients': 'Throughput at 16 clients, enrolled / stock',
    }
    limits = {'enrolled_login': '≤ %s', 'non_enrolled_login': '≤ %s',
              'rejected_wrong_code': '≤ %s', 'throughput_16_clients': '≥ %s'}
    for key, label in names.items():
        t = results['targets'][key]
        yield '| %s | %.3f× | %s× | %s |' % (
            label, t['value'], limits[key] % t['limit'],
            'yes' if t['holds'] else '**no**')


def write_markdown(path, results):
    env = results['environment']
    lines = [
        '# keystone-totp-concat vs. stock Keystone',
        '',
        'Command: `%s`, %s UTC, %.0f s in all.' % (
            results['command'], results['started'], results['duration_s']),
        '',
        'Machine: %s, %d cores, load average %s at start. Keystone %s, '
        'uwsgi %d processes × 1 thread per node, database %s, bcrypt cost '
        '%s (Keystone\'s default), project-scoped tokens, one new HTTP '
        'connection per request, client on the same machine.' % (
            env['cpu'], env['cores'], env['loadavg'], env['keystone'],
            env['processes'], env['database'], env['bcrypt_cost']),
        '',
        '## Latency (one client, scenarios interleaved in random order)',
        '',
        '| Scenario | Node | Samples | Median ms | p95 ms '
        '| Median / baseline | p95 / baseline |',
        '| --- | --- | ---: | ---: | ---: | ---: | ---: |',
    ]
    for name, s in results['latency'].items():
        lines.append('| %s | %s | %d | %.1f | %.1f | %.3f | %.3f |' % (
            s['label'], s['node'], s['samples'], s['median_ms'], s['p95_ms'],
            s['median_ratio'], s['p95_ratio']))
    lines += [
        '',
        'Baseline: %s.' % results['latency'][results['baseline']]['label'],
        '',
        '## Throughput (successful logins per second; server CPU per login)',
        '',
        'Each cell is the mean of %d runs of %.0f s, stock and plugin runs '
        'alternating. CPU is user+system time of the node\'s uwsgi processes '
        'per successful login, which other load on the machine does not '
        'change much.' % (results['rounds'], results['run_seconds']),
        '',
        '| Clients | Stock logins/s | Enrolled logins/s | Ratio '
        '| Stock CPU ms/login | Enrolled CPU ms/login | CPU ratio |',
        '| ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ]
    for row in results['throughput']:
        lines.append('| %d | %.2f | %.2f | %.3f | %.1f | %.1f | %.3f |' % (
            row['clients'], row['stock_per_s'], row['enrolled_per_s'],
            row['ratio'], row['stock_cpu_ms'], row['enrolled_cpu_ms'],
            row['cpu_ratio']))
    lines += [
        '',
        '## Targets of issue 8 (ratios of medians on this run)',
        '',
        '| Target | Measured | Limit | Holds |',
        '| --- | ---: | ---: | --- |',
        *_target_rows(results),
        '',
        'For reference: Keystone\'s own cheapest refusal of the same request '
        '(an unknown user name, no hash computed) is %.3f× a stock wrong '
        'password on this run.' % results['keystone_floor_ratio'],
        '',
        '## Checks',
        '',
        '* Unexpected answers (wrong status): %d.' % results['errors'],
        '* Waits for a fresh code step: %d.' % results['code_waits'],
        '* Tracebacks in the Keystone logs: %d.' % results['tracebacks'],
    ]
    for note in results['notes']:
        lines.append('* %s' % note)
    with open(path, 'w') as f:
        f.write('\n'.join(lines) + '\n')


def write_chart(path, results, samples):
    """Latency distributions (log scale) beside the throughput bars."""
    fig, (lat, thr) = pyplot.subplots(
        1, 2, figsize=(13, 5), gridspec_kw={'width_ratios': [3, 2]})
    names = list(results['latency'])
    data = [[s * 1000 for s in samples[n]] for n in names]
    lat.boxplot(data, vert=False, whis=(5, 95), showfliers=True,
                flierprops={'markersize': 2})
    lat.set_yticks(range(1, len(names) + 1),
                   [results['latency'][n]['label'] for n in names],
                   fontsize=8)
    lat.invert_yaxis()
    lat.set_xscale('log')
    lat.set_xlabel('latency, ms (log scale; box: quartiles, whiskers: p5-p95)')
    lat.set_title('One login request, one client')
    lat.grid(True, axis='x', which='both', alpha=0.3)

    rows = results['throughput']
    x = range(len(rows))
    width = 0.38
    thr.bar([i - width / 2 for i in x], [r['stock_per_s'] for r in rows],
            width, label='stock password')
    thr.bar([i + width / 2 for i in x], [r['enrolled_per_s'] for r in rows],
            width, label='enrolled, password+code')
    thr.set_xticks(list(x), ['%d' % r['clients'] for r in rows])
    thr.set_xlabel('concurrent clients')
    thr.set_ylabel('successful logins per second')
    thr.set_title('Throughput')
    thr.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    pyplot.close(fig)
