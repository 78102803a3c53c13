"""The benchmark's origin: nginx serving generated articles as static files.

The client is what is measured, so the origin must cost next to nothing on the
same two cores: Debian's nginx, one worker, answering the data endpoint
(``/NewsData/GetNewsText.do?id=CODE``) from ``data/CODE.json`` with
``try_files``. When nginx is not installed, the Python sample site stands in
(a thread per request: it costs about as much as the client, so the ratios it
gives understate the pipeline's share); the benchmark says which was used.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

from newsarchiver.extract import DATA_PATH
from newsarchiver.sample_site import SampleSite
from newsarchiver.sample_site.articles import SampleArticle, generated, generated_code

NGINX_CONF = """\
worker_processes 1;
pid {run}/nginx.pid;
error_log {run}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log {run}/access.log;
    client_body_temp_path {run}/body;
    proxy_temp_path {run}/proxy;
    fastcgi_temp_path {run}/fastcgi;
    uwsgi_temp_path {run}/uwsgi;
    scgi_temp_path {run}/scgi;
    types {{ }}
    default_type "application/json; charset=utf-8";
    keepalive_requests 1000000;
    server {{
        listen 127.0.0.1:{port};
        root {root};
        location = {data_path} {{ try_files /data/$arg_id.json =404; }}
    }}
}}
"""


def scratch_folder() -> Path:
    """tmpfs when there is one, so disk speed does not enter the figures."""
    shm = Path("/dev/shm")
    if shm.is_dir() and os.access(shm, os.W_OK):
        return shm
    return Path(os.environ.get("TMPDIR", "/tmp"))


def articles(count: int, start: int = 0) -> Iterator[SampleArticle]:
    """``count`` articles the size of the golden one, each body a little different.

    The number goes into the first paragraph so that no cache keyed on the body
    can make the pipeline look faster than it is on real articles. A generator:
    the benchmark process stays small, and a child's peak RSS (which counts its
    parent's at the fork) stays the child's own.
    """
    for a in generated(count, start):
        yield SampleArticle(
            code=a.code,
            title=a.title,
            showtime=a.showtime,
            medianame=a.medianame,
            text=a.text.replace("<p>", f"<p>{a.code} ", 1),
        )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a running process (Linux /proc)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Origin:
    """What a run needs of the origin: its base URL and how many requests it served."""

    name = ""
    base_url = ""

    def requests(self) -> int:
        raise NotImplementedError

    def cpu(self) -> float:
        """CPU seconds the origin has used so far (0 when unknown)."""
        return 0.0

    @staticmethod
    def codes(count: int) -> list[str]:
        """The codes of the first ``count`` articles served (as generated() numbers them)."""
        return [generated_code(number) for number in range(count)]

    def share_url(self, code: str) -> str:
        return f"{self.base_url}/html_News/NewsShare.html?infoCode={code}"


class Nginx(Origin):
    name = "nginx"

    def __init__(self, root: Path, run: Path) -> None:
        self.root, self.run = root, run
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log = run / "access.log"
        self.proc: subprocess.Popen | None = None

    def start(self) -> Nginx:
        conf = self.run / "nginx.conf"
        conf.write_text(
            NGINX_CONF.format(run=self.run, port=self.port, root=self.root, data_path=DATA_PATH)
        )
        self.proc = subprocess.Popen(
            # -e: the start-up error log too, so a user without /var/log/nginx is not warned.
            [nginx_binary(), "-p", str(self.run), "-e", str(self.run / "error.log")]
            + ["-c", str(conf), "-g", "daemon off;"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        for _ in range(100):
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port)):
                return self
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        error = self.proc.stderr.read().decode(errors="replace") if self.proc.stderr else ""
        self.stop()
        raise RuntimeError(f"nginx did not start: {error.strip()}")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)

    def requests(self) -> int:
        """Lines in the access log: one per request served, whatever its status."""
        with open(self.log, "rb") as handle:
            return sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b""))

    def cpu(self) -> float:
        if not self.proc:
            return 0.0
        children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children")
        pids = [self.proc.pid, *map(int, children.read_text().split())]
        return sum(cpu_seconds(pid) for pid in pids)


class PythonSite(Origin):
    def __init__(self, site: SampleSite, why: str) -> None:
        self.site = site
        self.base_url = site.base_url
        self.name = f"python sample site ({why}; it shares the client's cores)"

    def requests(self) -> int:
        return sum(self.site.requests.values())


def nginx_binary() -> str | None:
    return shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/sbin/nginx") if os.access(p, os.X_OK)), None
    )


def write_site(root: Path, items: Iterable[SampleArticle]) -> None:
    """Each article's data endpoint answer as ``root/data/CODE.json``."""
    data = root / "data"
    data.mkdir(parents=True, exist_ok=True)
    for article in items:
        body = json.dumps(article.json(), ensure_ascii=False).encode("utf-8")
        (data / f"{article.code}.json").write_bytes(body)


@contextlib.contextmanager
def origin(count: int, work: Path, python: bool = False) -> Iterator[Origin]:
    """Serve ``count`` articles: nginx unless it is missing or ``python`` is asked for."""
    if python or nginx_binary() is None:
        # The sample site keeps its articles in this process: they share one body.
        with SampleSite(generated(count)) as site:
            yield PythonSite(site, "as asked" if python else "nginx not found")
        return
    root, run = work / "site", work / "nginx"
    run.mkdir(parents=True, exist_ok=True)
    write_site(root, articles(count))
    # nginx's worker may run as another user (root's default is nobody).
    for folder in (work, root, root / "data", run):
        folder.chmod(0o755)
    server = Nginx(root, run).start()
    try:
        yield server
    finally:
        server.stop()
