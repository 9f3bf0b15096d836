# ruff: noqa: S603, S607, S310, S108 (a local tool: runs our own servers and tools, loopback URLs, /tmp)
"""Khata load benchmark: ``make bench`` (or ``.venv/bin/python bench/run.py``).

Steps, each printed with its time:

1. MariaDB: with ``DATABASE_URL`` set, that database is used; else a throw-away server is
   started like ``.ci/run`` does (own port and socket, loopback only) on a data directory
   that is kept between runs (``--data-dir``, default ``/tmp/khata-bench``), and stopped
   at the end.
2. ``pip install -r bench/requirements.txt`` (gunicorn) and ``wrk`` from Debian if missing.
3. ``migrate``, ``collectstatic``; ``bench/generate_load_data.py`` unless the shop is already there
   (``--regenerate`` rebuilds it), then ``check_ledger --shop ID``.
4. ``bench/probe.py``: queries per page, each query's ``EXPLAIN`` and time.
5. gunicorn on 127.0.0.1 (``--workers``), a real login (form POST), then per page a warm-up
   and a bounded ``wrk`` run (``--duration`` seconds, ``--connections`` connections, one
   thread), sampling every worker's RSS each second.
6. The results table (markdown) with the targets checked, the EXPLAIN output, written to
   ``bench/last-run.md`` (``--out``) and printed.

Loopback only; every loop is bounded by time; every process started here is stopped here.
"""

import argparse
import contextlib
import datetime
import http.cookiejar
import json
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
PYTHON = sys.executable
HOST = "127.0.0.1"
STARTED = time.monotonic()
PROCESSES: list[subprocess.Popen] = []

TARGET_QUERIES = 10
TARGET_P95_MS = 50
TARGET_RATIO = 0.40


def say(message: str) -> None:
    print(f"[{time.monotonic() - STARTED:7.1f}s] {message}", flush=True)


def free_port(start: int) -> int:
    for port in range(start, start + 200):
        with socket.socket() as s:
            if s.connect_ex((HOST, port)) != 0:
                return port
    raise SystemExit(f"no free port from {start}")


def run(cmd, env=None, check=True, capture=False, **kwargs):
    result = subprocess.run(cmd, env=env, cwd=ROOT, text=True, check=False,
                            capture_output=capture, **kwargs)
    if check and result.returncode != 0:
        if capture:
            print(result.stdout, result.stderr, sep="\n", file=sys.stderr)
        raise SystemExit(f"failed ({result.returncode}): {' '.join(map(str, cmd))}")
    return result


def stop(proc: subprocess.Popen, name: str, timeout: float = 30) -> None:
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        say(f"{name} did not stop in {timeout:.0f} s; killing pid {proc.pid}")
        proc.kill()
        proc.wait()


# --- MariaDB -----------------------------------------------------------------------------------------


