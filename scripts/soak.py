#!/usr/bin/env python3
"""soak.py [--minutes N] [--binary PATH] [--seed N] [--keep] [--catalogue DIR]

`make soak` runs it for SOAK_MINUTES (default 1, what `make check` and CI
run); the real soak is `make soak SOAK_MINUTES=60`.

Soak test of the feedd daemon (issue 5, "What users must see" item 2).

Runs the real daemon over a source directory made of a copy of Config/sample,
generated entries and, when it exists, the hostile-input catalogue
(Tests/FeedDaemonTests/Catalogue, or --catalogue DIR), while
  - random edits land in the source: new entries, edits (in place or
    editor-style write-temp-and-rename), deletions, about two a second;
  - the output directory, a tmpfs, fills up and empties again: a filler file
    grows until ENOSPC, stays a few seconds while edits keep coming, then is
    removed; every 15-30 s.
VmRSS is sampled every few seconds.

At the end (filler removed, edits stopped, the daemon given time to retry and
go quiet) it checks, and exits 1 naming every check that failed:
  alive      the daemon is still running, and exits 0 on SIGTERM;
  feeds      every .atom/.rss/index.html in the output parses as XML, every
             .json as JSON; ../shared/tools/judge-feed passes on the two main
             feeds; their entry ids equal those of a fresh `feedd --once` on
             the same source (besides, in publications.atom, entries shown
             again because their news came after they were archived: each
             must be in one of the daemon's archive documents); no
             .NAME.tmp-PID file is left;
  recovered  every failure episode ended with a `recovered` line;
  memory     the last VmRSS is at most 1.5x the first sample after warm-up
             (the first 20% of the run, at most 60 s);
  log        no repeated lines, where "repeated" means either
             - the same line, timestamp aside, more than 3 times in a row (a
               loop that logs per retry or per event); or
             - a second `run-failed` of the same kind (source/output/state)
               within one failure episode, i.e. before the `recovered` that
               ends it: the failure must be logged once, not per retry.
             Lines that legitimately recur are not "repeated" by this
             definition: one `run-failed` + one `recovered` per fill cycle,
             one `summary` per run (they differ in counts and seconds), and an
             item announced again after a failed run (a notice may repeat,
             never go missing) -- those re-announcements are counted and
             reported, not failed.

Needs root (it mounts a tmpfs; always unmounted at the end). Exit status: 0
all checks passed, 1 a check failed, 2 usage or set-up error.
"""
import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

from archive_chain import archive_chain, ids_in

REPO = Path(__file__).resolve().parent.parent
JUDGE = Path(os.environ.get('FEEDD_SHARED') or REPO.parent / 'shared') / 'tools' / 'judge-feed'
MAIN_FEEDS = ['publications.atom', 'openings.atom']
WORDS = ('lattice harbour quorum meridian cobalt trellis sextant juniper ledger pylon marram vellum '
         'tundra fulcrum osprey basalt cinder falcon gantry hollow isthmus kelp lumen mistral').split()
COUNTRIES = ['US, WA, Seattle', 'PT, 11, Lisbon', 'DE, BE, Berlin', 'JP, 13, Tokyo', 'BR, SP, Sao Paulo']
TEAMS = ['Search', 'Storage', 'Speech', 'Compilers']
TAGS = ['databases', 'llm', 'systems', 'speech', 'indexing', 'notebooks']


def log(msg):
    print(f'soak: {msg}', flush=True)


def die(msg, code=2):
    print(f'soak: {msg}', file=sys.stderr, flush=True)
    sys.exit(code)


def sh(*cmd, check=True):
    r = subprocess.run(cmd, capture_output=True, text=True)
    if check and r.returncode != 0:
        raise RuntimeError(f'{" ".join(cmd)}: exit {r.returncode}: {r.stderr.strip()}')
    return r


class Tmpfs:
    def __init__(self, path, size):
        self.path = path
        path.mkdir(parents=True, exist_ok=True)
        sh('mount', '-t', 'tmpfs', '-o', f'size={size},mode=0755', 'tmpfs', str(path))
        self.mounted = True

    def unmount(self):
        if self.mounted:
            self.mounted = False
            if sh('umount', str(self.path), check=False).returncode != 0:
                sh('umount', '-l', str(self.path), check=False)


