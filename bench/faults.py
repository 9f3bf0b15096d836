# ruff: noqa: S603, S607, S310, S108, S311 (a local tool: our own servers on loopback, /tmp, a load mix)
"""Khata load-and-faults benchmark: ``.venv/bin/python bench/faults.py [options]``.

A bounded run on loopback that answers one question: when processes die under load, is
anything the users were told was saved missing, or saved twice?

1. **MariaDB**: a throw-away server of our own, as ``.ci/run`` starts it (``bench/run.py``'s
   ``MariaDB``), on a fresh data directory (``--data-dir``, default
   ``/tmp/khata-faults-bench``, removed first). With ``DATABASE_URL`` set the run refuses:
   it kills the database server, which must be its own.
2. ``migrate``, ``createcachetable``, a small shop (``bench/generate_load_data.py``, 2,000 customers,
   20,000 entries), gunicorn (``--workers`` sync workers, ``CONN_MAX_AGE=60`` with
   connection health checks, DEBUG off, plain HTTP on loopback).
3. **Load**: ``--clients`` threads, each logged in with its own session, for
   ``--duration`` seconds: 70 % page reads (dashboard, customer list, a customer's page),
   30 % writes (a ₹1 payment or a ₹1 due, each with its own one-time key and a unique tag).
   A write is **acknowledged** when the server answers with its redirect (302). Any other
   answer (503, 500, a reset connection, a timeout) is retried after 1 s with the **same**
   one-time key, as a user pressing "submit" again would, until acknowledged or the
   run's end plus 60 s.
4. **Faults** in the middle of the load: at 25 % of the run one gunicorn worker is killed
   (``kill -9``; the master starts another); at 50 % the database server is killed
   (``kill -9``: a crash, not a clean stop) and started again ``--outage`` seconds later.
5. **Count**: for every one-time key the client used, how many payments/dues the database
   holds. Acknowledged and missing, or stored twice, are failures (exit status 1). Then
   ``check_ledger`` over the shop.
6. **Report**: requests by outcome, the outage as the clients saw it, writes attempted,
   acknowledged and stored; printed and written to ``bench/faults-last-run.md`` (not
   committed). gunicorn's log goes to ``<data-dir>/gunicorn.log`` and is counted.

Every process started here is stopped here (gunicorn, MariaDB); every loop is bounded.
"""

import argparse
import collections
import datetime
import http.client
import json
import os
import random
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run as bench  # noqa: E402 (bench/run.py: MariaDB, login, helpers)

ROOT, BENCH, PYTHON, HOST = bench.ROOT, bench.BENCH, bench.PYTHON, bench.HOST
say = bench.say
SHOP_NAME = "Faults Bench Shop"
USERNAME, PASSWORD = "faults", "faults-pass-123"
WRITE_SHARE = 0.3
RETRY_PAUSE = 1.0
REQUEST_TIMEOUT = 15.0


class Database(bench.MariaDB):
    """``bench.MariaDB`` that can be crashed (``kill -9``) and started again on the same
    port and data."""

    def crash(self) -> None:
        self.proc.kill()
        self.proc.wait(timeout=30)

    def restart(self) -> None:
        self.launch()

    def answers(self) -> bool:
        return subprocess.run(["mariadb-admin", "--no-defaults", f"--socket={self.sock}", "-uroot", "ping"],
                              capture_output=True).returncode == 0


# --- The clients -------------------------------------------------------------------------------------------


