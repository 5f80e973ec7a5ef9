"""HTTP-level benchmark: the site in gunicorn with production settings, driven by wrk.

The command (``manage.py bench_http``) samples real URLs and customers from the database,
starts gunicorn on a loopback socket it has bound itself (so the port is free by
construction), logs shoppers in through the login form, and runs Debian's ``wrk`` in a
separate process with ``reports/bench/wrk/shopwave.lua``: first ``/healthz`` (the
ceiling: one ``SELECT 1`` through the whole middleware stack), then each page type
alone, then the mixed load. wrk's own latency covers a whole run, so per-page latency
in the mixed run comes from gunicorn's access log (request time in microseconds),
classified by URL. Every run is bounded by time and by request count; gunicorn is
stopped (its whole process group) whatever happens, the shoppers are logged out and
the carts the run created are deleted.
"""

from __future__ import annotations

import http.client
import itertools
import json
import math
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.db import connection
from django.db.models import Exists, OuterRef
from django.db.models.expressions import RawSQL

from reports.bench.machine import speed_line

LUA_SCRIPT = Path(__file__).resolve().parent / "wrk" / "shopwave.lua"
HOST = "127.0.0.1"  # loopback only, always
CEILING = "healthz"
MIXED = "mixed"
# Status, request time in microseconds, method, path (last: PATH_INFO is decoded and may hold spaces).
ACCESS_LOG_FORMAT = "%(s)s %(D)s %(m)s %(U)s"
RESULT_MARKER = "SHOPWAVE_BENCH "
# The mixed run's requests timed by the Lua script: "entry:microseconds,..." (entry: 1-based).
TIMED_MARKER = "SHOPWAVE_TIMED "


@dataclass(frozen=True)
class Page:
    name: str
    label: str
    pattern: str  # the case-study pattern whose target is this page's p95 goal
    target_ms: float
    weight: int  # percent of the mixed load
    throughput_goal: float | None = None  # fraction of the ceiling's requests/s


PAGES: dict[str, Page] = {
    p.name: p
    for p in (
        Page("home", "home `GET /`", "QP-01", 50, 10),
        Page("category", "category `GET /c/<slug>/`", "QP-01", 50, 20, throughput_goal=0.5),
        Page("search", "search `GET /search/?q=`", "QP-01", 50, 18),
        Page("product", "product `GET /p/<slug>/`", "QP-02", 10, 30, throughput_goal=0.5),
        Page("cart", "cart `GET /cart/`", "QP-03", 5, 9),
        # Not a case-study pattern: the seeds' "writes < 500 ms end to end".
        Page("cart-add", "add to cart `POST /cart/add/`", "writes", 500, 6),
        # The GET computes the live quote (checkout_quote); QP-04 is the POST that places an order.
        Page("checkout", "checkout `GET /checkout/` (live quote)", "QP-09", 500, 7),
    )
}
CEILING_LABEL = "ceiling `GET /healthz` (one `SELECT 1`)"


# --- URL mix -----------------------------------------------------------------------------

Entry = tuple[str, str]  # (method, path with query)


@dataclass
class SiteSample:
    """What the URL mix is built from: real slugs and words from the database."""

    categories: list[str]
    products: list[str]
    product_names: list[str]
    counts: dict[str, int] = field(default_factory=dict)


