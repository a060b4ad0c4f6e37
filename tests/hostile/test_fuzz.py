"""Fuzzing the two readers of files users hand us: the config loader and the WARC reader.
Seeded random damage to valid inputs (a few seconds each) must end in a result or in the
tool's own one-line error (`ConfigError`, `WarcError`, any `ScraperError`), never in another
exception."""

from __future__ import annotations

import gzip
import io
import random
import time
from pathlib import Path
from typing import Any

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from hostile.warcs import TARGET_URL
from scraper.archive.store import Archive
from scraper.config import load_config, parse_config
from scraper.core.target import Target
from scraper.errors import ConfigError, ScraperError
from scraper.run.timing import plan_schedule
from scraper.sources.warc_import import import_warc

CONFIG = """\
[[targets]]
name = "republic-of-korea"
url = "https://www.nato.int/cps/en/natohq/topics_50098.htm"
webhook = "https://hooks.example.org/services/T0/B0/xyz"
command = "notify-send nato-watch"
watch = ["PRC", "Indo-Pacific", ["Korean Peninsula", "Korea"]]
notify_on = "significant"

[[targets]]
name = "japan"
url = "https://www.nato.int/cps/en/natohq/topics_50336.htm"
fetch = "browser"
wait_for = "main article"

[fetch]
user_agent = "research-bot/1 (me@example.org)"
connect_timeout = 10.0
read_timeout = 30.0
total_timeout = 120.0
check_timeout = 300.0
retries = 4
backoff = 2.0
max_backoff = 120.0
max_redirects = 10
max_bytes = 5242880
respect_robots = true

[check]
suspect_confirmations = 2
lock_timeout = 60.0

[run]
every = "6h"
timezone = "Europe/Brussels"
jitter = "5m"
failure_threshold = 3
stop_timeout = 60.0
notify_timeout = 10.0
notify_tries = 3

[words]
default_watch = ["China", "Russia"]

[[words.actors]]
name = "Quad"
kind = "organisation"
variants = ["Quadrilateral Security Dialogue"]
"""
TOKENS = [
    "inf", "-inf", "nan", "1e308", "-1", "0", "9" * 30, "1000000000", "0.0000001", '""', '"x"',
    "true", "[", "]", "[[", "]]", "{", "}", "=", '"', "'", "\\", "\n", "#", ",", ".", "\x00",
    "\x1b[2J", "ü", '"http://[::1"', '"http://a:99999/"', '"6"', '"1000000000d"', '"0 0 31 2 *"',
    '"@yearly"', '"Mars/Phobos"', "[[targets]]", "[fetch]", "[run]", "[words]", "[[words.terms]]",
    "a = " + "[" * 50, "1979-05-27T07:32:00Z", '"""', "'''",
]  # fmt: skip


def mutate_text(text: str, rng: random.Random) -> str:
    for _ in range(rng.randint(1, 3)):
        at = rng.randrange(len(text) + 1)
        roll = rng.random()
        if roll < 0.3:
            text = text[:at] + text[at + rng.randint(1, 40) :]
        elif roll < 0.8:
            text = text[:at] + rng.choice(TOKENS) + text[at:]
        else:
            start = rng.randrange(len(text) + 1)
            text = text[:at] + text[start : start + rng.randint(1, 200)] + text[at:]
    return text


def random_value(rng: random.Random, depth: int = 0) -> Any:
    kinds = ["int", "float", "str", "bool", "list", "dict", "none"]
    kind = rng.choice(kinds if depth < 3 else kinds[:4])
    if kind == "int":
        return rng.choice([0, -1, 1, 2, 10**18, -(10**18), 7])
    if kind == "float":
        return rng.choice([float("inf"), float("nan"), -0.0, 1e-9, 1e300, 2.5])
    if kind == "str":
        return rng.choice(
            ["", " ", "6h", "x", "http://[::1", "https://x.org/", "\x00", "0 0 * * *"]
        )
    if kind == "bool":
        return rng.choice([True, False])
    if kind == "list":
        return [random_value(rng, depth + 1) for _ in range(rng.randint(0, 3))]
    if kind == "dict":
        return {rng.choice(["name", "url", "every", "x"]): random_value(rng, depth + 1)}
    return None


def mutate_tree(data: Any, rng: random.Random) -> Any:
    """`data` (parsed TOML) with one leaf or table replaced by a value of any type."""
    if isinstance(data, dict) and data and rng.random() < 0.8:
        key = rng.choice(sorted(data))
        return {**data, key: mutate_tree(data[key], rng)}
    if isinstance(data, list) and data and rng.random() < 0.8:
        k = rng.randrange(len(data))
        return [*data[:k], mutate_tree(data[k], rng), *data[k + 1 :]]
    return random_value(rng)


def test_the_config_loader_refuses_damage_only_with_config_errors(tmp_path: Path) -> None:
    import tomllib

    rng = random.Random(20)
    path = tmp_path / "nato-watch.toml"
    loaded = refused = 0
    started = time.monotonic()
    for n in range(3000):
        try:
            if n % 3 == 2:
                config = parse_config(mutate_tree(tomllib.loads(CONFIG), rng), source="fuzz")
            else:
                path.write_bytes(mutate_text(CONFIG, rng).encode("utf-8", "surrogatepass"))
                config = load_config(path)
            plan_schedule(config.run)
            loaded += 1
        except ConfigError:
            refused += 1
    assert loaded > 100 and refused > 1000, (loaded, refused)
    assert time.monotonic() - started < 30