class Stats:
    """What every client saw, shared (under a lock)."""

    def __init__(self, started: float):
        self.started = started
        self.lock = threading.Lock()
        self.outcomes = collections.Counter()  # "200", "302", "503", "reset", "timeout" …
        self.timeline = collections.defaultdict(collections.Counter)  # second → {"ok", "error"}
        self.writes = []  # dicts: kind, key, customer, acknowledged, tries

    def record(self, outcome: str) -> None:
        second = int(time.monotonic() - self.started)
        ok = outcome in ("200", "302")
        with self.lock:
            self.outcomes[outcome] += 1
            self.timeline[second]["ok" if ok else "error"] += 1


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Client(threading.Thread):
    def __init__(self, number: int, base: str, cookie: str, csrf: str, customers: list[int], stats: Stats,
                 stop_at: float, give_up_at: float):
        super().__init__(name=f"client-{number}", daemon=True)
        self.base, self.cookie, self.csrf = base, cookie, csrf
        self.customers = customers
        self.stats = stats
        self.stop_at, self.give_up_at = stop_at, give_up_at
        self.rng = random.Random(number)
        self.opener = urllib.request.build_opener(_NoRedirect())

    def request(self, path: str, data: dict | None = None) -> str:
        body = urllib.parse.urlencode({**data, "csrfmiddlewaretoken": self.csrf}).encode() if data else None
        request = urllib.request.Request(f"{self.base}{path}", data=body,
                                         headers={"Cookie": self.cookie, "Referer": f"{self.base}/"})
        try:
            with self.opener.open(request, timeout=REQUEST_TIMEOUT) as response:
                response.read()
                outcome = str(response.status)
        except urllib.error.HTTPError as exc:
            outcome = str(exc.code)
        except TimeoutError:
            outcome = "timeout"
        except (ConnectionError, http.client.HTTPException, urllib.error.URLError) as exc:
            outcome = "timeout" if "timed out" in str(exc) else "connection error"
        self.stats.record(outcome)
        return outcome

    def read(self) -> None:
        choice = self.rng.random()
        if choice < 0.3:
            self.request("/")
        elif choice < 0.6:
            self.request("/customers/")
        else:
            self.request(f"/customers/{self.rng.choice(self.customers)}/")

    def write(self) -> None:
        kind = self.rng.choice(("payment", "due"))
        key = str(uuid.uuid4())
        customer = self.rng.choice(self.customers)
        today = datetime.date.today().isoformat()
        tag = f"faults-{key[:8]}"
        if kind == "payment":
            path = f"/customers/{customer}/payments/new/"
            data = {"amount": "1.00", "received_on": today, "method": "cash", "reference": tag, "note": "",
                    "due": "", "idempotency_key": key}
        else:
            path = f"/customers/{customer}/dues/new/"
            data = {"amount": "1.00", "description": tag, "incurred_on": today, "due_date": "",
                    "idempotency_key": key}
        write = {"kind": kind, "key": key, "customer": customer, "acknowledged": False, "tries": 0,
                 "outcomes": []}
        with self.stats.lock:
            self.stats.writes.append(write)
        while time.monotonic() < self.give_up_at:
            write["tries"] += 1
            outcome = self.request(path, data)
            write["outcomes"].append(outcome)
            if outcome == "302":
                write["acknowledged"] = True
                return
            if outcome.startswith("4"):
                return  # refused (a form error): not a fault, and not retried
            time.sleep(RETRY_PAUSE)

    def run(self) -> None:
        while time.monotonic() < self.stop_at:
            if self.rng.random() < WRITE_SHARE:
                self.write()
            else:
                self.read()


# --- Steps -------------------------------------------------------------------------------------------------


def manage(*args, env, capture=False, check=True):
    return bench.run([PYTHON, "manage.py", *args], env=env, capture=capture, check=check)


def wait_healthy(base: str, limit: float = 60) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise SystemExit("gunicorn did not answer /healthz")


COUNT_SCRIPT = """
import collections, json, sys
from django_scopes import scopes_disabled
from ledger.models import Due, Payment
keys = json.load(open(sys.argv[1]))
counts = {}
with scopes_disabled():
    for model in (Payment, Due):
        found = collections.Counter(str(k) for k in model.objects.filter(idempotency_key__in=keys)
                                    .values_list("idempotency_key", flat=True))
        counts[model.__name__.lower()] = found
json.dump(counts, open(sys.argv[2], "w"))
"""


