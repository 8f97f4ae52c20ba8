"""Seeing the mapping: trace.json in the Chrome trace-event format (`--verify`, `convc run
--trace`), report.html drawn in a real headless browser (Debian's Chromium, tools/setup.sh),
and progress bars only on a terminal."""
import json
import os
import pty
import re
import shutil
import struct
import subprocess
import zlib

import numpy as np
import pytest

from helpers import CONVC, convc

CHROMIUM = shutil.which("chromium")
# CI installs Chromium (tools/setup.sh): there the browser test must run, not skip.
needs_browser = pytest.mark.skipif(CHROMIUM is None and not os.environ.get("CI"),
                                   reason="chromium not installed (tools/setup.sh installs it as root)")
PHASES = {"X", "M", "C", "i"}  # the event kinds trace.py writes


@pytest.fixture(scope="module")
def verified(models_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("report") / "out"
    proc = convc(models_dir / "resnet_mini.onnx", "--target", "thetis", "-o", out,
                 "--calib", models_dir / "resnet_mini.calib.npz", "--verify")
    assert proc.returncode == 0, proc.stderr
    return out


def check_trace_events(trace: dict) -> list[dict]:
    """The trace-event format's rules for the events written: returns the complete events."""
    assert isinstance(trace, dict) and isinstance(trace["traceEvents"], list)
    for e in trace["traceEvents"]:
        assert e["ph"] in PHASES, e
        assert isinstance(e["pid"], int) and isinstance(e.get("tid", 0), int), e
        if e["ph"] == "M":
            assert e["name"] in ("process_name", "thread_name", "process_sort_index", "thread_sort_index")
            assert "name" in e["args"] or "sort_index" in e["args"]
        else:
            assert isinstance(e["ts"], (int, float)) and e["ts"] >= 0, e
        if e["ph"] == "X":
            assert isinstance(e["name"], str) and e["dur"] > 0, e
        if e["ph"] == "C":
            assert all(isinstance(v, (int, float)) for v in e["args"].values()), e
        if e["ph"] == "i":
            assert e["s"] in ("g", "p", "t"), e
    return [e for e in trace["traceEvents"] if e["ph"] == "X"]


def test_the_verify_trace_is_a_valid_trace_with_one_track_per_kind_of_work(verified):
    trace = json.loads((verified / "trace.json").read_text())
    spans = check_trace_events(trace)
    threads = {(e["pid"], e["tid"]): e["args"]["name"] for e in trace["traceEvents"]
               if e["ph"] == "M" and e["name"] == "thread_name"}
    tracks = {threads[(e["pid"], e["tid"])] for e in spans}
    assert {"dma", "wait", "program: imc", "compute: imc", "compute: dpu"} <= tracks
    by_resource = {}
    for e in spans:  # one resource of a core (its DMA, its array...) runs one command at a time
        resource = threads[(e["pid"], e["tid"])].split(": ")[-1]
        by_resource.setdefault((e["pid"], resource), []).append((e["ts"], e["ts"] + e["dur"]))
    for intervals in by_resource.values():
        intervals.sort()
        assert all(a[1] <= b[0] + 1e-9 for a, b in zip(intervals, intervals[1:]))
    # ...but a core's DMA runs under its array's compute where their bytes are disjoint
    assert any(d0 < m1 and m0 < d1 for (pid, r), dma in by_resource.items() if r == "dma"
               for d0, d1 in dma for m0, m1 in by_resource.get((pid, "imc"), ()))
    report = json.loads((verified / "report.json").read_text())
    nodes = {layer["node"] for layer in report["layers"]}
    assert {e["name"] for e in spans if e["cat"].startswith("compute")} <= nodes  # spans named after layers
    end = max(e["ts"] + e["dur"] for e in spans)
    assert end * trace["otherData"]["clock_mhz"] == pytest.approx(trace["otherData"]["cycles"])
    counters = {}
    for e in trace["traceEvents"]:
        if e["ph"] == "C":
            counters.setdefault(e["name"], []).append(e["args"]["bytes"])
    assert set(counters) == {"DMA bytes in flight", "L1 bytes in use", "L2 bytes live"}
    assert all(v[-1] == 0 and min(v) >= 0 for v in counters.values())  # every byte taken is given back
    l2_peak = max(counters["L2 bytes live"])
    assert 0 < l2_peak <= sum(layer["out_bytes"] for layer in report["layers"] if layer.get("out_level") == "l2")


def test_convc_run_writes_the_trace_and_convc_report_draws_it(verified, models_dir, tmp_path):
    x = np.load(models_dir / "resnet_mini.sample.npz")["x"]
    np.save(tmp_path / "x.npy", x)
    proc = convc("run", verified, "-i", tmp_path / "x.npy", "-o", tmp_path / "y.npy", "--trace", tmp_path / "t.json")
    assert proc.returncode == 0, proc.stderr
    ran = json.loads((tmp_path / "t.json").read_text())
    assert check_trace_events(ran) == check_trace_events(json.loads((verified / "trace.json").read_text()))
    proc = convc("report", verified, "--trace", tmp_path / "t.json", "-o", tmp_path / "r.html")
    assert proc.returncode == 0 and "timeline from" in proc.stdout
    assert '<svg id="timeline"' in (tmp_path / "r.html").read_text()


def test_convc_report_refuses_what_is_not_a_trace(verified, tmp_path):
    (tmp_path / "t.json").write_text('{"events": []}')
    proc = convc("report", verified, "--trace", tmp_path / "t.json")
    assert proc.returncode == 1 and proc.stderr.startswith("error:") and "not a trace-event file" in proc.stderr
    proc = convc("report", tmp_path / "nowhere")
    assert proc.returncode == 1 and "no such file" in proc.stderr
    (tmp_path / "half").mkdir()
    (tmp_path / "half" / "report.json").write_text((verified / "report.json").read_text())
    proc = convc("report", tmp_path / "half")  # no target.toml beside it
    assert proc.returncode == 1 and proc.stderr.count("\n") == 1 and "target.toml: no such file" in proc.stderr


def test_without_verify_the_page_says_how_to_get_a_timeline(models_dir, tmp_path):
    proc = convc(models_dir / "mlp.onnx", "--target", "thetis", "-o", tmp_path, "--calib", models_dir / "mlp.calib.npz")
    assert proc.returncode == 0
    page = (tmp_path / "report.html").read_text()
    assert "No timeline" in page and '<table id="layers">' in page and "<script" not in page
    assert not (tmp_path / "trace.json").exists()


def _browser(*args, url):
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync", *args, url]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120)


def _png_pixels(path) -> bytes:
    """The raw (filtered) scanlines of a PNG: enough to tell a drawn page from a blank one."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat = 8, b""
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        if kind == b"IDAT":
            idat += data[pos + 8:pos + 8 + length]
        pos += 12 + length
    return zlib.decompress(idat)


@needs_browser
def test_report_html_renders_in_a_headless_browser(verified, tmp_path):
    url = (verified / "report.html").resolve().as_uri()
    profile = f"--user-data-dir={tmp_path / 'profile'}"
    dom = _browser(profile, "--dump-dom", url=url)
    assert dom.returncode == 0, dom.stderr[-2000:]
    report = json.loads((verified / "report.json").read_text())
    trace = json.loads((verified / "trace.json").read_text())
    table = re.search(r'<table id="layers">(.*?)</table>', dom.stdout, re.S).group(1)
    assert table.count("<tr>") == len(report["layers"]) + 1  # the header and one row per layer
    timeline = re.search(r'<svg id="timeline".*?</svg>', dom.stdout, re.S).group(0)
    assert timeline.count('class="span"') == len(check_trace_events(trace))
    assert '<svg id="occupancy"' in dom.stdout and "L2" in dom.stdout
    shot = tmp_path / "page.png"
    run = _browser(profile, "--window-size=1400,1000", f"--screenshot={shot}", url=url)
    assert run.returncode == 0 and shot.exists(), run.stderr[-2000:]
    pixels = _png_pixels(shot)
    drawn = sum(1 for b in pixels[::7] if b not in (0, 255))  # filter bytes and white are 0 / 255
    assert drawn > len(pixels[::7]) // 100, "the screenshot is (almost) blank"


def test_progress_shows_on_a_terminal_only(models_dir, tmp_path):
    def args(out):
        return [str(models_dir / "mlp.onnx"), "--target", "thetis", "-o", str(out), "--calib",
                str(models_dir / "mlp.calib.npz")]
    piped = convc(*args(tmp_path / "a"))
    assert piped.returncode == 0 and "calibrating" not in piped.stderr + piped.stdout
    leader, follower = pty.openpty()
    proc = subprocess.Popen([*CONVC, *args(tmp_path / "b")], stdout=follower, stderr=follower,
                            stdin=subprocess.DEVNULL)
    os.close(follower)
    seen = b""
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
    assert proc.wait(timeout=300) == 0
    assert b"calibrating" in seen