def fill(path):
    """Writes zeros into path until ENOSPC; returns the bytes written."""
    total = 0
    chunk = b'\0' * 65536
    with open(path, 'wb', buffering=0) as f:
        while True:
            try:
                n = f.write(chunk)
            except OSError:
                # ENOSPC: take the last pages one by one.
                try:
                    while True:
                        total += f.write(b'\0' * 4096)
                except OSError:
                    return total
            if not n:
                return total
            total += n


class Sources:
    """The generated part of the source tree and the random edits on it."""

    def __init__(self, root, rng):
        self.root = root
        self.rng = rng
        self.serial = 0
        self.live = []   # relative paths of generated entries
        self.counts = Counter()

    def text(self, n, size):
        words = [self.rng.choice(WORDS) for _ in range(size // 7)]
        return f'Entry {n} on ' + ' '.join(words) + '.'

    def entry(self, n, job, revision=0):
        date = f'20{24 + n % 2}-{1 + n % 12:02d}-{1 + n % 28:02d}T{n % 24:02d}:00:00Z'
        lines = ['---', f'kind: {"job" if job else "publication"}', f'id: soak-{n}',
                 f'title: "Soak {"opening" if job else "paper"} {n}{" (rev %d)" % revision if revision else ""}"',
                 f'date: {date}', f'link: https://example.org/soak/{n}']
        if job:
            lines += [f'location: "{COUNTRIES[n % len(COUNTRIES)]}"', f'team: {TEAMS[n % len(TEAMS)]}']
        else:
            lines += ['authors: [A. Author, B. Author]', f'tags: [{TAGS[n % len(TAGS)]}, {TAGS[(n + 1) % len(TAGS)]}]']
        body = self.text(n * 7 + revision, self.rng.randint(200, 1500))
        lines += ['---', body, '', self.text(n + 1000 + revision, 300), '']
        return '\n'.join(lines)

    def write(self, rel, text, atomic):
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if atomic:
            tmp = path.parent / f'.{path.name}.swp'
            tmp.write_text(text)
            os.replace(tmp, path)
        else:
            path.write_text(text)

    def add(self):
        n = self.serial
        self.serial += 1
        job = self.rng.random() < 0.4
        rel = f'soak/{"jobs" if job else "publications"}/gen-{n}.md'
        self.write(rel, self.entry(n, job), atomic=self.rng.random() < 0.5)
        self.live.append(rel)
        self.counts['add'] += 1

    def modify(self):
        rel = self.rng.choice(self.live)
        n = int(rel.rsplit('-', 1)[1][:-3])
        self.write(rel, self.entry(n, '/jobs/' in rel, revision=self.rng.randint(1, 10**6)),
                   atomic=self.rng.random() < 0.5)
        self.counts['modify'] += 1

    def delete(self):
        rel = self.live.pop(self.rng.randrange(len(self.live)))
        (self.root / rel).unlink()
        self.counts['delete'] += 1

    def random_edit(self):
        r = self.rng.random()
        if len(self.live) < 50 or (r < 0.4 and len(self.live) < 400):
            self.add()
        elif r < 0.8:
            self.modify()
        else:
            self.delete()


def rss_kib(pid):
    try:
        with open(f'/proc/{pid}/status') as f:
            for line in f:
                if line.startswith('VmRSS:'):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def read_log(path):
    lines = []
    with open(path, encoding='utf-8', errors='replace') as f:
        for raw in f:
            raw = raw.rstrip('\n')
            try:
                obj = json.loads(raw)
            except ValueError:
                obj = {'level': '?', 'message': raw}
            lines.append(obj)
    return lines


def check_log(lines):
    """Problems with the log; and statistics."""
    problems = []
    run, last = 0, None
    for obj in lines:
        key = json.dumps({k: v for k, v in obj.items() if k != 'ts'}, sort_keys=True)
        run = run + 1 if key == last else 1
        last = key
        if run == 4:
            problems.append(f'the same line more than 3 times in a row: {key[:300]}')
    logged = set()
    episodes = 0
    for obj in lines:
        ev = obj.get('event')
        if ev == 'run-failed':
            kind = obj.get('failure', '?')
            if kind in logged:
                problems.append(f'run-failed ({kind}) logged again within one failure episode: {obj.get("message", "")[:200]}')
            if not logged:
                episodes += 1
            logged.add(kind)
        elif ev == 'recovered':
            logged = set()
    # Items announced again without a change in between: the allowed repeat.
    seen, again = {}, 0
    for obj in lines:
        ev, ident = obj.get('event'), obj.get('id')
        if ev in ('new', 'updated', 'removed') and ident:
            if ev == 'new' and seen.get(ident) == 'new':
                again += 1
            seen[ident] = ev
    unrecovered = bool(logged)
    return problems, episodes, again, unrecovered


def feed_ids(path):
    ns = '{http://www.w3.org/2005/Atom}'
    root = ET.parse(path).getroot()
    return sorted(e.findtext(f'{ns}id') for e in root.iter(f'{ns}entry'))


def validate_output(out):
    problems = []
    for p in sorted(out.iterdir()):
        if p.name.startswith('.') and '.tmp-' in p.name:
            problems.append(f'temp file left: {p.name}')
            continue
        if p.name == 'filler' or not p.is_file():
            continue
        try:
            if p.suffix in ('.atom', '.rss', '.xsl'):
                ET.parse(p)
            elif p.suffix == '.json':
                json.loads(p.read_bytes())
            elif p.suffix == '.html':
                if b'</html>' not in p.read_bytes():
                    problems.append(f'{p.name}: truncated page')
        except Exception as e:  # noqa: BLE001 - any parse failure is the finding
            problems.append(f'{p.name} does not parse: {e}')
    return problems


def write_config(work, src, out, state):
    text = (REPO / 'Config' / 'feedd.toml').read_text()
    kept = []
    for line in text.splitlines():
        if line.split('=')[0].strip() in ('source', 'output', 'state_dir'):
            continue
        kept.append(line)
    head = f'source = "{src}"\noutput = "{out}"\nstate_dir = "{state}"\n'
    daemon = '\n[daemon]\ndebounce_ms = 100\nmax_delay_ms = 1000\n'
    # The sample's last table is the openings [[feed]]: deleted openings leave
    # it at once, as in the fresh run the feeds are compared with (which never
    # saw them open).
    closed = 'closed_days = 0\n'
    # [daemon] must come before the [[feed]] tables only if it is a table of its own: append it.
    path = work / 'feedd.toml'
    path.write_text(head + '\n'.join(kept) + '\n' + closed + daemon)
    return path


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[1], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--minutes', type=float, default=60, help='how long to soak (default 60; CI uses 1)')
    ap.add_argument('--binary', help='feedd to run (default: .build/release/feedd, else .build/debug/feedd)')
    ap.add_argument('--catalogue', help='hostile-input directory to include (default Tests/FeedDaemonTests/Catalogue if present)')
    ap.add_argument('--entries', type=int, default=200, help='generated entries at the start (default 200)')
    ap.add_argument('--seed', type=int, default=None, help='random seed (default: time)')
    ap.add_argument('--output-size', default='auto', help='size of the output tmpfs (default: 3x the feeds of a fresh run)')
    ap.add_argument('--keep', action='store_true', help='keep the work directory')
    args = ap.parse_args()

    if os.geteuid() != 0:
        die('needs root: the output directory is a tmpfs that it mounts and fills')
    # The newest build: a stale release binary must not stand in for the debug one just built.
    built = [p for p in (REPO / '.build/release/feedd', REPO / '.build/debug/feedd') if p.exists()]
    binary = Path(args.binary).resolve() if args.binary else max(built, key=lambda p: p.stat().st_mtime, default=None)
    if not binary or not os.access(binary, os.X_OK):
        die('no feedd binary: run `swift build` (or pass --binary)')
    seed = args.seed if args.seed is not None else int(time.time())
    rng = random.Random(seed)
    duration = args.minutes * 60
    warmup = min(60.0, duration * 0.2)

    work = Path(tempfile.mkdtemp(prefix='feedd-soak-'))
    src, out, state = work / 'src', work / 'out', work / 'state'
    tmpfs = None
    daemon = None
    failures = []
    try:
        shutil.copytree(REPO / 'Config' / 'sample', src)
        catalogue = Path(args.catalogue) if args.catalogue else REPO / 'Tests' / 'FeedDaemonTests' / 'Catalogue'
        if catalogue.is_dir():
            # cp -a: FIFOs, sockets, symlinks and odd names are copied as what they are.
            sh('cp', '-a', str(catalogue), str(src / 'catalogue'))
            log(f'including the hostile catalogue {catalogue}')
        else:
            log(f'no hostile catalogue at {catalogue}; sample and generated entries only')
        sources = Sources(src, rng)
        for _ in range(args.entries):
            sources.add()
        sources.counts.clear()
        state.mkdir()
        config = write_config(work, src, out, state)
        size = args.output_size
        if size == 'auto':
            # Room for the feeds twice over (a run stages every changed file
            # beside the old one) plus growth: 3x what a fresh run writes.
            probe = work / 'probe'
            subprocess.run([str(binary), '--once', '--config', str(config), '--output', str(probe / 'out'),
                            '--state-dir', str(probe / 'state'), '--log-format', 'json'],
                           capture_output=True, cwd=work)
            used = sum(p.stat().st_size for p in (probe / 'out').iterdir()) if (probe / 'out').is_dir() else 0
            shutil.rmtree(probe, ignore_errors=True)
            size = f'{max(1024, 3 * used // 1024)}k'
            log(f'a fresh run writes {used // 1024} KiB of feeds; output tmpfs {size}')
        tmpfs = Tmpfs(out, size)
        log_path = work / 'feedd.log'
        log(f'seed {seed}; {args.minutes:g} min; {binary}; work dir {work}')
        with open(log_path, 'wb') as log_file:
            daemon = subprocess.Popen([str(binary), '--config', str(config), '--log-format', 'json'],
                                      stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=log_file, cwd=work,
                                      env={k: v for k, v in os.environ.items() if k not in ('NOTIFY_SOCKET', 'WATCHDOG_USEC', 'JOURNAL_STREAM')})

        # Ready?
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not any(l.get('event') in ('ready', 'run-failed') for l in read_log(log_path)):
            if daemon.poll() is not None:
                raise RuntimeError(f'feedd exited {daemon.returncode} before it was ready:\n{log_path.read_text()[-3000:]}')
            time.sleep(0.2)

        start = time.monotonic()
        samples = []       # (seconds, KiB)
        next_sample = start
        filler = out / 'filler'
        next_fill = start + rng.uniform(5, 15)
        empty_at = None
        fills = 0
        while time.monotonic() - start < duration:
            now = time.monotonic()
            if daemon.poll() is not None:
                failures.append(f'alive: feedd exited {daemon.returncode} during the soak')
                break
            if now >= next_sample:
                kib = rss_kib(daemon.pid)
                if kib:
                    samples.append((now - start, kib))
                next_sample = now + 3
            if empty_at is None and now >= next_fill:
                fill(filler)
                fills += 1
                empty_at = now + rng.uniform(3, 8)
            elif empty_at is not None and now >= empty_at:
                filler.unlink(missing_ok=True)
                empty_at = None
                next_fill = now + rng.uniform(10, 25)
            sources.random_edit()
            time.sleep(rng.uniform(0.1, 0.9))

        # Wind down: space back, no more edits. Then one last new entry, the
        # marker: the daemon handles changes in order (or, while failing, in
        # the full rescan of its next retry, backoff at most 60 s), so once
        # the marker is announced every earlier edit is in the feeds. A quiet
        # log alone proves nothing: a run logs only when it is done.
        filler.unlink(missing_ok=True)
        soaked = time.monotonic() - start
        log(f'soaked {soaked:.0f} s: {dict(sources.counts)}, {fills} fill cycles; waiting for the daemon to catch up')
        time.sleep(1)
        marker = sources.serial
        sources.add()
        marker_id = f'soak-{marker}'
        deadline = time.monotonic() + 180
        caught_up = False
        while time.monotonic() < deadline and daemon.poll() is None:
            lines = read_log(log_path)
            if any(l.get('event') == 'new' and str(l.get('id', '')).endswith('/' + marker_id) for l in lines) \
                    and not check_log(lines)[3]:
                caught_up = True
                break
            time.sleep(0.5)
        if not caught_up and daemon.poll() is None:
            failures.append('recovered: the daemon did not publish a last change within 180 s after the disk emptied')
        kib = rss_kib(daemon.pid)
        if kib:
            samples.append((time.monotonic() - start, kib))

        # alive
        if daemon.poll() is not None:
            if not any(f.startswith('alive') for f in failures):
                failures.append(f'alive: feedd exited {daemon.returncode}')
        # log
        lines = read_log(log_path)
        problems, episodes, again, unrecovered = check_log(lines)
        failures += [f'log: {p}' for p in problems[:20]]
        if unrecovered:
            failures.append('recovered: the last failure episode never ended in a `recovered` line')
        # feeds
        failures += [f'feeds: {p}' for p in validate_output(out)]
        main_feeds = [out / f for f in MAIN_FEEDS]
        for f in main_feeds:
            if not f.exists():
                failures.append(f'feeds: {f.name} missing')
        if all(f.exists() for f in main_feeds):
            if JUDGE.exists():
                r = subprocess.run([str(JUDGE)] + [str(f) for f in main_feeds], capture_output=True, text=True)
                if r.returncode != 0:
                    failures.append('feeds: judge-feed failed:\n' + r.stdout + r.stderr)
                else:
                    log('judge-feed: ' + '; '.join(l for l in r.stdout.splitlines() if l.strip())[:600])
            else:
                log(f'note: {JUDGE} missing; judges not run')
            fresh = work / 'fresh'
            r = subprocess.run([str(binary), '--once', '--config', str(config), '--output', str(fresh / 'out'),
                                '--state-dir', str(fresh / 'state'), '--log-format', 'json'],
                               capture_output=True, text=True, cwd=work)
            if r.returncode not in (0, 65):
                failures.append(f'feeds: a fresh feedd --once exited {r.returncode}: {r.stderr[-1000:]}')
            else:
                for name in MAIN_FEEDS:
                    mine, theirs = feed_ids(out / name), feed_ids(fresh / 'out' / name)
                    if name == 'publications.atom':
                        # Shown again after news that came once they were archived (RFC 5005 §4.1).
                        again = set(mine) - set(theirs)
                        archived = ids_in(archive_chain(out)[1:])
                        if again and again <= archived:
                            log(f'feeds: {name}: {len(again)} archived entries shown again after an edit')
                            mine = sorted(set(mine) - again)
                    if mine != theirs:
                        failures.append(f'feeds: {name} differs from a fresh --once: '
                                        f'{len(set(mine) - set(theirs))} ids only in the daemon\'s, '
                                        f'{len(set(theirs) - set(mine))} only in the fresh one')
        # memory
        settled = [s for s in samples if s[0] >= warmup] or samples
        if settled:
            first, last, peak = settled[0][1], settled[-1][1], max(k for _, k in samples)
            log(f'VmRSS: first after {warmup:.0f} s warm-up {first} KiB, last {last} KiB, max {peak} KiB '
                f'({len(samples)} samples; at start {samples[0][1]} KiB)')
            if last > 1.5 * first:
                failures.append(f'memory: VmRSS grew from {first} KiB to {last} KiB (> 1.5x)')
        else:
            failures.append('memory: no VmRSS samples')
        counts = Counter(l.get('event') or l.get('level') for l in lines)
        log(f'log: {len(lines)} lines; ' + ', '.join(f'{k} {v}' for k, v in counts.most_common()))
        runs = sorted(float(l.get('seconds', 0)) for l in lines if l.get('event') == 'summary')
        if runs:
            log(f'runs: {len(runs)} logged a summary; median {runs[len(runs) // 2]:.2f} s, max {runs[-1]:.2f} s')
        log(f'log: {episodes} failure episode(s), {counts["recovered"]} recovered; '
            f'{again} item(s) announced new again after a failed run')

        # SIGTERM: exits 0
        if daemon.poll() is None:
            daemon.send_signal(signal.SIGTERM)
            try:
                # SIGTERM lets the run in progress finish its write first.
                rc = daemon.wait(timeout=60)
            except subprocess.TimeoutExpired:
                daemon.kill()
                rc = 'killed after 60 s'
            if rc != 0:
                failures.append(f'alive: exit {rc} on SIGTERM, want 0')
    except Exception as e:  # noqa: BLE001
        failures.append(f'soak harness: {e}')
    finally:
        if daemon and daemon.poll() is None:
            daemon.kill()
            daemon.wait()
        if tmpfs:
            tmpfs.unmount()
        if args.keep or failures:
            log(f'work directory kept: {work} (log: {work / "feedd.log"})')
        else:
            shutil.rmtree(work, ignore_errors=True)

    if failures:
        for f in failures:
            print(f'soak: FAIL {f}', file=sys.stderr)
        sys.exit(1)
    log('PASS: alive, feeds valid, memory flat, log free of repeated lines')


if __name__ == '__main__':
    main()