# -- the WARC reader -------------------------------------------------------------------------

PAGE = (
    b"<!DOCTYPE html><html><head><title>Relations with the Republic of Korea</title></head>"
    b"<body><main><h1>Relations with the Republic of Korea</h1><p>NATO and the Republic of "
    b"Korea have engaged in dialogue and cooperation since 2005, and are partners.</p>"
    b"<h2>Political dialogue</h2><p>The partnership is steadfast and growing.</p></main>"
    b"</body></html>"
)


def valid_warc(*, gzipped: bool) -> bytes:
    """A small WARC as others write it: warcinfo, request, response, metadata, revisit."""
    out = io.BytesIO()
    writer = WARCWriter(out, gzip=gzipped, warc_version="1.1")
    writer.write_record(writer.create_warcinfo_record("x.warc", {"software": "fuzz/1"}))
    head = StatusAndHeaders("200 OK", [("Content-Type", "text/html"), ("Content-Length", str(len(PAGE)))], "HTTP/1.1")  # fmt: skip
    response = writer.create_warc_record(
        TARGET_URL, "response", payload=io.BytesIO(PAGE), length=len(PAGE), http_headers=head,
        warc_headers_dict={"WARC-Date": "2016-10-06T15:20:00Z"},
    )  # fmt: skip
    request = writer.create_warc_record(
        TARGET_URL, "request", payload=io.BytesIO(b""), length=0,
        http_headers=StatusAndHeaders("GET / HTTP/1.1", [("Host", "www.nato.int")], is_http_request=True),
        warc_headers_dict={"WARC-Concurrent-To": response.rec_headers.get_header("WARC-Record-ID")},
    )  # fmt: skip
    metadata = writer.create_warc_record(
        TARGET_URL, "metadata", payload=io.BytesIO(b"software: nato-watch/0\r\nsource: live\r\n"),
        warc_content_type="application/warc-fields",
        warc_headers_dict={"WARC-Refers-To": response.rec_headers.get_header("WARC-Record-ID")},
    )  # fmt: skip
    revisit = writer.create_revisit_record(
        TARGET_URL, digest=response.rec_headers.get_header("WARC-Payload-Digest"),
        refers_to_uri=TARGET_URL, refers_to_date="2016-10-06T15:20:00Z",
        http_headers=StatusAndHeaders("200 OK", [("Content-Type", "text/html")], "HTTP/1.1"),
        warc_headers_dict={"WARC-Date": "2017-01-01T00:00:00Z"},
    )  # fmt: skip
    for record in (request, response, metadata, revisit):
        writer.write_record(record)
    return out.getvalue()


def mutate_bytes(data: bytes, rng: random.Random) -> bytes:
    pieces = [b"\r\n", b"\r\n\r\n", b"WARC/1.1\r\n", b"Content-Length: ", b"99999999", b"-1",
              b"WARC-Date: 0001-01-01T00:00:00Z\r\n", b"WARC-Type: response\r\n", b"\x00", b"\xff",
              b"HTTP/1.1 200 OK\r\n", b"Content-Encoding: gzip\r\n", b"Transfer-Encoding: chunked\r\n",
              b"WARC-Date: banana\r\n", b"WARC-Target-URI: http://[::1\r\n"]  # fmt: skip
    for _ in range(rng.randint(1, 2)):
        at = rng.randrange(len(data) + 1)
        roll = rng.random()
        if roll < 0.25:
            data = data[:at] + data[at + rng.randint(1, 64) :]
        elif roll < 0.6:
            data = data[:at] + rng.choice(pieces) + data[at:]
        elif roll < 0.85 and data:
            k = rng.randrange(len(data))
            data = data[:k] + bytes([rng.randrange(256)]) + data[k + 1 :]
        else:
            data = data[:at]
    return data


def test_the_warc_reader_refuses_damage_only_with_its_own_errors(tmp_path: Path) -> None:
    rng = random.Random(28500)
    plain, zipped = valid_warc(gzipped=False), valid_warc(gzipped=True)
    target = Target("rok", TARGET_URL)
    outcomes = {"read": 0, "refused": 0}
    started = time.monotonic()
    for n in range(600):
        kind = n % 3
        if kind == 0:
            data = mutate_bytes(plain, rng)
        elif kind == 1:  # damage inside the records, behind a sound gzip layer
            data = gzip.compress(mutate_bytes(plain, rng), mtime=0)
        else:
            data = mutate_bytes(zipped, rng)
        path = tmp_path / f"f{n}.warc{'.gz' if kind else ''}"
        path.write_bytes(data)
        archive = Archive(tmp_path / f"data{n}")
        try:
            import_warc([path], [target], archive=archive)
            outcomes["read"] += 1
        except ScraperError:
            outcomes["refused"] += 1
    assert outcomes["read"] > 30 and outcomes["refused"] > 300, outcomes
    assert time.monotonic() - started < 60
