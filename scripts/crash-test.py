#!/usr/bin/env python3
"""crash-test.py — SIGKILL the feedd daemon at random moments while a writer
keeps adding and deleting entries, and check that nothing is ever lost or torn.

    scripts/crash-test.py                      # 300 kills, debug build
    scripts/crash-test.py --kills 20 --seed 7  # what CI runs (~15 s)
    scripts/crash-test.py --binary "$(swift build -c release --show-bin-path)/feedd"

Python 3 standard library only. Builds nothing: build feedd first
(`swift build --product feedd`).

What happens
------------
A writer thread keeps a source tree of dated Markdown entries churning: it adds
entries (half `kind: publication`, half `kind: job`, unique ids, RFC 3339 dates
or date-times, random enough that new ones often enter the capped feeds),
deletes random live ones, and now and then edits one. Most files are written to
a hidden temp name and renamed into place; some are written in place, in two
chunks with a pause between, so the daemon's full scans can meet a half file.
New subdirectories appear over time. The writer records when each entry was
complete on disk and when it was deleted.

Meanwhile the daemon (`feedd --config CFG --log-format json`, debounce 50 ms,
NOTIFY_SOCKET pointing at a datagram socket that a thread of ours reads as
systemd would, recording when READY=1 arrives) is started and SIGKILLed
`--kills` times. Each kill comes at one of three kinds of moment, chosen by the
seeded RNG:
  * early: 0–300 ms after the spawn (startup, initial scan, first write);
  * idle-ish: 0–600 ms after READY=1 (whatever the daemon is doing then);
  * mid-run: right after the daemon's log file grows — it logs a run's events
    after writing the feeds and before committing the state — plus 0–5 ms.

After EVERY kill (the daemon is dead, nothing writes the output or state):
  * every *.atom file in the output dir parses with xml.etree and is an Atom
    <feed> (once the feeds first exist, they must keep existing);
  * `PRAGMA integrity_check` on the state database answers `ok`. It runs on a
    copy of state.sqlite (+ -wal), so that our connection's WAL recovery and
    checkpoint-on-close do not do the daemon's recovery for it.
A daemon that exits on its own before being killed is a failure.

At the end: one more daemon start, the writer stops, and we wait until the
feeds and the daemon's log have not changed for 2 s. Then
  * no `.*.tmp-*` file is left in the output dir;
  * the feeds are byte-identical to those a fresh `feedd --once` writes from
    the same tree into an empty output and state dir (entries carry their
    own `updated:` and closed openings leave at once, so the daemon's
    history leaves no trace a fresh run could not make);
  * every entry that existed for at least --min-life seconds (default 3) has a
    `new` line in some daemon run's log (duplicates after a crash are fine).
    An entry whose whole life fell while no daemon could have seen it (no run
    started after it appeared and was READY before it went, and no run was up
    across its whole life) is counted as "unobservable", not as a failure;
    the summary says how many there were (normally 0);
  * SIGTERM stops the last daemon with STOPPING=1 and exit status 0.

Exit status 0 when every check passed; 1 with a message naming the failed
check otherwise; 2 for bad usage or a missing binary. The RNG is seeded
(--seed), but thread timing is not, so two runs with one seed differ in detail.
"""

import argparse
import json
import os
import random
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta, timezone

from archive_chain import archive_chain, ids_in

ATOM = "{http://www.w3.org/2005/Atom}"
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def log(msg):
    print(f"crash-test: {msg}", flush=True)


class Failure(Exception):
    pass


# --------------------------------------------------------------------------
# The writer