class MariaDB:
    """A server of our own on loopback, as .ci/run starts it; data kept in ``datadir``."""

    def __init__(self, base: Path, buffer_pool: str):
        self.base = base
        self.datadir = base / "mariadb"
        self.sock = base / "mariadb.sock"
        self.log = base / "mariadb.log"
        self.buffer_pool = buffer_pool
        self.proc = None
        self.port = None
        self.password_file = base / "db-password"

    def launch(self) -> None:
        """Start ``mariadbd`` on ``self.port`` over ``self.datadir`` (it must be installed)."""
        self.proc = subprocess.Popen(
            ["mariadbd", "--no-defaults", "--user=root", f"--datadir={self.datadir}", f"--socket={self.sock}",
             f"--pid-file={self.base / 'mariadb.pid'}", f"--port={self.port}", f"--bind-address={HOST}",
             "--skip-name-resolve", "--character-set-server=utf8mb4", "--collation-server=utf8mb4_unicode_ci",
             f"--innodb-buffer-pool-size={self.buffer_pool}", "--max-connections=200",
             f"--log-error={self.log}"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        PROCESSES.append(self.proc)

    def start(self) -> str:
        sbin = "/usr/sbin:/usr/local/sbin:/sbin"
        os.environ["PATH"] = os.environ.get("PATH", "") + ":" + sbin
        if not shutil.which("mariadbd"):
            say("installing mariadb-server (apt)")
            run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", "mariadb-server", "mariadb-client"],
                env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
        self.base.mkdir(parents=True, exist_ok=True)
        fresh = not (self.datadir / "mysql").exists()
        if fresh:
            run(["mariadb-install-db", "--no-defaults", "--user=root", f"--datadir={self.datadir}",
                 "--auth-root-authentication-method=socket", "--skip-test-db"], capture=True)
        self.port = free_port(33406)
        self.launch()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            ok = subprocess.run(["mariadb-admin", "--no-defaults", f"--socket={self.sock}", "-uroot", "ping"],
                                capture_output=True).returncode == 0
            if ok:
                break
            if self.proc.poll() is not None:
                raise SystemExit(f"MariaDB exited; see {self.log}")
            time.sleep(0.25)
        else:
            raise SystemExit(f"MariaDB did not start; see {self.log}")
        if not self.password_file.exists():
            self.password_file.write_text("bench-" + secrets.token_hex(12))
        password = self.password_file.read_text().strip()
        sql = f"""
CREATE DATABASE IF NOT EXISTS `khata` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE USER IF NOT EXISTS 'khata'@'127.0.0.1' IDENTIFIED BY '{password}';
GRANT ALL PRIVILEGES ON `khata`.* TO 'khata'@'127.0.0.1';
GRANT ALL PRIVILEGES ON `test_khata`.* TO 'khata'@'127.0.0.1';
FLUSH PRIVILEGES;
"""
        self.mysql(sql)
        if fresh:
            tz = subprocess.run(["mariadb-tzinfo-to-sql", "/usr/share/zoneinfo"], capture_output=True, text=True)
            self.mysql(tz.stdout, database="mysql")
        say(f"MariaDB {self.version()} on {HOST}:{self.port} (data {self.datadir}, "
            f"buffer pool {self.buffer_pool})")
        return f"mysql://khata:{password}@{HOST}:{self.port}/khata"

    def mysql(self, sql: str, database: str = "") -> str:
        cmd = ["mariadb", "--no-defaults", f"--socket={self.sock}", "-uroot", "-N", "-B"]
        if database:
            cmd.append(database)
        return run(cmd, input=sql, capture=True).stdout

    def version(self) -> str:
        return self.mysql("SELECT VERSION();").strip()

    def stop(self):
        if self.proc is not None:
            say(f"stopping MariaDB (pid {self.proc.pid})")
            stop(self.proc, "MariaDB", timeout=60)


# --- gunicorn and memory ----------------------------------------------------------------------------


def children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            found += [int(x) for x in (task / "children").read_text().split()]
    return found


def rss_kib(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


class RssSampler(threading.Thread):
    """Samples the RSS of every gunicorn worker once a second until stopped."""

    def __init__(self, master_pid: int):
        super().__init__(daemon=True)
        self.master_pid = master_pid
        self.samples: list[tuple[float, str, dict[int, int]]] = []
        self.label = "start"
        self._halt = threading.Event()

    def run(self):
        while not self._halt.is_set():
            workers = {pid: rss_kib(pid) for pid in children(self.master_pid)}
            self.samples.append((time.monotonic(), self.label, {p: r for p, r in workers.items() if r}))
            self._halt.wait(1.0)

    def stop(self):
        self._halt.set()
        self.join(timeout=5)

    def per_label(self, label: str) -> tuple[float, float]:
        """Mean worker RSS (MiB) at the first and last sample taken under ``label``."""
        rows = [s for s in self.samples if s[1] == label and s[2]]
        if not rows:
            return (0.0, 0.0)

        def mean(sample):
            return sum(sample[2].values()) / len(sample[2]) / 1024

        return mean(rows[0]), mean(rows[-1])


# --- HTTP: login and the load tool -------------------------------------------------------------------


def login(base: str, username: str, password: str) -> tuple[str, str]:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{base}/accounts/login/", timeout=30).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    data = urllib.parse.urlencode({"username": username, "password": password,
                                   "csrfmiddlewaretoken": token}).encode()
    request = urllib.request.Request(f"{base}/accounts/login/", data=data,
                                     headers={"Referer": f"{base}/accounts/login/"})
    opener.open(request, timeout=30).read()
    cookies = {c.name: c.value for c in jar}
    if "sessionid" not in cookies:
        raise SystemExit("login failed: no session cookie")
    return "; ".join(f"{k}={v}" for k, v in cookies.items()), cookies["csrftoken"]


def settle(base: str, limit: float = 120.0) -> float:
    """Wait (at most ``limit`` s) until every worker is free again: requests still running
    after a load run (a slow page's) would otherwise weigh on the next page's numbers."""
    start = time.monotonic()

    def fetch(results, index):
        t = time.monotonic()
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=limit) as response:
                response.read()
            results[index] = time.monotonic() - t
        except OSError:
            results[index] = limit

    while time.monotonic() - start < limit:
        results = [limit] * 4
        threads = [threading.Thread(target=fetch, args=(results, i)) for i in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if max(results) < 0.1:
            break
        time.sleep(0.5)
    return time.monotonic() - start


def wrk(base: str, page: dict, *, cookie: str, csrf: str, ids: list[int], duration: int, connections: int,
        timeout: int = 10) -> dict:
    env = {**os.environ, "BENCH_COOKIE": cookie}
    if page.get("method") == "POST":
        env.update({"BENCH_METHOD": "POST", "BENCH_BODY": urllib.parse.urlencode(page["data"]),
                    "BENCH_CSRF": csrf, "BENCH_PATHS": page["path_template"],
                    "BENCH_IDS": ",".join(map(str, ids))})
    cmd = ["wrk", "-t1", f"-c{connections}", f"-d{duration}s", f"--timeout={timeout}s",
           "-s", str(BENCH / "wrk" / "page.lua"), base + page["path"]]
    result = run(cmd, env=env, capture=True, timeout=duration + 60)
    line = [x for x in result.stdout.splitlines() if x.startswith("{")]
    if not line:
        raise SystemExit(f"wrk printed no result for {page['path']}:\n{result.stdout}\n{result.stderr}")
    stats = json.loads(line[-1])
    stats["rps"] = stats["requests"] / (stats["duration_us"] / 1e6)
    stats["errors"] = sum(stats[k] for k in stats if k.startswith("errors_"))
    return stats


# --- the report ------------------------------------------------------------------------------------------


def machine() -> str:
    cpu = "?"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem = Path("/proc/meminfo").read_text().split("\n")[0].split()[1]
    return (f"{os.cpu_count()} cores ({cpu}), {int(mem) / 1024 / 1024:.0f} GiB RAM, "
            f"{platform.system()} {platform.release()}, Python {platform.python_version()}")


def report(args, info: dict, results: dict, generation: dict, server: dict, rss) -> str:
    today = datetime.date.today().isoformat()
    out = [f"## Results, {today}", "",
           f"- Command: `{' '.join(['make bench'] + (sys.argv[1:] or []))}`",
           f"- Machine: {machine()}",
           f"- Database: {server['db']}",
           f"- Load average (1/5/15 min): {server['load']} (other work on the machine shows here).",
           f"- Data: shop {info['shop_id']}: {info['totals']['customers']:,} customers, "
           f"{info['totals']['dues']:,} dues + {info['totals']['payments']:,} payments, "
           f"{info['totals']['invoices']:,} invoices. {generation['text']}",
           f"- Server: gunicorn {server['gunicorn']} on {HOST}, {args.workers} sync workers, DEBUG off, "
           f"CONN_MAX_AGE={args.conn_max_age}; load: wrk, 1 thread, {args.connections} connections, "
           f"{args.duration} s per page after a {args.warmup} s warm-up. \"1 request\" is one request "
           f"in-process (Django test client, `bench/probe.py`), before the load.",
           "",
           "| page | queries | 1 request, ms | req/s | p50 ms | p95 ms | p99 ms | vs ceiling "
           "| worker RSS MiB (start→end) | errors |",
           "|---|---:|---:|---:|---:|---:|---:|---:|---|---:|"]
    ceiling = results["ping"]["rps"]
    misses = []
    for page in info["pages"]:
        r = results.get(page["key"])
        if r is None:
            continue
        ratio = r["rps"] / ceiling if ceiling else 0
        start, end = rss.per_label(page["key"])
        p95 = r["p95_us"] / 1000
        flags = []
        if page["queries"] > TARGET_QUERIES:
            flags.append(f"queries {page['queries']} > {TARGET_QUERIES}")
        if p95 > TARGET_P95_MS:
            flags.append(f"p95 {p95:.0f} ms > {TARGET_P95_MS} ms")
        if page["key"] != "ping" and ratio < TARGET_RATIO:
            flags.append(f"throughput {ratio:.0%} < {TARGET_RATIO:.0%} of ceiling")
        if flags:
            misses.append(f"{page['name'].strip()}: " + "; ".join(flags))
        if r["requests"] == 0:
            flags.append(f"no request completed in {args.duration} s")
            out.append(f"| {page['name'].strip()} | {page['queries']} | {page['elapsed_ms']:.0f} | 0 | – | – | – "
                       f"| 0% | {start:.1f}→{end:.1f} | none completed in {args.duration} s |")
            misses[-1:] = [f"{page['name'].strip()}: " + "; ".join(flags)]
            continue
        out.append(f"| {page['name'].strip()} | {page['queries']} | {page['elapsed_ms']:.0f} | {r['rps']:.1f} | "
                   f"{r['p50_us'] / 1000:.1f} | {p95:.1f} | {r['p99_us'] / 1000:.1f} | {ratio:.0%} | "
                   f"{start:.1f}→{end:.1f} | {r['errors']} |")
    first, last = rss.samples[0] if rss.samples else None, rss.samples[-1] if rss.samples else None
    if first and last and first[2] and last[2]:
        a = sum(first[2].values()) / len(first[2]) / 1024
        b = sum(last[2].values()) / len(last[2]) / 1024
        peak = max((max(s[2].values()) for s in rss.samples if s[2]), default=0) / 1024
        out += ["", f"Worker RSS over the whole run: mean {a:.1f} MiB at the start, {b:.1f} MiB at the end "
                    f"(peak of any worker {peak:.1f} MiB); {len(rss.samples)} samples."]
    out += ["", "Targets: ≤ 10 queries, p95 ≤ 50 ms at 4 connections, ≥ 40 % of the ceiling's throughput."]
    out += (["Missed:"] + [f"- {m}" for m in misses]) if misses else ["All targets met."]
    return "\n".join(out)


def explain_section(info: dict, keys=("customers", "search", "by_balance", "customer", "dashboard", "sales",
                                       "purchases", "invoice")) -> str:
    out = ["## EXPLAIN (MariaDB), one request per page on the data above", ""]
    skip = ("django_session", "accounts_user", "accounts_membership")
    for page in info["pages"]:
        if page["key"] not in keys:
            continue
        out.append(f"### {page['name'].strip()} — {page['queries']} queries")
        for q in page["sql"]:
            if "explain" not in q or any(f"FROM `{t}`" in q["sql"] for t in skip):
                continue
            sql = q["sql"] if len(q["sql"]) < 700 else q["sql"][:700] + " …"
            out += ["", f"{q.get('median_ms', 0):.1f} ms: `{sql}`", "",
                    "| id | select_type | table | type | key | key_len | ref | rows | Extra |",
                    "|---|---|---|---|---|---|---|---:|---|"]
            for row in q["explain"]:
                out.append("| " + " | ".join(str(row.get(c) or "") for c in (
                    "id", "select_type", "table", "type", "key", "key_len", "ref", "rows", "Extra")) + " |")
        out.append("")
    return "\n".join(out)


# --- main -------------------------------------------------------------------------------------------------


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--invoices", type=int, default=50_000)
    parser.add_argument("--regenerate", action="store_true", help="Rebuild the shop even if it exists.")
    parser.add_argument("--data-dir", default=os.environ.get("BENCH_DATA_DIR", "/tmp/khata-bench"))
    parser.add_argument("--buffer-pool", default="2G", help="innodb_buffer_pool_size of our MariaDB.")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--duration", type=int, default=20, help="Seconds of load per page (max 60).")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--conn-max-age", type=int, default=60)
    parser.add_argument("--only", default="", help="Comma-separated page keys (ping is always run).")
    parser.add_argument("--out", default=str(BENCH / "last-run.md"))
    parser.add_argument("--skip-install", action="store_true")
    args = parser.parse_args()
    args.duration = max(1, min(args.duration, 60))

    db = None
    gunicorn = None
    sampler = None

    def on_signal(signum, frame):
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, on_signal)
    try:
        # 1. Database
        url = os.environ.get("DATABASE_URL")
        if url:
            say("using DATABASE_URL from the environment")
            db_text = "DATABASE_URL from the environment"
        else:
            db = MariaDB(Path(args.data_dir), args.buffer_pool)
            url = db.start()
            db_text = f"MariaDB {db.version()}, innodb_buffer_pool_size={args.buffer_pool}, own server on loopback"

        # 2. Tools
        if not args.skip_install:
            run([PYTHON, "-m", "pip", "install", "--quiet", "-r", str(BENCH / "requirements.txt")])
        if not shutil.which("wrk"):
            say("installing wrk (apt)")
            run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", "wrk"],
                env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
        gunicorn_bin = str(Path(PYTHON).parent / "gunicorn")
        gunicorn_version = run([gunicorn_bin, "--version"], capture=True).stdout.split()[-1].strip("()")

        env = {**os.environ, "DATABASE_URL": url, "DEBUG": "false", "SECRET_KEY": "bench-" + secrets.token_hex(16),
               "ALLOWED_HOSTS": f"{HOST},localhost,testserver", "CONN_MAX_AGE": str(args.conn_max_age),
               "DJANGO_SETTINGS_MODULE": "config.settings", "LOG_LEVEL": "WARNING",
               # Plain HTTP on loopback (in production TLS ends at the proxy): no HTTPS
               # redirect, and cookies the load client may send back over HTTP.
               "SECURE_SSL_REDIRECT": "false", "SESSION_COOKIE_SECURE": "false", "CSRF_COOKIE_SECURE": "false"}

        # 3. Schema and data
        say("migrate")
        run([PYTHON, "manage.py", "migrate", "--noinput", "-v", "0"], env=env)
        run([PYTHON, "manage.py", "createcachetable"], env=env)
        run([PYTHON, "manage.py", "collectstatic", "--noinput", "-v", "0"], env=env)
        exists = run([PYTHON, "manage.py", "shell", "-c",
                      "from accounts.models import Shop; print(Shop.objects.filter(name='Load Test Shop').exists())"],
                     env=env, capture=True).stdout.strip().endswith("True")
        generation = {"text": "Data reused from an earlier run."}
        if args.regenerate or not exists:
            say(f"generate_load_data: {args.customers} customers, {args.entries} entries, {args.invoices} invoices")
            t = time.monotonic()
            cmd = [PYTHON, str(BENCH / "generate_load_data.py"), f"--customers={args.customers}",
                   f"--entries={args.entries}", f"--invoices={args.invoices}"]
            if exists:
                cmd.append("--replace")
            run(cmd, env=env)
            seconds = time.monotonic() - t
            generation = {"seconds": seconds, "text": f"Generated in {seconds:.0f} s by `bench/generate_load_data.py`."}
            (Path(args.data_dir) / "generation.txt").parent.mkdir(parents=True, exist_ok=True)
            (Path(args.data_dir) / "generation.txt").write_text(generation["text"])
        elif (Path(args.data_dir) / "generation.txt").exists():
            generation["text"] += " " + (Path(args.data_dir) / "generation.txt").read_text()

        # 4. Probe: queries and EXPLAIN per page
        say("probe: queries, EXPLAIN")
        probe_file = Path(args.data_dir) / "probe.json"
        run([PYTHON, str(BENCH / "probe.py"), str(probe_file)], env=env)
        info = json.loads(probe_file.read_text())
        say("check_ledger")
        t = time.monotonic()
        check = run([PYTHON, "manage.py", "check_ledger", "--shop", str(info["shop_id"])], env=env, capture=True,
                    check=False)
        check_text = (check.stdout.strip().splitlines() or [check.stderr.strip()])[-1]
        generation["text"] += f" `check_ledger --shop {info['shop_id']}`: {check_text} ({time.monotonic() - t:.0f} s)."
        say(check_text)

        # 5. Load
        port = free_port(18400)
        base = f"http://{HOST}:{port}"
        gunicorn = subprocess.Popen(
            [gunicorn_bin, "config.wsgi:application", "--bind", f"{HOST}:{port}", "--workers", str(args.workers),
             "--worker-class", "sync", "--timeout", "60", "--log-level", "warning"],
            cwd=ROOT, env=env, stdin=subprocess.DEVNULL)
        PROCESSES.append(gunicorn)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=5) as response:
                    if response.status == 200:
                        break
            except OSError:
                time.sleep(0.3)
        else:
            raise SystemExit("gunicorn did not answer /healthz")
        say(f"gunicorn {gunicorn_version} on {base}, {args.workers} workers (pid {gunicorn.pid})")
        cookie, csrf = login(base, info["username"], "bench-pass-123")
        load_before = Path("/proc/loadavg").read_text().split()[:3]
        sampler = RssSampler(gunicorn.pid)
        sampler.start()
        only = {k for k in args.only.split(",") if k} | {"ping"} if args.only else None
        results = {}
        # The dashboard last: its requests take seconds at this size and would weigh on the next page.
        order = sorted(info["pages"], key=lambda p: p["key"] == "dashboard")
        for page in order:
            if only and page["key"] not in only:
                continue
            waited = settle(base)
            if waited > 1:
                say(f"waited {waited:.0f} s for the workers to finish earlier requests")
            sampler.label = "warmup"
            wrk(base, page, cookie=cookie, csrf=csrf, ids=info["payment_customers"], duration=args.warmup,
                connections=args.connections)
            sampler.label = page["key"]
            time.sleep(1.1)  # one sample at the start of this page
            stats = wrk(base, page, cookie=cookie, csrf=csrf, ids=info["payment_customers"],
                        duration=args.duration, connections=args.connections)
            time.sleep(1.1)
            results[page["key"]] = stats
            say(f"{page['name'].strip():45s} {stats['rps']:7.1f} req/s  p50 {stats['p50_us'] / 1000:6.1f}  "
                f"p95 {stats['p95_us'] / 1000:6.1f}  p99 {stats['p99_us'] / 1000:6.1f} ms  errors {stats['errors']}")
        sampler.stop()
        check = run([PYTHON, "manage.py", "check_ledger", "--shop", str(info["shop_id"])], env=env, capture=True,
                    check=False)
        after = (check.stdout.strip().splitlines() or [check.stderr.strip()])[-1]
        generation["text"] += f" After the load (payments posted): {after}"
        say(f"check_ledger after the load: {after}")

        # 6. Report
        load_after = Path("/proc/loadavg").read_text().split()[:3]
        server = {"db": db_text, "gunicorn": gunicorn_version,
                  "load": f"{' '.join(load_before)} before the load, {' '.join(load_after)} after"}
        text = report(args, info, results, generation, server, sampler) + "\n\n" + explain_section(info)
        Path(args.out).write_text(text + "\n")
        print("\n" + text)
        say(f"written to {args.out}")
    finally:
        if sampler is not None and sampler.is_alive():
            sampler.stop()
        if gunicorn is not None:
            say(f"stopping gunicorn (pid {gunicorn.pid})")
            stop(gunicorn, "gunicorn")
        if db is not None:
            db.stop()


if __name__ == "__main__":
    main()