def count_rows(env: dict, keys: list[str], work: Path) -> dict:
    """``{"payment": {key: rows}, "due": {key: rows}}`` for the one-time keys used."""
    (work / "keys.json").write_text(json.dumps(keys))
    (work / "count.py").write_text(COUNT_SCRIPT)
    code = (f"import sys; sys.argv = ['count', {str(work / 'keys.json')!r}, {str(work / 'counts.json')!r}]; "
            f"exec(open({str(work / 'count.py')!r}).read())")
    manage("shell", "-c", code, env=env)
    return json.loads((work / "counts.json").read_text())


def outage_seconds(stats: Stats, after: float) -> tuple[int | None, int | None]:
    """The first second (from the start) with errors at or after ``after``, and the first
    second after that with no errors and some answers."""
    first = last = None
    for second in sorted(stats.timeline):
        row = stats.timeline[second]
        if second < after:
            continue
        if first is None and row["error"]:
            first = second
        elif first is not None and not row["error"] and row["ok"]:
            last = second
            break
    return first, last


def report(args, stats: Stats, counts: dict, events: dict, server: dict, check_text: str) -> tuple[str, bool]:
    writes = stats.writes
    acked = [w for w in writes if w["acknowledged"]]
    stored = {w["key"]: counts[w["kind"]].get(w["key"], 0) for w in writes}
    missing = [w for w in acked if stored[w["key"]] == 0]
    doubled = [w for w in writes if stored[w["key"]] > 1]
    unacked_stored = [w for w in writes if not w["acknowledged"] and stored[w["key"]] == 1]
    retried = [w for w in acked if w["tries"] > 1]
    total = sum(stats.outcomes.values())
    ok = stats.outcomes["200"] + stats.outcomes["302"]
    db_first, db_back = outage_seconds(stats, events["db_crash"])
    kind_rows = []
    for kind in ("payment", "due"):
        of_kind = [w for w in writes if w["kind"] == kind]
        kind_acked = [w for w in of_kind if w["acknowledged"]]
        kind_rows.append(f"| {kind}s | {len(of_kind)} | {len(kind_acked)} | "
                         f"{sum(1 for w in kind_acked if stored[w['key']] == 1)} | "
                         f"{sum(1 for w in kind_acked if stored[w['key']] == 0)} | "
                         f"{sum(1 for w in of_kind if stored[w['key']] > 1)} | "
                         f"{sum(1 for w in kind_acked if w['tries'] > 1)} |")
    passed = not missing and not doubled
    out = [
        f"## Faults run, {datetime.date.today().isoformat()}",
        "",
        f"- Command: `{' '.join(['.venv/bin/python bench/faults.py', *sys.argv[1:]])}`",
        f"- Machine: {bench.machine()}",
        f"- Database: {server['db']}; Server: gunicorn {server['gunicorn']}, {args.workers} sync workers, "
        f"DEBUG off, CONN_MAX_AGE=60 (health-checked), plain HTTP on loopback.",
        f"- Load: {args.clients} clients for {args.duration} s, {int(WRITE_SHARE * 100)} % writes (₹1 payments "
        f"and ₹1 dues, each with a one-time key), the rest page reads; a failed write is retried with the "
        f"same key every {RETRY_PAUSE:.0f} s.",
        f"- Faults: `kill -9` of gunicorn worker pid {events['worker_pid']} at {events['worker_kill']:.1f} s; "
        f"`kill -9` of MariaDB at {events['db_crash']:.1f} s, started again at {events['db_restart']:.1f} s, "
        f"answering again at {events['db_back']:.1f} s ({events['db_back'] - events['db_crash']:.1f} s without a "
        f"database).",
        "",
        "| requests | answered 200/302 | 503 | 500 | other HTTP | reset/refused | timeouts |",
        "|---:|---:|---:|---:|---:|---:|---:|",
        f"| {total} | {ok} | {stats.outcomes['503']} | {stats.outcomes['500']} | "
        f"{total - ok - stats.outcomes['503'] - stats.outcomes['500'] - stats.outcomes['connection error'] - stats.outcomes['timeout']} | "  # noqa: E501
        f"{stats.outcomes['connection error']} | {stats.outcomes['timeout']} |",
        "",
        "| writes | attempted | acknowledged | stored once | **acknowledged, missing** | **stored twice** "
        "| acknowledged after a retry |",
        "|---|---:|---:|---:|---:|---:|---:|",
        *kind_rows,
        "",
        f"Errors seen by the clients during the database outage: from second {db_first} to second "
        f"{db_back} of the run (the server was down from {events['db_crash']:.0f} s to {events['db_back']:.0f} s)."
        if db_first is not None else "The clients saw no error during the database outage.",
        f"Writes not acknowledged by the end: {len(writes) - len(acked)} "
        f"({len(unacked_stored)} of them stored: the answer was lost, not the write).",
        f"Retried writes: {len(retried)} acknowledged after 2 or more tries; max tries "
        f"{max((w['tries'] for w in writes), default=0)}.",
        f"`check_ledger` after the run: {check_text}",
        "",
        ("**Passed**: nothing acknowledged is missing, nothing is stored twice." if passed else
         f"**FAILED**: {len(missing)} acknowledged write(s) missing, {len(doubled)} stored twice."),
    ]
    if missing or doubled:
        out += ["", "```", *(json.dumps(w) for w in (missing + doubled)[:20]), "```"]
    return "\n".join(out), passed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=int, default=60, help="Seconds of load (20-300).")
    parser.add_argument("--outage", type=float, default=10, help="Seconds the database stays down (1-60).")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--data-dir", default="/tmp/khata-faults-bench")
    parser.add_argument("--out", default=str(BENCH / "faults-last-run.md"))
    args = parser.parse_args()
    args.duration = max(20, min(args.duration, 300))
    args.outage = max(1.0, min(args.outage, 60.0))
    if os.environ.get("DATABASE_URL"):
        raise SystemExit("bench/faults.py kills its database server: unset DATABASE_URL, it starts its own.")

    base_dir = Path(args.data_dir)
    shutil.rmtree(base_dir, ignore_errors=True)
    db = Database(base_dir, "256M")
    gunicorn = gunicorn_log = None

    def on_signal(signum, frame):
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, on_signal)
    try:
        url = db.start()
        env = {**os.environ, "DATABASE_URL": url, "DEBUG": "false", "SECRET_KEY": "faults-" + secrets.token_hex(16),
               "ALLOWED_HOSTS": f"{HOST},localhost", "CONN_MAX_AGE": "60", "DJANGO_SETTINGS_MODULE": "config.settings",
               "ENV_FILE": "", "LOG_LEVEL": "WARNING", "LOG_FORMAT": "plain",
               "SECURE_SSL_REDIRECT": "false", "SESSION_COOKIE_SECURE": "false", "CSRF_COOKIE_SECURE": "false"}
        say("migrate, createcachetable, collectstatic")
        manage("migrate", "--noinput", "-v", "0", env=env)
        manage("createcachetable", env=env)
        manage("collectstatic", "--noinput", "-v", "0", env=env)
        say("generate_load_data: 2,000 customers, 20,000 entries")
        bench.run([PYTHON, str(ROOT / "bench" / "generate_load_data.py"), "--customers", "2000", "--entries",
                   "20000", "--invoices", "200", "--statement-customers", "1", "--name", SHOP_NAME, "--username",
                   USERNAME, "--password", PASSWORD], env=env, capture=True)
        ids = manage("shell", "-c",
                     "from django_scopes import scopes_disabled\n"
                     "from customers.models import Customer\n"
                     "with scopes_disabled():\n"
                     f"    print(','.join(str(i) for i in Customer.objects.filter(shop__name={SHOP_NAME!r})"
                     ".order_by('pk').values_list('pk', flat=True)[:500]))",
                     env=env, capture=True).stdout.strip().splitlines()[-1]
        customers = [int(i) for i in ids.split(",")]

        port = bench.free_port(18500)
        base = f"http://{HOST}:{port}"
        gunicorn_bin = str(Path(PYTHON).parent / "gunicorn")
        gunicorn_version = bench.run([gunicorn_bin, "--version"], capture=True).stdout.split()[-1].strip("()")
        gunicorn_log = open(base_dir / "gunicorn.log", "wb")  # noqa: SIM115 (closed at the end)
        gunicorn = subprocess.Popen(
            [gunicorn_bin, "config.wsgi:application", "--bind", f"{HOST}:{port}", "--workers", str(args.workers),
             "--worker-class", "sync", "--timeout", "30", "--graceful-timeout", "10", "--log-level", "warning",
             "--no-control-socket"],
            cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=gunicorn_log, stderr=subprocess.STDOUT)
        bench.PROCESSES.append(gunicorn)
        wait_healthy(base)
        say(f"gunicorn {gunicorn_version} on {base}, {args.workers} workers (pid {gunicorn.pid})")
        sessions = [bench.login(base, USERNAME, PASSWORD) for _ in range(args.clients)]

        started = time.monotonic()
        stats = Stats(started)
        stop_at = started + args.duration
        give_up_at = stop_at + 60
        clients = [Client(n, base, cookie, csrf, customers, stats, stop_at, give_up_at)
                   for n, (cookie, csrf) in enumerate(sessions)]
        for client in clients:
            client.start()
        say(f"load: {args.clients} clients for {args.duration} s")

        events = {}
        time.sleep(args.duration * 0.25)
        worker = sorted(bench.children(gunicorn.pid))[0]
        os.kill(worker, signal.SIGKILL)
        events.update(worker_pid=worker, worker_kill=time.monotonic() - started)
        say(f"killed gunicorn worker {worker} (kill -9)")

        time.sleep(max(0.0, started + args.duration * 0.5 - time.monotonic()))
        db.crash()
        events["db_crash"] = time.monotonic() - started
        say(f"killed MariaDB (kill -9); starting it again in {args.outage:.0f} s")
        time.sleep(args.outage)
        db.restart()
        events["db_restart"] = time.monotonic() - started
        deadline = time.monotonic() + 120
        while not db.answers():
            if time.monotonic() > deadline or db.proc.poll() is not None:
                raise SystemExit(f"MariaDB did not come back; see {db.log}")
            time.sleep(0.1)
        events["db_back"] = time.monotonic() - started
        say(f"MariaDB answers again ({events['db_back'] - events['db_crash']:.1f} s after the crash)")

        for client in clients:
            client.join(timeout=max(1.0, give_up_at - time.monotonic() + REQUEST_TIMEOUT + 5))
        say(f"load done: {sum(stats.outcomes.values())} requests, {len(stats.writes)} writes")

        with tempfile.TemporaryDirectory(prefix="khata-faults-") as work:
            counts = count_rows(env, [w["key"] for w in stats.writes], Path(work))
        shop_id = manage("shell", "-c", f"from accounts.models import Shop; "
                                        f"print(Shop.objects.get(name={SHOP_NAME!r}).pk)",
                         env=env, capture=True).stdout.strip().splitlines()[-1]
        check = manage("check_ledger", "--shop", shop_id, env=env, capture=True, check=False)
        check_text = (check.stdout.strip().splitlines() or [check.stderr.strip()])[-1]
        server = {"db": f"MariaDB {db.version()}, own server on loopback", "gunicorn": gunicorn_version}
        text, passed = report(args, stats, counts, events, server, check_text)
        gunicorn_log.flush()
        logged = (base_dir / "gunicorn.log").read_text(errors="replace")
        text += (f"\n\nThe app's log: {logged.count('Service Unavailable: /')} requests answered 503 (each logged "
                 f"with its cause), {logged.count('Internal Server Error: /')} answered 500, "
                 f"{logged.count('WORKER TIMEOUT')} worker timeouts.")
        Path(args.out).write_text(text + "\n")
        print("\n" + text)
        say(f"written to {args.out}")
        return 0 if passed and check.returncode == 0 else 1
    finally:
        if gunicorn is not None:
            say(f"stopping gunicorn (pid {gunicorn.pid})")
            bench.stop(gunicorn, "gunicorn")
        if gunicorn_log is not None:
            gunicorn_log.close()
        db.stop()
        shutil.rmtree(base_dir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