def search_queries(names: Sequence[str], rng: random.Random, limit: int = 24) -> list[str]:
    """Common and rare words of real product names, two-word queries and typos (the
    trigram fallback), as shoppers type them."""
    words = Counter(w for name in names for w in re.findall(r"[a-z]{4,}", name.lower()))
    if not words:
        return []
    common = [w for w, _ in words.most_common(10)]
    rare = sorted(w for w, n in words.items() if n == 1)
    rng.shuffle(rare)
    queries = common + rare[:6]
    queries += [f"{a} {b}" for a, b in itertools.pairwise(common[:5])]
    # A typo: one letter dropped from a common word.
    queries += [w[: len(w) // 2] + w[len(w) // 2 + 1 :] for w in common[:4]]
    return list(dict.fromkeys(queries))[:limit]


def build_runs(sample: SiteSample, *, seed: int = 42, mixed_length: int = 1000) -> dict[str, list[Entry]]:
    """The request lists wrk cycles through: one per page type, the ceiling, and the mix
    (page types drawn by their weights, each then a random URL of that type)."""
    rng = random.Random(seed)  # noqa: S311 -- reproducible sampling, not security
    runs: dict[str, list[Entry]] = {CEILING: [("GET", "/healthz")], "home": [("GET", "/")]}
    sorts = ["", "price_asc", "price_desc", "rating", "newest"]
    category = []
    for i, slug in enumerate(sample.categories):
        params = {"sort": sorts[i % len(sorts)]} if i % len(sorts) else {}
        if i % 4 == 3:
            params["in_stock"] = "on"
        category.append(("GET", f"/c/{slug}/" + (f"?{urlencode(params)}" if params else "")))
    runs["category"] = category
    search = []
    for i, q in enumerate(search_queries(sample.product_names, rng)):
        params = {"q": q}
        if i % 3 == 2:
            params["sort"] = sorts[(i // 3) % len(sorts)] or "relevance"
        search.append(("GET", f"/search/?{urlencode(params)}"))
    runs["search"] = search
    runs["product"] = [("GET", f"/p/{slug}/") for slug in sample.products]
    runs["cart"] = [("GET", "/cart/")]
    runs["cart-add"] = [("POST", "/cart/add/")]
    runs["checkout"] = [("GET", "/checkout/")]
    for name in list(runs):
        if not runs[name]:
            del runs[name]
    pages = [p for p in PAGES.values() if p.name in runs]
    drawn = rng.choices(pages, weights=[p.weight for p in pages], k=mixed_length)
    runs[MIXED] = [rng.choice(runs[p.name]) for p in drawn]
    return runs


def _lua_string(value: str) -> str:
    # Three-digit decimal escapes, so a digit that follows cannot extend one.
    escaped = "".join(
        ch if ch.isascii() and ch.isprintable() and ch not in '"\\' else "".join(f"\\{b:03d}" for b in ch.encode())
        for ch in value
    )
    return f'"{escaped}"'


@dataclass
class Shopper:
    email: str
    user_id: int
    cookie: str  # the Cookie header: sessionid and csrftoken
    csrf: str
    variants: list[int]


def lua_data(shoppers: Sequence[Shopper], runs: dict[str, list[Entry]]) -> str:
    """The data file the Lua driver loads (a Lua chunk returning one table)."""
    lines = ["return {", "  shoppers = {"]
    for s in shoppers:
        variants = ", ".join(str(int(v)) for v in s.variants)
        lines.append(
            f"    {{cookie = {_lua_string(s.cookie)}, csrf = {_lua_string(s.csrf)}, variants = {{{variants}}}}},"
        )
    lines += ["  },", "  runs = {"]
    for name, entries in runs.items():
        body = ", ".join(f"{{{_lua_string(m)}, {_lua_string(p)}}}" for m, p in entries)
        lines.append(f"    [{_lua_string(name)}] = {{{body}}},")
    lines += ["  },", "}", ""]
    return "\n".join(lines)


# --- Access log and percentiles -----------------------------------------------------------


@dataclass(frozen=True)
class LogEntry:
    status: int
    micros: int
    method: str
    path: str


def parse_access_log(text: str) -> list[LogEntry]:
    """Lines written with ACCESS_LOG_FORMAT; anything else (a partial line) is skipped."""
    entries = []
    for line in text.splitlines():
        parts = line.split(" ", 3)
        if len(parts) == 4 and parts[0].isdigit() and parts[1].isdigit():
            entries.append(LogEntry(int(parts[0]), int(parts[1]), parts[2], parts[3]))
    return entries


_CLASSES = [
    ("GET", re.compile(r"/"), "home"),
    ("GET", re.compile(r"/c/[-\w]+/"), "category"),
    ("GET", re.compile(r"/search/"), "search"),
    ("GET", re.compile(r"/p/[-\w]+/"), "product"),
    ("GET", re.compile(r"/cart/"), "cart"),
    ("POST", re.compile(r"/cart/add/"), "cart-add"),
    ("GET", re.compile(r"/checkout/"), "checkout"),
    ("GET", re.compile(r"/healthz"), CEILING),
]


def classify(method: str, path: str) -> str:
    """The page type of a request by method and path (the query string is not needed)."""
    for want, pattern, name in _CLASSES:
        if method == want and pattern.fullmatch(path):
            return name
    return "other"


def percentile(values: Sequence[float], q: float) -> float | None:
    """Nearest-rank percentile (q in 0..100), as the SQL bench computes it."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(1, math.ceil(q / 100 * len(ordered))) - 1]


@dataclass
class Latency:
    """Request times of one page type: server side from the access log (summarize), or
    client side from the Lua script's clock (client_latency; no statuses)."""

    times_ms: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)  # by class: 2, 3, 4, 5

    @property
    def count(self) -> int:
        return len(self.times_ms)

    def p(self, q: float) -> float | None:
        return percentile(self.times_ms, q)


def summarize(entries: Sequence[LogEntry]) -> dict[str, Latency]:
    pages: dict[str, Latency] = {}
    for e in entries:
        page = pages.setdefault(classify(e.method, e.path), Latency())
        page.times_ms.append(e.micros / 1000)
        page.statuses[e.status // 100] += 1
    return pages


# --- wrk -----------------------------------------------------------------------------------


@dataclass
class WrkResult:
    requests: int
    duration_s: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    statuses: Counter[int]  # by class, from the Lua response() callback
    socket_errors: int
    timeouts: int
    capped: bool  # a thread hit its request cap before the duration ended
    # (entry of the run's list, 1-based; microseconds) per response, timed by the Lua
    # script at the client (the mixed run only).
    timed: list[tuple[int, int]] = field(default_factory=list)

    @property
    def rps(self) -> float:
        return self.requests / self.duration_s if self.duration_s else 0.0

    @property
    def failures(self) -> int:
        """Responses that are not 2xx/3xx, plus socket errors and timeouts."""
        return self.statuses[1] + self.statuses[4] + self.statuses[5] + self.socket_errors + self.timeouts

    @classmethod
    def from_output(cls, stdout: str) -> WrkResult:
        line = next((ln for ln in stdout.splitlines() if ln.startswith(RESULT_MARKER)), None)
        if line is None:
            raise BenchError(f"wrk printed no result line:\n{stdout[-2000:]}")
        d: dict[str, Any] = json.loads(line[len(RESULT_MARKER) :])
        return cls(
            requests=int(d["requests"]),
            duration_s=d["duration_us"] / 1e6,
            p50_ms=d["p50_us"] / 1000,
            p95_ms=d["p95_us"] / 1000,
            p99_ms=d["p99_us"] / 1000,
            max_ms=d["max_us"] / 1000,
            statuses=Counter({k: int(d[f"status_{k}xx"]) for k in (1, 2, 3, 4, 5)}),
            socket_errors=int(d["connect_errors"] + d["read_errors"] + d["write_errors"]),
            timeouts=int(d["timeouts"]),
            capped=int(d["capped_threads"]) > 0,
            timed=_parse_timed(stdout),
        )


def _parse_timed(stdout: str) -> list[tuple[int, int]]:
    line = next((ln for ln in stdout.splitlines() if ln.startswith(TIMED_MARKER)), "")
    pairs = []
    for item in line[len(TIMED_MARKER) :].split(","):
        entry, _, micros = item.partition(":")
        if entry.isdigit() and micros.isdigit():
            pairs.append((int(entry), int(micros)))
    return pairs


def client_latency(entries: Sequence[Entry], timed: Sequence[tuple[int, int]]) -> dict[str, Latency]:
    """Per page type, the client-side times of a run's requests (WrkResult.timed), each
    classified by the entry it was built from (1-based in `entries`)."""
    pages: dict[str, Latency] = {}
    for entry, micros in timed:
        if 1 <= entry <= len(entries):
            method, url = entries[entry - 1]
            page = pages.setdefault(classify(method, urlsplit(url).path), Latency())
            page.times_ms.append(micros / 1000)
    return pages


class BenchError(Exception):
    pass


def wrk_binary() -> str:
    path = shutil.which("wrk")
    if path is None:
        raise BenchError("wrk is not installed: run 'make bench-tools' (apt-get install wrk)")
    return path


def wrk_version() -> str:
    done = subprocess.run([wrk_binary(), "-v"], capture_output=True, text=True, timeout=10, check=False)  # noqa: S603
    return (done.stdout + done.stderr).split("Copyright")[0].strip() or "wrk"


# --- gunicorn --------------------------------------------------------------------------------


@dataclass
class ServerConfig:
    workers: int
    worker_class: str  # "sync" or "gthread"
    threads: int = 1

    def describe(self) -> str:
        if self.worker_class == "gthread":
            return f"{self.workers} gthread workers x {self.threads} threads"
        return f"{self.workers} sync workers"


# Defaults measured on the 2-core dev machine (see the command's help): gthread workers,
# one per core, 4 threads each (as `make run` serves), beat 2 x cores + 1 sync workers by
# ~2x on every page. Sync workers close the connection after each response (no
# keep-alive), so every request pays a new TCP connection and an accept() race between
# processes; gthread keeps connections alive, and with the GIL one process per core
# already uses the CPUs while threads overlap the database round trips.
DEFAULT_WORKER_CLASS = "gthread"
DEFAULT_THREADS = 4


def default_workers(worker_class: str = DEFAULT_WORKER_CLASS) -> int:
    cores = os.cpu_count() or 1
    return cores if worker_class == "gthread" else 2 * cores + 1


def _same_database(url: str) -> str:
    """`url` pointed at the database this process uses (the test database in tests)."""
    return urlunsplit(urlsplit(url)._replace(path="/" + str(connection.settings_dict["NAME"])))


def server_environment() -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="shopwave.settings",
        DEBUG="false",
        SECURE="false",  # plain HTTP on loopback, as `make run`
        SHOPWAVE_DB_LOGIN="web",
        ALLOWED_HOSTS=HOST,
    )
    for name in ("WEB_DATABASE_URL", "DATABASE_URL"):
        if env.get(name):
            env[name] = _same_database(env[name])
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    return env


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    port: int
    access_log: Path
    error_log: Path

    def log_size(self) -> int:
        return self.access_log.stat().st_size if self.access_log.exists() else 0

    def settle(self, timeout: float = 5.0) -> int:
        """Wait until the access log stops growing (in-flight requests logged); its size."""
        size, deadline = self.log_size(), time.monotonic() + timeout
        while time.monotonic() < deadline:
            time.sleep(0.3)
            now = self.log_size()
            if now == size:
                break
            size = now
        return size

    def entries_between(self, start: int, end: int) -> list[LogEntry]:
        with self.access_log.open("rb") as f:
            f.seek(start)
            return parse_access_log(f.read(end - start).decode("utf-8", "replace"))

    def error_tail(self, chars: int = 3000) -> str:
        try:
            return self.error_log.read_text(encoding="utf-8", errors="replace")[-chars:]
        except OSError:
            return ""


def _ensure_static(env: dict[str, str]) -> None:
    # Production settings serve hashed static files: without the manifest every page is a 500.
    if not (Path(settings.STATIC_ROOT) / "staticfiles.json").exists():
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
            cwd=settings.BASE_DIR,
            env=env,
            check=True,
            timeout=300,
        )


@contextmanager
def served(config: ServerConfig, workdir: Path) -> Iterator[Server]:
    """gunicorn on a loopback socket bound here (fd://), stopped with its process group."""
    env = server_environment()
    _ensure_static(env)
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((HOST, 0))
    listener.listen(1024)
    port = listener.getsockname()[1]
    access_log, error_log = workdir / "access.log", workdir / "gunicorn.log"
    args = [
        sys.executable,
        "-m",
        "gunicorn",
        "shopwave.wsgi:application",
        f"--bind=fd://{listener.fileno()}",
        f"--workers={config.workers}",
        f"--worker-class={config.worker_class}",
        f"--threads={config.threads}",
        f"--access-logfile={access_log}",
        f"--access-logformat={ACCESS_LOG_FORMAT}",
        f"--error-logfile={error_log}",
        "--log-level=warning",
        "--timeout=60",
        "--graceful-timeout=5",
        "--keep-alive=5",
        "--no-control-socket",
    ]
    with error_log.open("ab") as stderr:
        process = subprocess.Popen(  # noqa: S603 -- fixed argument list
            args,
            cwd=settings.BASE_DIR,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=stderr,
            stderr=stderr,
            pass_fds=(listener.fileno(),),
            start_new_session=True,  # its own process group: stopped as one
        )
    listener.close()
    server = Server(process, port, access_log, error_log)
    try:
        _wait_ready(server)
        yield server
    finally:
        _stop(process)


def _wait_ready(server: Server, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise BenchError(f"gunicorn exited with {server.process.returncode}:\n{server.error_tail()}")
        try:
            status, _, _ = Browser(server.port).request("GET", "/healthz")
        except OSError:
            status = 0
        if status == 200:
            return
        time.sleep(0.2)
    raise BenchError(f"gunicorn did not answer /healthz within {timeout:.0f} s:\n{server.error_tail()}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    for sig, wait in ((signal.SIGTERM, 10.0), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            continue
        # The arbiter is gone; kill any worker it left behind in the group.
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        return


# --- Shoppers --------------------------------------------------------------------------------


class Browser:
    """Just enough of a browser for logging in: one cookie jar, a new connection per request."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: dict[str, Any] | None = None) -> tuple[int, str, str]:
        conn = http.client.HTTPConnection(HOST, self.port, timeout=60)
        headers = {"User-Agent": "shopwave-bench_http", "Accept": "text/html"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            if "csrftoken" in self.cookies:
                headers["X-CSRFToken"] = self.cookies["csrftoken"]
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            text = response.read().decode("utf-8", "replace")
            for header in response.headers.get_all("Set-Cookie") or []:
                jar: SimpleCookie = SimpleCookie()
                jar.load(header)
                for name, morsel in jar.items():
                    if morsel["max-age"] == "0" or not morsel.value:
                        self.cookies.pop(name, None)
                    else:
                        self.cookies[name] = morsel.value
            return response.status, response.getheader("Location") or "", text
        finally:
            conn.close()


def log_in(port: int, *, email: str, password: str) -> Browser:
    """Log in through the real login form (CSRF cookie + form token), as a browser does."""
    browser = Browser(port)
    browser.request("GET", "/account/login/")
    token = browser.cookies.get("csrftoken", "")
    status, _, _ = browser.request(
        "POST", "/account/login/", {"username": email, "password": password, "csrfmiddlewaretoken": token}
    )
    if status != 302 or "sessionid" not in browser.cookies:
        raise BenchError(f"logging in {email} failed (HTTP {status})")
    return browser


def pick_customers(n: int, password: str) -> list[tuple[int, str]]:
    """Up to n active, non-staff customers without a cart (the run's carts are deleted
    afterwards, so nobody's real cart is touched) whose password is `password`; those
    with a default address first, so the checkout quote has an address to tax."""
    from accounts.models import SellerMember, User
    from orders.models import Cart

    base = (
        User.objects.filter(is_active=True, is_staff=False, is_superuser=False)
        .filter(~Exists(Cart.objects.filter(user=OuterRef("pk"))))
        .filter(~Exists(SellerMember.objects.filter(user=OuterRef("pk"))))
    )
    chosen: dict[int, str] = {}
    for query in (base.filter(addresses__is_default=True), base):
        for user_id, email, encoded in query.order_by("id").values_list("id", "email", "password")[: n * 5]:
            if len(chosen) >= n:
                break
            if user_id not in chosen and check_password(password, encoded):
                chosen[user_id] = email
    return list(chosen.items())


def sample_site(*, seed: int, categories: int = 30, products: int = 120) -> SiteSample:
    from catalog.models import Category, Product

    shuffled = RawSQL("md5(%s || id::text)", [str(seed)])
    cats = list(Category.objects.order_by(shuffled).values_list("slug", flat=True)[:categories])
    rows = list(Product.objects.filter(is_listed=True).order_by(shuffled).values_list("slug", "name")[:products])
    return SiteSample(
        categories=cats,
        products=[slug for slug, _ in rows],
        product_names=[name for _, name in rows],
        counts={
            "products": Product.objects.filter(is_listed=True).count(),
            "categories": Category.objects.count(),
        },
    )


def sample_variants(*, seed: int, n: int) -> list[int]:
    from catalog.models import Variant

    shuffled = RawSQL("md5(%s || catalog_variant.id::text)", [str(seed)])
    for_sale = Variant.objects.filter(is_active=True, product__is_listed=True).order_by(shuffled)
    # Plenty of stock first, so repeated adds keep succeeding; any stock when there is none.
    ids = list(for_sale.filter(stock__gte=20).values_list("id", flat=True)[:n])
    return ids or list(for_sale.filter(stock__gt=0).values_list("id", flat=True)[:n])


def prepare_shoppers(
    port: int, customers: Sequence[tuple[int, str]], *, connections: int, variants: Sequence[int], password: str
) -> list[Shopper]:
    """One logged-in session per connection (customers reused when there are fewer), each
    with 1-2 lines in its cart so the checkout page renders a quote rather than redirecting."""
    shoppers = []
    for i in range(connections):
        n = i % len(customers)
        user_id, email = customers[n]
        # Keyed by customer, not connection: sessions of one customer share a cart of <= 3 lines.
        own = [variants[(3 * n + k) % len(variants)] for k in range(3)]
        browser = log_in(port, email=email, password=password)
        for variant in own[: 1 + i % 2]:
            status, _, _ = browser.request("POST", "/cart/add/", {"variant": variant, "quantity": 1})
            if status != 302:
                raise BenchError(f"add to cart failed for {email} (HTTP {status})")
        status, location, _ = browser.request("GET", "/checkout/")
        if status != 200:
            raise BenchError(f"checkout page for {email}: HTTP {status} {location}")
        cookie = "; ".join(f"{k}={browser.cookies[k]}" for k in ("sessionid", "csrftoken"))
        shoppers.append(Shopper(email, user_id, cookie, browser.cookies["csrftoken"], sorted(set(own))))
    return shoppers


def log_out(port: int, shoppers: Sequence[Shopper]) -> None:
    for s in shoppers:
        browser = Browser(port)
        browser.cookies = dict(part.split("=", 1) for part in s.cookie.split("; "))
        browser.request("POST", "/account/logout/", {})


def delete_carts(user_ids: Sequence[int]) -> int:
    from orders.models import Cart

    _, per_model = Cart.objects.filter(user_id__in=list(user_ids)).delete()
    return per_model.get(Cart._meta.label, 0)


# --- The run -----------------------------------------------------------------------------------


@dataclass
class Options:
    duration: int = 10
    mixed_duration: int = 15
    warmup: int = 3
    connections: int = 8
    max_requests: int = 100_000  # per run
    pages: list[str] = field(default_factory=lambda: list(PAGES))
    seed: int = 42
    server: ServerConfig = field(
        default_factory=lambda: ServerConfig(default_workers(), DEFAULT_WORKER_CLASS, DEFAULT_THREADS)
    )


@dataclass
class HttpRun:
    options: Options
    sample: SiteSample
    runs: dict[str, list[Entry]]
    shoppers: int
    customers: int
    isolated: dict[str, WrkResult] = field(default_factory=dict)
    isolated_server: dict[str, Latency] = field(default_factory=dict)
    mixed: WrkResult | None = None
    mixed_pages: dict[str, Latency] = field(default_factory=dict)
    mixed_client: dict[str, Latency] = field(default_factory=dict)  # client_latency() of the mixed run
    load_average: tuple[float, float, float] = (0.0, 0.0, 0.0)
    wrk: str = ""
    gunicorn: str = ""
    seconds: float = 0.0
    carts_deleted: int = 0
    error_log: str = ""  # gunicorn's (and Django's) log of the run, kept for a look at any 5xx

    @property
    def ceiling_rps(self) -> float | None:
        ceiling = self.isolated.get(CEILING)
        return ceiling.rps if ceiling and ceiling.requests else None

    def ratio(self, page: str) -> float | None:
        result, ceiling = self.isolated.get(page), self.ceiling_rps
        return result.rps / ceiling if result and ceiling else None

    @property
    def results(self) -> list[WrkResult]:
        return [*self.isolated.values(), *([self.mixed] if self.mixed else [])]

    @property
    def server_errors(self) -> int:
        """5xx responses wrk received over all counted runs."""
        return sum(r.statuses[5] for r in self.results)


def run_wrk(
    server: Server, data_file: Path, run: str, *, duration: int, connections: int, max_requests: int
) -> WrkResult:
    per_thread = max(1, math.ceil(max_requests / connections))
    args = [
        wrk_binary(),
        f"--threads={connections}",
        f"--connections={connections}",
        f"--duration={duration}s",
        "--timeout=10s",
        f"--script={LUA_SCRIPT}",
        f"http://{HOST}:{server.port}/",
        "--",
        run,
        str(per_thread),
    ]
    env = {**os.environ, "SHOPWAVE_BENCH_DATA": str(data_file)}
    try:
        done = subprocess.run(  # noqa: S603 -- fixed argument list
            args, capture_output=True, text=True, env=env, timeout=duration + 30, check=False
        )
    except subprocess.TimeoutExpired as exc:
        raise BenchError(f"wrk ({run}) did not finish within {duration + 30} s") from exc
    if done.returncode != 0:
        raise BenchError(f"wrk ({run}) failed with {done.returncode}: {done.stderr.strip()[-2000:]}")
    return WrkResult.from_output(done.stdout)


def _keep_error_log(path: Path) -> str:
    if not path.exists():
        return ""
    kept = Path(settings.BASE_DIR) / "var" / "bench" / "bench_http-gunicorn.log"
    kept.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(path, kept)
    return str(kept.relative_to(settings.BASE_DIR))


def _gunicorn_version() -> str:
    import gunicorn

    return f"gunicorn {gunicorn.__version__}"


def run_http_bench(options: Options, progress: Callable[[str], None] = print) -> HttpRun:
    from accounts.demo import DEMO_PASSWORD

    started = time.monotonic()
    unknown = [p for p in options.pages if p not in PAGES]
    if unknown:
        raise BenchError(f"unknown page type(s) {', '.join(unknown)}; choose from {', '.join(PAGES)}")
    wrk = wrk_version()
    sample = sample_site(seed=options.seed)
    runs = build_runs(sample, seed=options.seed)
    customers = pick_customers(options.connections, DEMO_PASSWORD)
    if not customers:
        raise BenchError("no active customer without a cart has the demo password: load data first (generate_data)")
    variants = sample_variants(seed=options.seed, n=3 * options.connections)
    if not variants:
        raise BenchError("no variant in stock to put in a cart: load data first (generate_data)")
    run = HttpRun(options, sample, runs, shoppers=options.connections, customers=len(customers))
    run.wrk, run.gunicorn, run.load_average = wrk, _gunicorn_version(), os.getloadavg()
    progress(
        f"{options.server.describe()}; {options.connections} connections; {len(customers)} customers;"
        f" load average {run.load_average[0]:.2f}"
    )
    shoppers: list[Shopper] = []
    with tempfile.TemporaryDirectory(prefix="shopwave-bench-http-") as tmp:
        workdir = Path(tmp)  # mode 700: the session cookies in the data file stay private
        data_file = workdir / "data.lua"
        try:
            with served(options.server, workdir) as server:
                progress(f"gunicorn serving on {HOST}:{server.port}; logging shoppers in")
                try:
                    shoppers = prepare_shoppers(
                        server.port,
                        customers,
                        connections=options.connections,
                        variants=variants,
                        password=DEMO_PASSWORD,
                    )
                    data_file.write_text(lua_data(shoppers, runs), encoding="utf-8")

                    def measure(name: str, duration: int) -> tuple[WrkResult, dict[str, Latency]]:
                        start = server.settle()
                        result = run_wrk(
                            server,
                            data_file,
                            name,
                            duration=duration,
                            connections=options.connections,
                            max_requests=options.max_requests,
                        )
                        pages = summarize(server.entries_between(start, server.settle()))
                        return result, pages

                    if options.warmup:
                        progress(f"warm-up: mixed load for {options.warmup} s (not counted)")
                        measure(MIXED, options.warmup)
                    for name in [CEILING, *[p for p in options.pages if p in runs]]:
                        result, pages = measure(name, options.duration)
                        run.isolated[name] = result
                        run.isolated_server[name] = pages.get(name, Latency())
                        progress(
                            f"{name:>9}: {result.rps:8.1f} req/s  p50 {result.p50_ms:7.2f}  p95 {result.p95_ms:7.2f}"
                            f"  p99 {result.p99_ms:7.2f} ms  non-2xx/3xx {result.failures}"
                        )
                    run.mixed, run.mixed_pages = measure(MIXED, options.mixed_duration)
                    run.mixed_client = client_latency(runs[MIXED], run.mixed.timed)
                    progress(
                        f"{'mixed':>9}: {run.mixed.rps:8.1f} req/s  p50 {run.mixed.p50_ms:7.2f}"
                        f"  p95 {run.mixed.p95_ms:7.2f}  p99 {run.mixed.p99_ms:7.2f} ms"
                        f"  non-2xx/3xx {run.mixed.failures}"
                    )
                finally:
                    if shoppers:
                        try:
                            log_out(server.port, shoppers)
                        except OSError as exc:
                            progress(f"logging the shoppers out failed: {exc}")
        finally:
            run.carts_deleted = delete_carts([c[0] for c in customers])
            run.error_log = _keep_error_log(workdir / "gunicorn.log")
    run.seconds = time.monotonic() - started
    return run


# --- Markdown -----------------------------------------------------------------------------------


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.0f} %"


def _statuses(counts: Counter[int]) -> str:
    return f"{counts[3]} / {counts[4]} / {counts[5]}"


def _goal_verdict(p95: float | None, target: float) -> str:
    if p95 is None:
        return "-"
    return "yes" if p95 <= target else f"**no** ({p95 / target:.1f}x)"


def isolated_table(run: HttpRun) -> str:
    lines = [
        "| page | URLs | requests | req/s | of ceiling | p50 ms | p95 ms | p99 ms | max ms | server p95 ms"
        " | 3xx / 4xx / 5xx | errors |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, result in run.isolated.items():
        label = CEILING_LABEL if name == CEILING else PAGES[name].label
        ratio = "100 %" if name == CEILING else _pct(run.ratio(name))
        capped = " (capped)" if result.capped else ""
        server = run.isolated_server.get(name, Latency())
        lines.append(
            f"| {label} | {len(run.runs.get(name, []))} | {result.requests:,}{capped} | {result.rps:,.1f} | {ratio}"
            f" | {_ms(result.p50_ms)} | {_ms(result.p95_ms)} | {_ms(result.p99_ms)} | {_ms(result.max_ms)}"
            f" | {_ms(server.p(95))} | {_statuses(result.statuses)} | {result.socket_errors + result.timeouts} |"
        )
    return "\n".join(lines)


def mixed_table(run: HttpRun) -> str:
    lines = [
        "| page | share | requests | p50 ms | p95 ms | p99 ms | max ms | client p50 ms | client p95 ms"
        " | goal: p95 ≤ | goal met | 3xx / 4xx / 5xx |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- | ---: |",
    ]
    for name, page in PAGES.items():
        stats = run.mixed_pages.get(name)
        if stats is None:
            continue
        p95 = stats.p(95)
        client = run.mixed_client.get(name, Latency())
        lines.append(
            f"| {page.label} | {page.weight} % | {stats.count:,} | {_ms(stats.p(50))} | {_ms(p95)} | {_ms(stats.p(99))}"
            f" | {_ms(max(stats.times_ms, default=None))} | {_ms(client.p(50))} | {_ms(client.p(95))}"
            f" | {page.target_ms:g} ms ({page.pattern}) | {_goal_verdict(p95, page.target_ms)}"
            f" | {_statuses(stats.statuses)} |"
        )
    other = run.mixed_pages.get("other")
    if other is not None:
        lines.append(f"| other (not in the mix) | - | {other.count:,} | | | | | | | | | {_statuses(other.statuses)} |")
    if run.mixed is not None:
        m = run.mixed
        capped = " (capped)" if m.capped else ""
        lines.append(
            f"| **whole mix, wrk (client side)**: {m.rps:,.1f} req/s | 100 % | {m.requests:,}{capped}"
            f" | {_ms(m.p50_ms)} | {_ms(m.p95_ms)} | {_ms(m.p99_ms)} | {_ms(m.max_ms)} | | | | |"
            f" {_statuses(m.statuses)} |"
        )
    return "\n".join(lines)


def _within_targets(pages: dict[str, Latency]) -> str:
    """How many of the measured page types have their p95 within their pattern's target."""
    measured = [name for name in PAGES if name in pages]
    misses = [name for name in measured if (pages[name].p(95) or 0) > PAGES[name].target_ms]
    return f"{len(measured) - len(misses)} of {len(measured)} page types" + (
        f"; missed by {', '.join(misses)}" if misses else ""
    )


def goals(run: HttpRun) -> list[str]:
    lines = []
    for name, page in PAGES.items():
        if page.throughput_goal is None or name not in run.isolated:
            continue
        ratio = run.ratio(name)
        met = ratio is not None and ratio >= page.throughput_goal
        lines.append(
            f"- {name} throughput ≥ {_pct(page.throughput_goal)} of the ceiling: {_pct(ratio)} →"
            f" {'met' if met else '**not met**'}"
        )
    lines.append("- p95 under the mixed load within the pattern's target: " + _within_targets(run.mixed_pages))
    if run.mixed_client:
        within = _within_targets(run.mixed_client)
        lines.append(f"- the same, timed at the client (waits for a free worker included): {within}")
    failures = sum(r.failures for r in run.results)
    lines.append(
        f"- no 5xx responses: {run.server_errors} → {'met' if run.server_errors == 0 else '**not met**'};"
        f" responses that are not 2xx/3xx, socket errors and timeouts, all runs: {failures}"
        + (f" (gunicorn's log of the run: `{run.error_log}`)" if run.server_errors and run.error_log else "")
    )
    return lines


def render(run: HttpRun, env: dict[str, str]) -> str:
    o = run.options
    sizes = ", ".join(f"{k} {v:,}" for k, v in run.sample.counts.items())
    urls = ", ".join(f"{name} {len(run.runs[name])}" for name in PAGES if name in run.runs)
    load = ", ".join(f"{v:.2f}" for v in run.load_average)
    return "\n".join(
        [
            "## HTTP level: pages under load (gunicorn + wrk)",
            "",
            "Written by `manage.py bench_http` (reports/bench/http.py, reports/bench/wrk/shopwave.lua). The site runs"
            " in gunicorn with the production settings (DEBUG off, the web login `shopwave_web` through Django's"
            " connection pool, whitenoise; only SECURE=false, because loopback is plain HTTP) on a loopback socket;"
            " Debian's wrk drives it from a separate process with one connection per wrk thread, each connection a"
            " customer logged in through the login form with its own session and CSRF cookies. Each run is bounded"
            " by time (wrk's `-d`) and by request count (the Lua script stops a thread after its share).",
            "",
            f"- date: {env['date']}",
            f"- machine: {env['machine']}; load average at start {load} (wrk, gunicorn and PostgreSQL share these"
            " cores with anything else running: compare numbers within one run)",
            speed_line(env),
            f"- database: {env['postgres']}; size {env['database size']}; listed {sizes}",
            f"- commit: {env['commit']}",
            f"- server: {run.gunicorn}, {o.server.describe()}; load generator: {run.wrk}, {o.connections}"
            f" connections ({run.customers} distinct customers). gthread (one worker per core, 4 threads) is the"
            " default because it measured about twice the requests/s of 2 x cores + 1 sync workers on every page"
            " here: sync workers close the connection after each response, so each request pays a new TCP"
            " connection and an accept() race, and with the GIL one process per core already uses the CPUs while"
            " threads overlap the database round trips",
            f"- runs: {o.warmup} s warm-up (mixed, not counted), then each page type alone for {o.duration} s, then"
            f" the mix for {o.mixed_duration} s; at most {o.max_requests:,} requests per run; whole run"
            f" {run.seconds:.0f} s",
            f"- URLs sampled from the database (seed {o.seed}): {urls}",
            *(
                [
                    f"- **only {run.customers} customer(s) with the demo password and no cart**: the"
                    f" {o.connections} sessions share accounts and carts (add to cart then waits on the same rows)"
                ]
                if run.customers < o.connections
                else []
            ),
            "",
            "### Each page type alone",
            "",
            "Requests/s and latency as wrk sees them (client side: includes waiting for a free worker and the"
            " loopback round trip). *of ceiling* = the page's requests/s ÷ the ceiling's: `/healthz`, a minimal"
            " Django view making one `SELECT 1` through the whole middleware stack (it skips the request-identity"
            " middleware). *server p95* = the same requests' p95 from gunicorn's access log. 3xx are expected only"
            " for add to cart (a redirect to the cart).",
            "",
            isolated_table(run),
            "",
            "### Mixed load",
            "",
            "All page types at once in the shares shown. The per-page figures (p50 to max, and the goals') come"
            " from gunicorn's access log (`%(D)s`, request time in µs, classified by method and URL): they run from"
            " the worker reading the request to the end of the response, so they exclude waiting for a free worker."
            " *client p50/p95* time the same page types at the client (the Lua script reads the monotonic clock"
            " when it builds a request and when its response arrives), so they include every wait, as the last"
            " row (wrk's own, for the whole mix) does. Goals: home, category and search ~ QP-01 (50 ms),"
            " product QP-02 (10 ms), cart QP-03 (5 ms); the checkout page's GET computes the live quote (tax,"
            " shipping, promotion) without placing an order, so its goal is QP-09's 500 ms (QP-04's 100 ms is for"
            " the POST that places the order, not measured here); add to cart is a write, held to the seeds'"
            " 500 ms for writes.",
            "",
            mixed_table(run),
            "",
            "### Goals",
            "",
            *goals(run),
            "",
            f"Side effects: the customers' `last_login` is updated; their sessions are logged out and the"
            f" {run.carts_deleted} cart(s) the run created are deleted at the end.",
            "",
        ]
    )
