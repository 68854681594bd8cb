#!/usr/bin/env python3
"""bench/schedule: the distribution's dependency graph with every build replaced by a sleep.

  model.py generate GRAPH TIMES SCALE OUT   writes OUT/pkgs/<name>/<name>.distpkg (custom builder,
                                             one step sleeping TIMES[name] / SCALE s) with the
                                             package's real ProjectReferences as Dependency items
  model.py report GRAPH TIMES SCALE LOGS    reads the step marks from the build logs in LOGS and
                                             prints span, serial sum, critical path and ratios
GRAPH lines: "name: dep dep ..." (every ProjectReference, the toolchain's included); TIMES: name<TAB>seconds.
"""
import hashlib, os, re, shutil, sys, tarfile, io

def load(graph_path, times_path, scale):
    graph = {}
    for line in open(graph_path):
        name, deps = line.split(':', 1)
        graph[name.strip()] = deps.split()
    times = {l.split('\t')[0]: float(l.split('\t')[1]) / scale for l in open(times_path) if l.strip()}
    return graph, times

# The model's own seed would clash with the seed toolchain it builds on.
def model_name(name): return 'seedmodel' if name == 'seed' else name

def generate(graph, times, out, toolchain):
    shutil.rmtree(os.path.join(out, 'pkgs'), ignore_errors=True)
    tarball = os.path.join(out, 'model-1.0.tar.gz')
    with tarfile.open(tarball, 'w:gz') as tar:
        data = b'a package whose build is a sleep\n'
        info = tarfile.TarInfo('model-1.0/README'); info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    sha = hashlib.sha256(open(tarball, 'rb').read()).hexdigest()
    for name, deps in graph.items():
        m = model_name(name)
        os.makedirs(os.path.join(out, 'pkgs', m))
        items = ''.join(f'\n    <Dependency Include="{model_name(d)}" />' for d in deps)
        own_toolchain = '\n    <DistriToolchain>seed</DistriToolchain>' if name in toolchain else ''
        step = (f'echo "step {m} `date +%s.%N` begins"; sleep {times[name]:.2f}; '
                f'mkdir -p $DISTRI_DESTDIR$DISTRI_PREFIX/share; echo {m} > $DISTRI_DESTDIR$DISTRI_PREFIX/share/{m}; '
                f'echo "step {m} `date +%s.%N` ends"')
        with open(os.path.join(out, 'pkgs', m, m + '.distpkg'), 'w') as f:
            f.write(f'''<Project Sdk="Distri.Sdk">
  <PropertyGroup>
    <Version>1.0</Version>
    <Builder>custom</Builder>{own_toolchain}
  </PropertyGroup>
  <ItemGroup>
    <Source Include="file://{tarball}" Sha256="{sha}" />
    <BuildStep Include="sleep" Command="{step.replace('"', '&quot;')}" />{items}
  </ItemGroup>
</Project>
''')

def critical_path(graph, times):
    memo = {}
    def finish(n):
        if n not in memo: memo[n] = times[n] + max((finish(d) for d in graph[n]), default=0.0)
        return memo[n]
    return max(finish(n) for n in graph)

def report(graph, times, logs, label):
    marks = {}
    for f in os.listdir(logs):
        for m in re.finditer(r'^step (\S+) (\d+\.\d+) (begins|ends)$', open(os.path.join(logs, f)).read(), re.M):
            marks.setdefault(m.group(1), {})[m.group(3)] = float(m.group(2))
    steps = [(v['begins'], v['ends']) for v in marks.values()]
    t0 = min(b for b, _ in steps); span = max(e for _, e in steps) - t0
    serial = sum(times.values()); critical = critical_path(graph, times)
    events = sorted([(b, 1) for b, _ in steps] + [(e, -1) for _, e in steps])
    running = most = 0
    for _, d in events: running += d; most = max(most, running)
    print(f'   {label}: {len(steps)} packages, first step to last {span:.0f} s; most at once {most}; '
          f'steps alone {serial:.0f} s, critical path {critical:.0f} s; '
          f'span / critical path {span / critical:.2f}x')

if __name__ == '__main__':
    cmd, graph_path, times_path, scale = sys.argv[1:5]
    graph, times = load(graph_path, times_path, float(scale))
    if cmd == 'generate':
        generate(graph, times, sys.argv[5], set(sys.argv[6].split(',')))
    else:
        report(graph, times, sys.argv[5], sys.argv[6])