class Writer(threading.Thread):
    """Adds, deletes and edits entries until stopped; records lifetimes."""

    def __init__(self, root, rng, target=150):
        super().__init__(daemon=True)
        self.root = root
        self.rng = rng
        self.target = target
        self.stop_event = threading.Event()
        self.lock = threading.Lock()
        self.live = {}       # key -> path
        self.created = {}    # key -> monotonic time the file was complete
        self.deleted = {}    # key -> monotonic time just before the unlink
        self.kinds = {}
        self.counter = 0
        self.edits = 0
        self.in_place = 0
        self.renamed = 0
        self.dirs = ["", "publications", "jobs", "deep/a/b"]
        self.error = None
        for d in self.dirs:
            os.makedirs(os.path.join(root, d), exist_ok=True)

    # One entry's text. Dates are spread over a few years so that additions
    # and deletions keep reshuffling the top 50 of each capped feed.
    def text(self, key, kind, n, revision=0):
        rng = self.rng
        moment = datetime(2023, 1, 1, tzinfo=timezone.utc) + timedelta(seconds=rng.randrange(4 * 365 * 86400))
        style = rng.randrange(3)
        if style == 0:
            date = moment.strftime("%Y-%m-%d")
        elif style == 1:
            date = moment.strftime("%Y-%m-%dT%H:%M:%SZ")
        else:
            date = (moment.astimezone(timezone(timedelta(hours=2)))).strftime("%Y-%m-%dT%H:%M:%S+02:00")
        lines = ["---", f"kind: {kind}", f"id: {key}"]
        if kind == "publication":
            lines += [f'title: "Crash-test paper {n}"', f"date: {date}",
                      f"link: https://example.org/crash/papers/{n}",
                      "authors: [A. Writer, B. Killer]", "venue: CrashConf"]
        else:
            lines += [f'title: "Crash-test opening {n}"', f"date: {date}",
                      f"link: https://example.org/crash/jobs/{n}",
                      'location: "US, WA, Seattle"', "team: Reliability"]
        # An `updated:` of its own: an edit's `updated` is then the file's, not
        # the moment the daemon saw it, so the feeds can equal a fresh run's.
        lines += [f"updated: {moment.strftime('%Y-%m-%dT%H:%M:%SZ')}"]
        lines += ["tags: [crash]", "---",
                  f"Entry {n} survives SIGKILL (revision {revision}). It has a short summary.",
                  "",
                  f"A second paragraph, {rng.randrange(10**6)}, so the content is not the summary.", ""]
        return "\n".join(lines)

    def write(self, path, data):
        """temp file + rename (mostly) or in place in two chunks (sometimes)."""
        if self.rng.random() < 0.7:
            d, name = os.path.split(path)
            tmp = os.path.join(d, f".{name}.tmp-writer")
            with open(tmp, "w") as f:
                f.write(data)
            os.rename(tmp, path)
            self.renamed += 1
        else:
            cut = self.rng.randrange(1, len(data))
            with open(path, "w") as f:
                f.write(data[:cut])
                f.flush()
                time.sleep(self.rng.uniform(0, 0.005))
                f.write(data[cut:])
            self.in_place += 1

    def step(self):
        rng = self.rng
        live = len(self.live)
        p_add = 0.8 if live < self.target // 2 else (0.55 if live < self.target else 0.35)
        r = rng.random()
        if r < 0.08 and self.live:                       # edit
            key = rng.choice(sorted(self.live))
            n = int(key.rsplit("-", 1)[1])
            self.write(self.live[key], self.text(key, self.kinds[key], n, revision=rng.randrange(1, 1000)))
            self.edits += 1
        elif r < 0.08 + p_add or not self.live:          # add
            n = self.counter
            self.counter += 1
            if n % 97 == 96:                             # now and then, a new subdirectory
                d = f"batch-{n // 97}/x"
                os.makedirs(os.path.join(self.root, d), exist_ok=True)
                self.dirs.append(d)
            kind = "publication" if n % 2 == 0 else "job"
            key = f"crash-{n:06d}"
            path = os.path.join(self.root, rng.choice(self.dirs), f"{key}.md")
            self.write(path, self.text(key, kind, n))
            with self.lock:
                self.live[key] = path
                self.kinds[key] = kind
                self.created[key] = time.monotonic()
        else:                                             # delete
            key = rng.choice(sorted(self.live))
            with self.lock:
                self.deleted[key] = time.monotonic()
                path = self.live.pop(key)
            os.unlink(path)

    def run(self):
        try:
            while not self.stop_event.is_set():
                self.step()
                time.sleep(self.rng.uniform(0.005, 0.04))
        except Exception as e:  # reported by the main thread
            self.error = e

    def stop(self):
        self.stop_event.set()
        self.join()
        if self.error:
            raise Failure(f"the writer failed: {self.error!r}")


