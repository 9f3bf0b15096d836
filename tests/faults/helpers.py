"""What the fault tests start on loopback: a slow SMTP sink, a TCP proxy that can cut the
database off, and child processes (workers, gunicorn) that are always stopped.

Everything binds 127.0.0.1 on a free port, every wait is bounded, and every thread or
process started here is stopped by its owner's ``close()``/``stop()`` (the fixtures in
``tests/faults/conftest.py`` call them).
"""

import contextlib
import email
import os
import signal
import socket
import socketserver
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HOST = "127.0.0.1"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def wait_until(condition: Callable[[], object], *, timeout: float, what: str, interval: float = 0.05,
               details: Callable[[], str] = lambda: ""):
    """Poll ``condition`` until it returns something true (returned) or ``timeout``
    seconds pass (``AssertionError`` saying ``what`` we waited for, with ``details()``)."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {timeout:.0f} s for {what}\n{details()}")
        time.sleep(interval)


# --- SMTP sink ---------------------------------------------------------------------------------------------


class _SmtpHandler(socketserver.StreamRequestHandler):
    timeout = 15

    def reply(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")
        self.wfile.flush()

    def handle(self):
        sink = self.server.sink
        try:
            self.reply("220 sink.test ESMTP fault-test sink")
            while True:
                line = self.rfile.readline(1000)
                if not line:
                    return
                verb = line.decode("ascii", "replace").strip()[:4].upper()
                if verb == "EHLO":
                    self.reply("250-sink.test")
                    self.reply("250 8BITMIME")
                elif verb == "HELO":
                    self.reply("250 sink.test")
                elif verb in ("MAIL", "RCPT", "RSET", "NOOP"):
                    self.reply("250 OK")
                elif verb == "DATA":
                    self.reply("354 End data with <CR><LF>.<CR><LF>")
                    data = bytearray()
                    while True:
                        chunk = self.rfile.readline()
                        if not chunk or chunk in (b".\r\n", b".\n"):
                            break
                        data += chunk[1:] if chunk.startswith(b"..") else chunk
                    if not chunk:
                        return  # the client went away mid-message: nothing delivered
                    sink.received(bytes(data))
                    time.sleep(sink.delay)  # a slow server: the client waits for this reply
                    self.reply("250 OK queued")
                elif verb == "QUIT":
                    self.reply("221 Bye")
                    return
                else:
                    self.reply("502 Command not implemented")
        except OSError:
            return  # the client was killed or timed out


class _ThreadingServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


class SmtpSink:
    """An SMTP server on 127.0.0.1 that accepts every message and keeps it.

    A message counts as received once its data is complete (the point where a real
    server has it), *before* the reply, which comes ``delay`` seconds later: a client
    killed in between has delivered the email without knowing it.
    """

    def __init__(self, *, delay: float = 0.0):
        self.delay = delay
        self.messages: list[email.message.Message] = []
        self._lock = threading.Lock()
        self._server = _ThreadingServer((HOST, 0), _SmtpHandler)
        self._server.sink = self
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.1},
                                        daemon=True)
        self._thread.start()

    def received(self, data: bytes) -> None:
        with self._lock:
            self.messages.append(email.message_from_bytes(data))

    @property
    def count(self) -> int:
        with self._lock:
            return len(self.messages)

    def message_ids(self) -> list[str]:
        with self._lock:
            return [m["Message-ID"] for m in self.messages]

    def recipients(self) -> list[str]:
        with self._lock:
            return [m["To"] for m in self.messages]

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


# --- TCP proxy: a database that can be cut off -------------------------------------------------------------


class TcpProxy:
    """Forwards 127.0.0.1:``port`` to ``target`` (host, port). ``down()`` cuts every
    connection and stops listening (new connections are refused, as from a stopped
    server); ``up()`` listens again on the same port."""

    def __init__(self, target: tuple[str, int]):
        self.target = target
        self.port = free_port()
        self._sockets: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._stop = None
        self._threads: list[threading.Thread] = []
        self.up()

    def up(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((HOST, self.port))
        listener.listen(32)
        listener.settimeout(0.1)
        self._stop = threading.Event()
        thread = threading.Thread(target=self._accept, args=(listener, self._stop), daemon=True)
        self._threads.append(thread)
        thread.start()

    def _accept(self, listener: socket.socket, stop: threading.Event) -> None:
        with listener:
            while not stop.is_set():
                try:
                    client, _ = listener.accept()
                except TimeoutError:
                    continue
                except OSError:
                    return
                try:
                    upstream = socket.create_connection(self.target, timeout=5)
                except OSError:
                    client.close()
                    continue
                client.settimeout(None)
                upstream.settimeout(None)
                with self._lock:
                    self._sockets |= {client, upstream}
                for source, sink in ((client, upstream), (upstream, client)):
                    thread = threading.Thread(target=self._pump, args=(source, sink), daemon=True)
                    self._threads.append(thread)
                    thread.start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                self._drop(sock)

    def _drop(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.discard(sock)
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
        sock.close()

    def down(self) -> None:
        self._stop.set()
        with self._lock:
            sockets = list(self._sockets)
        for sock in sockets:
            self._drop(sock)
        for thread in self._threads:
            thread.join(timeout=2)
        self._threads = [t for t in self._threads if t.is_alive()]

    close = down


# --- Child processes ---------------------------------------------------------------------------------------


class Child:
    """A process started from the project folder, its output in ``log``; ``stop()``
    (SIGTERM, then SIGKILL after ``grace`` seconds) and ``kill()`` (SIGKILL at once) end
    it and everything in its process group."""

    def __init__(self, args: list[str], *, env: dict, log: Path):
        self.log = log
        self._out = open(log, "wb")  # noqa: SIM115 (closed in stop/kill)
        self.process = subprocess.Popen(  # noqa: S603 (our own interpreter and commands)
            args, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=self._out, stderr=subprocess.STDOUT,
            start_new_session=True)

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def output(self) -> str:
        self._out.flush()
        return self.log.read_text(errors="replace")

    def _signal(self, signum) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signum)

    def kill(self) -> None:
        self._signal(signal.SIGKILL)
        self.process.wait(timeout=10)
        self._out.close()

    def stop(self, grace: float = 10) -> int:
        if self.alive:
            self._signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                self._signal(signal.SIGKILL)
                self.process.wait(timeout=10)
        self._signal(signal.SIGKILL)  # anything it left in its group
        self._out.close()
        return self.process.returncode


def child_env(**overrides: str) -> dict:
    """The environment for a child process: ours without anything that would change its
    settings behind the test's back, plus ``overrides``."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL", "REDIS_URL", "EMAIL_URL", "DEBUG",
                        "ALLOWED_HOSTS", "DJANGO_ALLOW_ASYNC_UNSAFE", "CONN_MAX_AGE", "REPLICA_DATABASE_URL",
                        "TEST_REDIS_URL")}
    env.update({"ENV_FILE": "", "PYTHONUNBUFFERED": "1", "PYTHONPATH": str(ROOT)}, **overrides)
    return env


def manage(*args: str) -> list[str]:
    return [sys.executable, str(ROOT / "manage.py"), *args]
