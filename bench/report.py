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
to the stock baseline and whether each target ("The four targets" of
doc/source/contributor/performance.rst) holds.
"""

import json
import statistics


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


def summarize_cpu(seconds):
    """Median and mean server CPU of a list of seconds, in milliseconds."""
    ms = [s * 1000 for s in seconds]
    return {
        'cpu_median_ms': round(statistics.median(ms), 3),
        'cpu_mean_ms': round(statistics.fmean(ms), 3),
    }


def check(value, limit, at_most):
    return {'value': round(value, 4), 'limit': limit,
            'holds': value <= limit if at_most else value >= limit}


def write_json(path, results):
    with open(path, 'w') as f:
        json.dump(results, f, indent=1, sort_keys=True)
        f.write('\n')


def _target_rows(results):
    for run in results['runs']:
        for name, t in run['targets'].items():
            label = results['target_labels'][name]
            unit = '' if name == 'added_cpu_ms' else '×'
            yield '| %s | %d | %.3f%s | %s %s%s | %s |' % (
                label, run['environment']['processes'], t['value'], unit,
                '≤' if name != 'throughput_16_clients' else '≥', t['limit'],
                unit, 'yes' if t['holds'] else '**no**')


def _run_lines(run):
    env = run['environment']
    lines = [
        '## %d uwsgi processes per node' % env['processes'],
        '',
        'Started %s UTC, %.0f s. Load average (1, 5, 15 min) at the start: '
        '%s.' % (run['started'], run['duration_s'], env['loadavg']),
        '',
        '### Latency and server CPU (one client, scenarios interleaved in '
        'random order)',
        '',
        '| Scenario | Node | Samples | Median ms | p95 ms '
        '| Median / baseline | CPU median ms | CPU mean ms |',
        '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    ]
    for s in run['latency'].values():
        lines.append('| %s | %s | %d | %.1f | %.1f | %.3f | %.2f | %.2f |' % (
            s['label'], s['node'], s['samples'], s['median_ms'], s['p95_ms'],
            s['median_ratio'], s['cpu_median_ms'], s['cpu_mean_ms']))
    parts = run.get('added_cpu_parts')
    if parts:
        lines += [
            '',
            'Added CPU at bcrypt cost 4, in two parts: %.2f ms the plugin '
            'node spends more on a user without 2FA (same users as the '
            'stock scenario), %.2f ms the second factor (password+code '
            'minus that login, both on the plugin node).' % (
                parts['plugin_node_ms'], parts['second_factor_ms']),
        ]
    lines += [
        '',
        'Baseline: %s. CPU: user+system time of the node\'s uwsgi '
        'processes (scheduler nanoseconds) from the request until the next '
        'request to that node.' % run['latency'][run['baseline']]['label'],
        '',
        '### Throughput (successful logins per second; server CPU per login)',
        '',
        'Each cell is the mean of %d runs of %.0f s, stock and plugin runs '
        'alternating; logins counted once every client is busy.' % (
            run['rounds'], run['run_seconds']),
        '',
        '| Clients | Stock logins/s | Enrolled logins/s | Ratio '
        '| Stock CPU ms/login | Enrolled CPU ms/login | Added CPU ms |',
        '| ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ]
    for row in run['throughput']:
        lines.append('| %d | %.2f | %.2f | %.3f | %.1f | %.1f | %.1f |' % (
            row['clients'], row['stock_per_s'], row['enrolled_per_s'],
            row['ratio'], row['stock_cpu_ms'], row['enrolled_cpu_ms'],
            row['added_cpu_ms']))
    lines += [
        '',
        '### Checks',
        '',
        '* Unexpected answers (wrong status): %d.' % run['errors'],
        '* Waits for a fresh code step: %d.' % run['code_waits'],
        '* Tracebacks in the Keystone logs: %d.' % run['tracebacks'],
    ]
    lines += ['* %s' % note for note in run['notes']]
    return lines + ['']


def write_markdown(path, results):
    env = results['runs'][0]['environment']
    lines = [
        '# keystone-totp-concat vs. stock Keystone',
        '',
        'Command: `%s`, %.0f s in all.' % (
            results['command'], results['duration_s']),
        '',
        'Machine: %s, %d cores. Keystone %s, uwsgi processes × 1 thread '
        'per node, database %s, bcrypt cost %s (Keystone\'s default), '
        'project-scoped tokens, one new HTTP connection per request, client '
        'on the same machine. The stock node serves Keystone\'s own WSGI '
        'application.' % (
            env['cpu'], env['cores'], env['keystone'], env['database'],
            env['bcrypt_cost']),
        '',
        '## Targets',
        '',
        'Added CPU: median server CPU of a password+code login minus that '
        'of a stock password login, both for users whose password hash has '
        'bcrypt cost 4 (latency runs: the main rounds, then more blocks of '
        'the cost-4 scenarios on restarted nodes, see the samples column): '
        'at cost 12 the hash alone varies by tens of milliseconds from one '
        'login to the next (the cost-12 difference is in each run\'s '
        'table). Ratios: of medians; logins at cost 12.',
        '',
        '| Target | Processes | Measured | Limit | Holds |',
        '| --- | ---: | ---: | ---: | --- |',
        *_target_rows(results),
        '',
    ]
    for run in results['runs']:
        lines += _run_lines(run)
    with open(path, 'w') as f:
        f.write('\n'.join(lines))


def write_chart(path, results, samples):
    """Latency distributions (log scale) beside the throughput bars.

    Latency of the last run (``samples``), throughput of every run.
    """
    import matplotlib  # bench/requirements.txt only
    matplotlib.use('Agg')
    from matplotlib import pyplot
    fig, (lat, thr) = pyplot.subplots(
        1, 2, figsize=(13, 5), gridspec_kw={'width_ratios': [3, 2]})
    last = results['runs'][-1]
    names = list(last['latency'])
    data = [[s * 1000 for s in samples[n]] for n in names]
    lat.boxplot(data, vert=False, whis=(5, 95), showfliers=True,
                flierprops={'markersize': 2})
    lat.set_yticks(range(1, len(names) + 1),
                   [last['latency'][n]['label'] for n in names],
                   fontsize=8)
    lat.invert_yaxis()
    lat.set_xscale('log')
    lat.set_xlabel('latency, ms (log scale; box: quartiles, whiskers: p5-p95)')
    lat.set_title('One login request, one client, %d processes'
                  % last['environment']['processes'])
    lat.grid(True, axis='x', which='both', alpha=0.3)

    rows = [(run['environment']['processes'], row)
            for run in results['runs'] for row in run['throughput']]
    x = range(len(rows))
    width = 0.38
    thr.bar([i - width / 2 for i in x], [r['stock_per_s'] for _, r in rows],
            width, label='stock password')
    thr.bar([i + width / 2 for i in x],
            [r['enrolled_per_s'] for _, r in rows],
            width, label='enrolled, password+code')
    thr.set_xticks(list(x), ['%d processes\n%d clients' % (p, r['clients'])
                             for p, r in rows])
    thr.set_ylabel('successful logins per second')
    thr.set_title('Throughput')
    thr.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    pyplot.close(fig)
