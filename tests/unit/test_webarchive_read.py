"""webarchive/read.py: a record read without warcio is the record warcio reads."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from newsarchiver.webarchive import WarcSpool, WebArchive, read

ANSWERS = {
    # url -> (status, headers as they came, body)
    "http://finews.test/a": (200, [(b"Content-Type", b"application/json")], "正文".encode()),
    "http://finews.test/b": (404, [(b"Content-Type", b"text/plain")], b"not found"),
    "http://finews.test/c": (
        200,
        [(b"Set-Cookie", b"a=1"), (b"Set-Cookie", b"b=2"), (b"X-Empty", b""),
         (b"Content-Encoding", b"gzip"), (b"X-Spaced", b"  padded value  ")],
        b"\x1f\x8b\x08\x00binary\r\n\r\nbody",
    ),  # fmt: skip
    "http://finews.test/d": (200, [(b"X-Latin", "café".encode("latin-1"))], b"{}"),
    "http://finews.test/e": (299, [(b"X-Utf8", "中文".encode())], b""),
}


@pytest.mark.parametrize("level", [0, 1])
def test_every_record_reads_as_warcio_reads_it(tmp_path, level, monkeypatch):
    target = tmp_path / "a.wacz"
    spool = WarcSpool(target, datetime.now(UTC), level=level)
    for url, (status, headers, body) in ANSWERS.items():
        spool.add_response(url, status, headers, body)
        spool.add_page(url, "t", url.replace("finews.test/", "finews.test/share/"), url[-1])
    spool.pack(fsync=False)

    plain_reads = []
    real = read._plain_record
    monkeypatch.setattr(
        read, "_plain_record", lambda raw: plain_reads.append(found := real(raw)) or found
    )
    ours = WebArchive([target]).open()
    by_warcio = WebArchive([target], verify=True).open()  # --verify: always warcio, digests
    for url, (status, _, body) in ANSWERS.items():
        answer = ours.response(url)
        assert answer == by_warcio.response(url)
        assert answer[0] == status and answer[2] == body
    # Only the ASCII headers were read without warcio: non-ASCII ones went to warcio.
    assert [found is not None for found in plain_reads] == [True, True, True, False, False]
    ours.close()
    by_warcio.close()


def test_a_record_cut_short_or_not_a_response_is_left_to_warcio():
    record = (
        b"WARC/1.1\r\nWARC-Type: response\r\nContent-Type: application/http; msgtype=response"
        b"\r\nContent-Length: 34\r\n\r\nHTTP/1.1 200 OK\r\nX-A: 1\r\n\r\nbody...\r\n\r\n"
    )
    assert read._plain_record(record) == (200, [("X-A", "1")], b"body...")
    assert read._plain_record(record[:-6]) is None  # shorter than its Content-Length
    assert read._plain_record(record.replace(b"response\r\n", b"request\r\n", 1)) is None
    folded = record.replace(b"X-A: 1\r\n", b"X-A: 1\r\n  more\r\n").replace(b"34", b"42")
    assert read._plain_record(folded) is None  # warcio joins a folded header
    assert read._plain_record(b"\x1f\x8b" + record) is None  # no gzip member after all
