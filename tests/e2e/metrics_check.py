#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""What Prometheus scraped from xffwatch, against the events it wrote.

metrics_check.py PROM_URL EVENTS_FILE OUTPUT: queries Prometheus's HTTP API
(/api/v1/query) and compares, per listener (the app port), the requests,
the responses by status class, the findings, the duration histogram and the
events written (OUTPUT: the output's label, e.g. file1) with what the
events file holds; nothing lost nor dropped. Prints every difference and
exits 1 if there is one.

metrics_check.py --series PROM_URL: prints count({__name__=~"xffwatch_.*"}).
"""
import collections
import json
import sys
import urllib.parse
import urllib.request

# The first METRICS_LISTENERS app ports seen get their own listener label; later ones "other".
METRICS_LISTENERS = 32
# The histogram's upper bounds in seconds (spec: xffwatch_request_duration_seconds).
BUCKETS = ["0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10",
           "30", "60"]


def query(prom, expr):
    """The instant vector of EXPR as {frozenset(labels without __name__): value}."""
    url = prom + "/api/v1/query?" + urllib.parse.urlencode({"query": expr})
    with urllib.request.urlopen(url, timeout=10) as r:
        body = json.load(r)
    if body.get("status") != "success":
        raise SystemExit("query %s: %s" % (expr, body))
    out = {}
    for s in body["data"]["result"]:
        labels = {k: v for k, v in s["metric"].items() if k != "__name__"}
        out[frozenset(labels.items())] = float(s["value"][1])
    return out


def by(prom, expr, *labels):
    """EXPR summed by LABELS, as {tuple of label values: value}."""
    res = query(prom, "sum by (%s) (%s)" % (",".join(labels), expr) if labels
                else "sum(%s)" % expr)
    return {tuple(dict(k).get(l, "") for l in labels): v for k, v in res.items()}


def code_class(status):
    if 100 <= status <= 599:
        return "%dxx" % (status // 100)
    return "other"


class Diff:
    def __init__(self):
        self.n = 0
        self.checks = 0

    def same(self, what, got, want):
        """Compares two {key: count} maps; zero and absent are the same."""
        self.checks += 1
        keys = set(got) | set(want)
        for k in sorted(keys, key=str):
            g, w = got.get(k, 0), want.get(k, 0)
            if g != w:
                print("  %s %s: Prometheus says %g, expected %g (the events)" % (what, k, g, w))
                self.n += 1


def main():
    if sys.argv[1] == "--series":
        res = query(sys.argv[2], 'count({__name__=~"xffwatch_.*"})')
        print(int(sum(res.values())))
        return 0
    prom, events_file, output = sys.argv[1], sys.argv[2], sys.argv[3]
    requests = collections.Counter()
    responses = collections.Counter()
    no_response = 0
    findings = collections.Counter()
    with_duration = collections.Counter()
    buckets = collections.Counter()
    lines = 0
    ports = []
    with open(events_file, encoding="utf-8") as f:
        for line in f:
            lines += 1
            e = json.loads(line)
            port = e["destination"]["port"]
            if port not in ports and len(ports) < METRICS_LISTENERS:
                ports.append(port)
            listener = str(port) if port in ports else "other"
            requests[(listener,)] += 1
            status = e.get("http", {}).get("response", {}).get("status_code")
            if status is None:
                no_response += 1
            else:
                responses[(listener, code_class(status))] += 1
            for name in set(e.get("xffwatch", {}).get("findings", [])):
                findings[(listener, name)] += 1
            ns = e.get("event", {}).get("duration", 0)
            if status is not None and ns:
                with_duration[(listener,)] += 1
                for le in BUCKETS:
                    # le is inclusive; integer nanoseconds against the bound.
                    if ns <= round(float(le) * 1e9):
                        buckets[(listener, le)] += 1
                buckets[(listener, "+Inf")] += 1

    d = Diff()
    d.same("xffwatch_requests_total", by(prom, "xffwatch_requests_total", "listener"),
           requests)
    d.same("xffwatch_responses_total",
           by(prom, "xffwatch_responses_total", "listener", "code_class"), responses)
    d.same("xffwatch_no_response_total", by(prom, "xffwatch_no_response_total"),
           {(): no_response})
    d.same("xffwatch_findings_total",
           by(prom, "xffwatch_findings_total", "listener", "finding"), findings)
    d.same("xffwatch_request_duration_seconds_count",
           by(prom, "xffwatch_request_duration_seconds_count", "listener"), with_duration)
    got = by(prom, "xffwatch_request_duration_seconds_bucket", "listener", "le")
    # Prometheus keeps le as written: compare numerically.
    got = {(k[0], "+Inf" if k[1] == "+Inf" else "%g" % float(k[1])): v for k, v in got.items()}
    want = {(k[0], k[1] if k[1] == "+Inf" else "%g" % float(k[1])): v
            for k, v in buckets.items()}
    d.same("xffwatch_request_duration_seconds_bucket", got, want)
    d.same("xffwatch_events_written_total",
           by(prom, "xffwatch_events_written_total", "output"), {(output,): lines})
    d.same("xffwatch_events_dropped_total", by(prom, "xffwatch_events_dropped_total"),
           {(): 0})
    d.same("xffwatch_kernel_ringbuf_lost_total",
           by(prom, "xffwatch_kernel_ringbuf_lost_total"), {(): 0})
    # The kernel's counters, read by the daemon as nobody: one head and one
    # response per event here.
    d.same("xffwatch_kernel_request_heads_total",
           by(prom, "xffwatch_kernel_request_heads_total"), {(): lines})
    d.same("xffwatch_kernel_responses_total",
           by(prom, "xffwatch_kernel_responses_total"), {(): lines - no_response})
    d.same("xffwatch_build_info", by(prom, "xffwatch_build_info"), {(): 1})
    d.same("xffwatch_metrics_listeners_overflow_total",
           by(prom, "xffwatch_metrics_listeners_overflow_total"),
           {(): requests.get(("other",), 0)})
    d.checks += 1
    info = [dict(k) for k in query(prom, "xffwatch_build_info")]
    if len(info) != 1 or not info[0].get("version") or not info[0].get("abi"):
        print("  xffwatch_build_info: %s, expected one series with version and abi" % info)
        d.n += 1
    # Every metric above must be there at all: an empty answer is not a zero.
    for name in ("xffwatch_requests_total", "xffwatch_findings_total",
                 "xffwatch_events_written_total", "xffwatch_kernel_ringbuf_lost_total",
                 "xffwatch_build_info", "xffwatch_request_duration_seconds_bucket",
                 "xffwatch_kernel_request_heads_total"):
        d.checks += 1
        if not query(prom, name):
            print("  %s: no such series in Prometheus" % name)
            d.n += 1
    print("metrics_check: %d events, %d listeners, %d finding kinds; %d checks, %d differences"
          % (lines, len(requests), len({k[1] for k in findings}), d.checks, d.n))
    return 1 if d.n else 0


if __name__ == "__main__":
    sys.exit(main())