# --------------------------------------------------------------------------
# The daemon


class Notify:
    """A NOTIFY_SOCKET datagram listener that, like systemd, reads every
    datagram as it arrives (on its own thread), stamped with its arrival time."""

    def __init__(self, path):
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(path)
        self.sock.settimeout(0.05)
        self.msgs = []  # (monotonic, text)
        self.cond = threading.Condition()
        self.closed = False
        self.syncs = 0
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        while not self.closed:
            try:
                data = self.sock.recv(65536)
            except socket.timeout:
                continue
            except OSError:
                return
            with self.cond:
                self.msgs.append((time.monotonic(), data.decode(errors="replace")))
                self.cond.notify_all()

    def mark(self):
        with self.cond:
            return len(self.msgs)

    def sync(self):
        """Returns once every datagram sent before the call has been read."""
        self.syncs += 1
        token = f"X-CRASH-TEST-SYNC={self.syncs}"
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as s:
            s.sendto(token.encode(), self.path)
        with self.cond:
            if not self.cond.wait_for(lambda: any(m == token for _, m in self.msgs[-50:]), timeout=10):
                raise Failure("our own notify socket did not deliver a datagram within 10 s")

    def find(self, start, assignment, end=None):
        """Arrival time of the first datagram in msgs[start:end] holding `assignment`."""
        with self.cond:
            for t, m in self.msgs[start:end]:
                if assignment in m.split("\n"):
                    return t
        return None

    def wait_ready(self, proc, start, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            t = self.find(start, "READY=1")
            if t is not None:
                return t
            if proc.poll() is not None:
                return None
            time.sleep(0.002)
        return None

    def close(self):
        self.closed = True


class Run:
    def __init__(self, n, proc, logpath, started, mark):
        self.n = n
        self.proc = proc
        self.logpath = logpath
        self.started = started
        self.mark = mark          # index of its first datagram in Notify.msgs
        self.ready = None
        self.ended = None


def start_daemon(args, cfg, logdir, notify, n):
    logpath = os.path.join(logdir, f"run-{n:04d}.log")
    env = dict(os.environ, NOTIFY_SOCKET=notify.path)
    env.pop("WATCHDOG_USEC", None)
    env.pop("JOURNAL_STREAM", None)
    mark = notify.mark()
    with open(logpath, "wb") as lf:
        started = time.monotonic()
        proc = subprocess.Popen([args.binary, "--config", cfg, "--log-format", "json"],
                                stdin=subprocess.DEVNULL, stdout=lf, stderr=subprocess.STDOUT, env=env)
    return Run(n, proc, logpath, started, mark)


def tail(path, lines=15):
    try:
        with open(path, errors="replace") as f:
            return "".join(f.readlines()[-lines:])
    except OSError:
        return ""


# --------------------------------------------------------------------------
# Checks


def check_feeds(out, must_exist):
    names = sorted(n for n in os.listdir(out) if n.endswith(".atom") and not n.startswith("."))
    if must_exist and not set(must_exist) <= set(names):
        raise Failure(f"feed file(s) missing after a kill: {sorted(set(must_exist) - set(names))} (present: {names})")
    for name in names:
        path = os.path.join(out, name)
        try:
            root = ET.parse(path).getroot()
        except ET.ParseError as e:
            raise Failure(f"{name} does not parse after a kill: {e}")
        if root.tag != ATOM + "feed":
            raise Failure(f"{name}: root element is {root.tag}, not an Atom feed")
    return names


def check_state(state_dir, scratch):
    db = os.path.join(state_dir, "state.sqlite")
    if not os.path.exists(db):
        return False
    shutil.rmtree(scratch, ignore_errors=True)
    os.makedirs(scratch)
    for suffix in ("", "-wal", "-journal"):
        if os.path.exists(db + suffix):
            shutil.copy2(db + suffix, os.path.join(scratch, "state.sqlite" + suffix))
    conn = sqlite3.connect(os.path.join(scratch, "state.sqlite"))
    try:
        rows = conn.execute("PRAGMA integrity_check").fetchall()
    finally:
        conn.close()
    if rows != [("ok",)]:
        raise Failure(f"PRAGMA integrity_check after a kill: {rows[:10]}")
    return True


def temp_files(out):
    return sorted(n for n in os.listdir(out) if n.startswith(".") and ".tmp-" in n)


def snapshot(out, logpath):
    feeds = {}
    for n in sorted(os.listdir(out)):
        if n.endswith(".atom"):
            with open(os.path.join(out, n), "rb") as f:
                feeds[n] = f.read()
    return feeds, os.path.getsize(logpath)


def new_events(logdir):
    """Keys announced as `new` across every run's log; and unparsable lines."""
    keys, bad = set(), []
    for name in sorted(os.listdir(logdir)):
        with open(os.path.join(logdir, name), errors="replace") as f:
            for i, line in enumerate(f, 1):
                line = line.strip()
                if not line:
                    continue
                try:
                    obj = json.loads(line)
                except ValueError:
                    bad.append(f"{name}:{i}: {line[:120]}")
                    continue
                if obj.get("event") == "new" and isinstance(obj.get("id"), str):
                    keys.add(obj["id"].rsplit("/", 1)[-1])
    return keys, bad


# --------------------------------------------------------------------------


def write_config(path, src, out, state):
    with open(path, "w") as f:
        f.write(f"""source = "{src}"
output = "{out}"
state_dir = "{state}"

[site]
title = "feedd crash test"
base_url = "https://crash.example/"
tag_authority = "crash.example,2026"
author = "feedd crash test"
lang = "en"

[daemon]
debounce_ms = 50

[[feed]]
name = "publications"
file = "publications.atom"
kind = "publication"
title = "Crash-test publications"
cap = 50

[[feed]]
name = "openings"
file = "openings.atom"
kind = "job"
title = "Crash-test openings"
cap = 50
# Deleted openings leave at once, as in a fresh run (which never saw them).
closed_days = 0
""")


def main():
    ap = argparse.ArgumentParser(description="SIGKILL the feedd daemon at random moments and check nothing is lost or torn.")
    ap.add_argument("--kills", type=int, default=300, help="how many SIGKILLs (default 300)")
    ap.add_argument("--seed", type=int, default=1, help="RNG seed (default 1)")
    ap.add_argument("--binary", default=os.path.join(REPO, ".build", "debug", "feedd"),
                    help="feedd binary (default: the debug build, .build/debug/feedd)")
    ap.add_argument("--min-life", type=float, default=3.0,
                    help="an entry that existed this many seconds must have been announced (default 3)")
    ap.add_argument("--workdir", help="keep everything in this new directory instead of a temp dir that is removed on success")
    ap.add_argument("--ready-timeout", type=float, default=60.0, help="seconds to wait for READY=1 (default 60)")
    args = ap.parse_args()
    if args.kills < 1:
        ap.error("--kills must be at least 1")
    args.binary = os.path.abspath(args.binary)
    if not os.access(args.binary, os.X_OK):
        print(f"crash-test: no executable feedd at {args.binary} (build it: swift build --product feedd, or pass --binary)",
              file=sys.stderr)
        return 2

    if args.workdir:
        os.makedirs(args.workdir)
        work = os.path.abspath(args.workdir)
    else:
        work = tempfile.mkdtemp(prefix="feedd-crash-")
    src, out, state = (os.path.join(work, d) for d in ("src", "out", "state"))
    logdir, scratch = os.path.join(work, "logs"), os.path.join(work, "integrity")
    for d in (src, out, state, logdir):
        os.makedirs(d, exist_ok=True)
    cfg = os.path.join(work, "feedd.toml")
    write_config(cfg, src, out, state)

    rng = random.Random(args.seed)
    writer = Writer(src, random.Random(args.seed * 7919 + 1))
    notify = Notify(os.path.join(work, "notify.sock"))
    started_at = time.monotonic()
    log(f"{args.kills} kills, seed {args.seed}, binary {args.binary}, work dir {work}")

    runs = []
    checks = {"feeds parsed": 0, "integrity ok": 0}
    moments = {"early": 0, "after READY": 0, "mid-run": 0}
    temps_after_kill = 0
    feeds_seen = []
    current = None
    ok = False
    try:
        writer.start()
        for k in range(args.kills):
            current = start_daemon(args, cfg, logdir, notify, len(runs))
            runs.append(current)
            proc = current.proc
            mode = rng.choices(["early", "after READY", "mid-run"], weights=[2, 4, 4])[0]
            if mode == "early":
                time.sleep(rng.uniform(0, 0.3))
            else:
                current.ready = notify.wait_ready(proc, current.mark, args.ready_timeout)
                if current.ready is None:
                    if proc.poll() is not None:
                        raise Failure(f"run {current.n}: the daemon exited with status {proc.returncode} before READY=1\n"
                                      + tail(current.logpath))
                    raise Failure(f"run {current.n}: no READY=1 within {args.ready_timeout} s\n" + tail(current.logpath))
                if mode == "after READY":
                    time.sleep(rng.uniform(0, 0.6))
                else:
                    size = os.path.getsize(current.logpath)
                    deadline = time.monotonic() + 1.5
                    while time.monotonic() < deadline and os.path.getsize(current.logpath) == size:
                        time.sleep(0.0005)
                    time.sleep(rng.uniform(0, 0.005))
            if proc.poll() is not None:
                raise Failure(f"run {current.n}: the daemon exited by itself (status {proc.returncode}) before the kill\n"
                              + tail(current.logpath))
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            current.ended = time.monotonic()
            notify.sync()   # every datagram of this run is read before the next one starts
            if current.ready is None:
                current.ready = notify.find(current.mark, "READY=1")
            moments[mode] += 1

            feeds_seen = check_feeds(out, feeds_seen) or feeds_seen
            checks["feeds parsed"] += 1
            if check_state(state, scratch):
                checks["integrity ok"] += 1
            temps_after_kill += bool(temp_files(out))
            if (k + 1) % 50 == 0 or k + 1 == args.kills:
                log(f"{k + 1} kills, {writer.counter} entries written, {len(writer.live)} live, "
                    f"{time.monotonic() - started_at:.0f} s")

        # The final run: let it settle with the writer still going, stop the writer, wait for quiet.
        current = start_daemon(args, cfg, logdir, notify, len(runs))
        runs.append(current)
        current.ready = notify.wait_ready(current.proc, current.mark, args.ready_timeout)
        if current.ready is None:
            raise Failure(f"final run: no READY=1 (status {current.proc.poll()})\n" + tail(current.logpath))
        time.sleep(1.0)
        writer.stop()
        stopped = time.monotonic()
        last, quiet_since = snapshot(out, current.logpath), time.monotonic()
        while time.monotonic() - quiet_since < 2.0:
            if time.monotonic() - stopped > 120:
                raise Failure("the feeds or the log kept changing for 2 minutes after the writer stopped")
            if current.proc.poll() is not None:
                raise Failure(f"final run: the daemon exited (status {current.proc.returncode})\n" + tail(current.logpath))
            time.sleep(0.1)
            now = snapshot(out, current.logpath)
            if now != last:
                last, quiet_since = now, time.monotonic()
        settle = time.monotonic() - stopped

        left = temp_files(out)
        if left:
            raise Failure(f"temp files left in the output dir: {left}")
        checks["no temp files"] = 1

        fresh_out, fresh_state = os.path.join(work, "fresh-out"), os.path.join(work, "fresh-state")
        once = subprocess.run([args.binary, "--once", "--config", cfg, "--output", fresh_out, "--state-dir", fresh_state,
                               "--log-format", "json"], stdin=subprocess.DEVNULL, capture_output=True, text=True)
        if once.returncode != 0:
            raise Failure(f"feedd --once on the final tree exited {once.returncode}\n{once.stderr[-2000:]}")
        # Archive documents are history, not a function of the final tree (a
        # full one never changes): compared by what a reader rebuilds from
        # them, every live publication at least, not byte for byte.
        daemon_feeds = {n: b for n, b in last[0].items() if "-archive-" not in n}
        fresh_feeds = {n: open(os.path.join(fresh_out, n), "rb").read()
                       for n in sorted(os.listdir(fresh_out)) if n.endswith(".atom") and "-archive-" not in n}
        missing = ids_in(archive_chain(fresh_out)) - ids_in(archive_chain(out))
        if missing:
            raise Failure(f"following prev-archive from the daemon's publications.atom misses {len(missing)} live "
                          f"publication(s), e.g. {sorted(missing)[:3]}")
        checks["archive chain holds every live publication"] = 1
        if sorted(daemon_feeds) != sorted(fresh_feeds):
            raise Failure(f"feed files differ: daemon wrote {sorted(daemon_feeds)}, --once wrote {sorted(fresh_feeds)}")
        for n in fresh_feeds:
            if daemon_feeds[n] != fresh_feeds[n]:
                raise Failure(f"{n} differs from a fresh --once: compare {os.path.join(out, n)} "
                              f"with {os.path.join(fresh_out, n)}")
        checks["feeds == fresh --once"] = len(fresh_feeds)
        once_new = sum(1 for line in once.stderr.splitlines() if '"event":"new"' in line)
        if once_new != len(writer.live):
            raise Failure(f"fresh --once announced {once_new} new entries; the tree holds {len(writer.live)}")

        current.proc.send_signal(signal.SIGTERM)
        try:
            status = current.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            raise Failure("the final daemon did not exit within 10 s of SIGTERM")
        current.ended = time.monotonic()
        if status != 0:
            raise Failure(f"the final daemon exited {status} on SIGTERM\n" + tail(current.logpath))
        notify.sync()
        if notify.find(current.mark, "STOPPING=1") is None:
            raise Failure("the final daemon sent no STOPPING=1 on SIGTERM")
        checks["SIGTERM: STOPPING=1, exit 0"] = 1

        # Every entry that lived long enough was announced at least once.
        announced, bad_lines = new_events(logdir)
        if bad_lines:
            raise Failure(f"{len(bad_lines)} log line(s) are not JSON, e.g. {bad_lines[0]}")
        end = time.monotonic()
        required = missing = unobservable = 0
        missing_keys = []
        for key, t0 in writer.created.items():
            t1 = writer.deleted.get(key, end)
            if t1 - t0 < args.min_life:
                continue
            required += 1
            if key in announced:
                continue
            # Could any run have seen it? A run whose initial scan lay inside
            # its life, or a run that was up across its whole life.
            seen = any(r.started >= t0 and r.ready is not None and r.ready <= t1 for r in runs) or \
                any(r.ready is not None and r.ready <= t0 and (r.ended or end) >= t1 for r in runs)
            if seen:
                missing += 1
                missing_keys.append(key)
            else:
                unobservable += 1
        if missing:
            raise Failure(f"{missing} of {required} entries that lived ≥ {args.min_life:g} s never got a `new` line, "
                          f"e.g. {missing_keys[:5]}")
        checks["entries announced"] = required - unobservable
        ok = True
    except Failure as e:
        print(f"crash-test: FAIL: {e}", file=sys.stderr)
    finally:
        if not writer.stop_event.is_set():
            writer.stop_event.set()
            writer.join()
        if current and current.proc.poll() is None:
            current.proc.kill()
            current.proc.wait()
        notify.close()

    elapsed = time.monotonic() - started_at
    print()
    print(f"kills:              {sum(moments.values())} ({', '.join(f'{v} {k}' for k, v in moments.items())})")
    print(f"daemon runs:        {len(runs)}")
    print(f"entries written:    {writer.counter} ({writer.renamed} renamed into place, {writer.in_place} written in place, "
          f"{writer.edits} edits, {len(writer.deleted)} deleted, {len(writer.live)} live at the end)")
    print(f"temp files seen after a kill: {temps_after_kill} time(s) (must be gone at the end)")
    for name, n in checks.items():
        print(f"check {name + ':':30s}{n}")
    if ok:
        print(f"entries that lived ≥ {args.min_life:g} s: {required}, all announced; "
              f"unobservable (no daemon up while they lived): {unobservable}")
        print(f"settled {settle:.1f} s after the writer stopped")
    print(f"runtime:            {elapsed:.1f} s")
    print("RESULT: " + ("PASS" if ok else f"FAIL (work dir kept: {work})"))
    if ok and not args.workdir:
        shutil.rmtree(work, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
