#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""The doctor's HTML report as Chromium rendered it, against the doctor's JSON.

report_check.py dom DOM_FILE JSON_FILE [--text S]...
    Every element with data-json="POINTER" (RFC 6901, into the JSON) holds
    exactly the value there as text (strings as they are, numbers as
    digits); the pointers the report must show are all there (summary,
    every timeline bucket, every top client, every forger and its values,
    every diagnosis's id); no script, no external resource in the DOM; each
    S (e.g. a hostile header value) appears as text.
report_check.py netlog NETLOG_FILE PAGE_URL
    The page (the requests isolated under file://, or started by its opaque
    origin) asked for nothing but itself and data: URLs. Chromium's own
    requests (updates, time, its search page's) are listed apart and not counted.
report_check.py events JSON_FILE EVENTS_FILE
    The doctor's new figures against the events it read (addresses as they
    are: no pseudonyms): summary.requests, .clients, .forged_requests; the
    timeline's sums; every top client's and every forger's requests.
report_check.py absent FILE ADDRESS...
    None of the addresses occurs in FILE as a whole address.
Prints every difference; exits 1 if there is one.
"""
import html.parser
import json
import re
import sys

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
        "param", "source", "track", "wbr"}
# Elements that would run code or fetch something.
FORBIDDEN = {"script", "iframe", "object", "embed", "link", "frame", "base", "audio", "video",
             "image", "use", "foreignobject"}
URL_ATTRS = {"src", "href", "xlink:href", "action", "formaction", "poster", "srcset",
             "background", "data"}


class Dom(html.parser.HTMLParser):
    """Text content of every data-json element; what should not be there."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.open = []       # [tag, pointer or None, [text]]
        self.found = []      # (pointer, text)
        self.problems = []
        self.text = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in FORBIDDEN:
            self.problems.append("a <%s> element: %s" % (tag, attrs))
        for k, v in attrs:
            if k in URL_ATTRS and v is not None and not v.startswith("#"):
                self.problems.append("<%s %s=%r>: a link to something else than #fragment"
                                     % (tag, k, v))
            if k.startswith("on"):
                self.problems.append("<%s %s>: an event handler" % (tag, k))
            if k == "style" and v and "url(" in v.lower():
                self.problems.append("<%s style=%r>: a url() in a style" % (tag, v))
        if tag not in VOID:
            self.open.append([tag, a.get("data-json"), []])
        elif "data-json" in a:
            self.found.append((a["data-json"], ""))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag):
        for i in range(len(self.open) - 1, -1, -1):
            if self.open[i][0] == tag:
                for t, ptr, text in reversed(self.open[i:]):
                    if ptr is not None:
                        self.found.append((ptr, "".join(text)))
                del self.open[i:]
                return

    def handle_data(self, data):
        self.text.append(data)
        for el in self.open:
            if el[1] is not None:
                el[2].append(data)


MISSING = object()


def resolve(doc, pointer):
    """The value at an RFC 6901 pointer, or MISSING."""
    if pointer == "":
        return doc
    if not pointer.startswith("/"):
        return MISSING
    cur = doc
    for part in pointer[1:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        if isinstance(cur, dict) and part in cur:
            cur = cur[part]
        elif isinstance(cur, list) and re.fullmatch(r"0|[1-9][0-9]*", part) and \
                int(part) < len(cur):
            cur = cur[int(part)]
        else:
            return MISSING
    return cur


def same(text, value):
    """Does TEXT show VALUE as JSON prints it?"""
    if isinstance(value, bool) or value is None:
        return text == json.dumps(value)
    if isinstance(value, str):
        return text == value
    if isinstance(value, int):
        return text == str(value)
    if isinstance(value, float):
        return re.fullmatch(r"-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?", text) is not None \
            and float(text) == value
    try:
        return json.loads(text) == value
    except ValueError:
        return False


def required(doc):
    """The pointers the page must show, for this JSON."""
    need = ["/summary/requests", "/summary/clients", "/summary/forged_requests"]
    for i, _ in enumerate(doc.get("timeline", {}).get("buckets", [])):
        need.append("/timeline/buckets/%d/requests" % i)
    for i, _ in enumerate(doc.get("top_clients", {}).get("clients", [])):
        need += ["/top_clients/clients/%d/address" % i, "/top_clients/clients/%d/requests" % i]
    for i, f in enumerate(doc.get("forgers", {}).get("forgers", [])):
        need += ["/forgers/forgers/%d/address" % i, "/forgers/forgers/%d/requests" % i]
        for j, _ in enumerate(f.get("values", [])):
            need += ["/forgers/forgers/%d/values/%d/value" % (i, j),
                     "/forgers/forgers/%d/values/%d/requests" % (i, j)]
    for i, _ in enumerate(doc.get("diagnoses", [])):
        need.append("/diagnoses/%d/id" % i)
    return need


def check_dom(dom_file, json_file, texts):
    with open(json_file, encoding="utf-8", newline="") as f:
        doc = json.load(f)
    p = Dom()
    with open(dom_file, encoding="utf-8", newline="") as f:
        p.feed(f.read())
    p.close()
    bad = list(p.problems)
    shown = set()
    for ptr, text in p.found:
        shown.add(ptr)
        value = resolve(doc, ptr)
        if value is MISSING:
            bad.append("data-json=%r: no such member in the JSON (text %r)" % (ptr, text))
        elif not same(text, value):
            bad.append("data-json=%r: the page says %r, the JSON %s"
                       % (ptr, text, json.dumps(value)[:200]))
    need = required(doc)
    for ptr in need:
        if ptr not in shown:
            bad.append("data-json=%r: not in the page (the JSON has %s)"
                       % (ptr, json.dumps(resolve(doc, ptr))[:200]))
    alltext = "".join(p.text)
    for t in texts:
        if t not in alltext:
            bad.append("%r is not shown as text" % t)
    for b in bad:
        print("  " + b)
    print("report_check: %d data-json elements, %d required, %d differences"
          % (len(p.found), len(need), len(bad)))
    return 1 if bad else 0


def load_netlog(path):
    """Chromium's net log; one cut short by the exit is closed here."""
    with open(path, encoding="utf-8", newline="") as f:
        raw = f.read()
    try:
        return json.loads(raw)
    except ValueError:
        return json.loads(raw.rstrip().rstrip(",") + "]}")


def check_netlog(path, page):
    log = load_netlog(path)
    types = {v: k for k, v in log["constants"]["logEventTypes"].items()}
    bad, browser = [], set()
    for e in log["events"]:
        p = e.get("params") or {}
        if types.get(e["type"]) != "URL_REQUEST_START_JOB" or "url" not in p:
            continue
        url = p["url"]
        # The page is a file: what it asks for is isolated under file:// (or started by its
        # opaque origin, "null"). Chromium's own requests (time, updates, dictionaries, the
        # search page's prefetches) are "not an origin" and keyed elsewhere.
        nik = str(p.get("network_isolation_key", ""))
        if p.get("initiator") != "null" and not nik.startswith("file://"):
            browser.add(url.split("?")[0])
        elif url != page and not url.startswith("data:"):
            bad.append("the page asked for %s" % url)
    for b in bad:
        print("  " + b)
    print("report_check: the net log: %d requests of the page elsewhere; Chromium's own "
          "(not counted): %s" % (len(bad), ", ".join(sorted(browser)) or "none"))
    return 1 if bad else 0


# The findings that make a forger (spec: the doctor's forgers).
FORGING = {"spoofed-header-from-untrusted-peer", "hops-from-untrusted-peer",
           "header-from-unexpected-local-process", "proxy-protocol-from-untrusted-peer"}


# The headers that name a client (include/xffwatch_fields.h, the last column; the
# preamble apart).
CLIENT_HEADERS = {"x-forwarded-for", "forwarded", "x-real-ip", "cf-connecting-ip",
                  "true-client-ip"}


def check_events(json_file, events_file):
    with open(json_file, encoding="utf-8", newline="") as f:
        doc = json.load(f)
    events = []
    with open(events_file, encoding="utf-8", newline="") as f:
        for line in f:
            events.append(json.loads(line))
    clients, forgers, findings = {}, {}, {}
    forged = 0
    for e in events:
        c = e["client"]["ip"]
        clients[c] = clients.get(c, 0) + 1
        fs = set(e.get("xffwatch", {}).get("findings", []))
        for name in fs:
            findings[name] = findings.get(name, 0) + 1
        if fs & FORGING:
            forged += 1
            peer = e["source"]["ip"]
            forgers[peer] = forgers.get(peer, 0) + 1
    bad = []

    def same(what, got, want):
        if got != want:
            bad.append("%s: the JSON says %s, the events %s" % (what, json.dumps(got), json.dumps(want)))

    summary = doc.get("summary", {})
    same("/summary/requests", summary.get("requests"), len(events))
    same("/summary/clients", summary.get("clients"), len(clients))
    same("/summary/forged_requests", summary.get("forged_requests"), forged)
    tl = doc.get("timeline", {})
    buckets = tl.get("buckets", [])
    same("the timeline's requests (with undated and outside)",
         sum(b["requests"] for b in buckets) + tl.get("undated", 0) + tl.get("outside", 0),
         len(events))
    got = {}
    for b in buckets:
        for name, n in b.get("findings", {}).items():
            got[name] = got.get(name, 0) + n
    same("the timeline's findings", got, findings)
    top = doc.get("top_clients", {})
    same("/top_clients/exact", top.get("exact"), True)
    shown = {c["address"]: c["requests"] for c in top.get("clients", [])}
    want = dict(sorted(clients.items(), key=lambda kv: -kv[1])[:len(shown)])
    same("/top_clients/clients", shown, {a: clients.get(a) for a in shown})
    counts = sorted(shown.values(), reverse=True)
    same("/top_clients/clients (the busiest)", counts, sorted(want.values(), reverse=True))
    got = {f["address"]: f["requests"] for f in doc.get("forgers", {}).get("forgers", [])}
    same("/forgers/forgers", got, forgers)
    # A forger's values are what it sent: never nothing.
    for i, f in enumerate(doc.get("forgers", {}).get("forgers", [])):
        for j, v in enumerate(f.get("values", [])):
            if v.get("value") == "":
                sent = sorted({"%s: %s" % (h, x) for e in events if e["source"]["ip"] == f["address"]
                               for h, xs in e.get("xffwatch", {}).get("forwarded", {}).items()
                               for x in xs})
                bad.append("/forgers/forgers/%d/values/%d/value: empty; %s sent %s (headers %s)"
                           % (i, j, f["address"], "; ".join(sent)[:300], f.get("headers")))
    # One value per client header a forger sent (a line that names something), each
    # carrying its header; all of them while its values are under the bound (8).
    for i, f in enumerate(doc.get("forgers", {}).get("forgers", [])):
        vals = f.get("values", [])
        if len(vals) >= 8 or f.get("values_other"):
            continue
        sent = {h for e in events if e["source"]["ip"] == f["address"]
                and set(e.get("xffwatch", {}).get("findings", [])) & FORGING
                for h, xs in e.get("xffwatch", {}).get("forwarded", {}).items()
                if h in CLIENT_HEADERS and xs and xs[0].strip(", \t")}
        same("/forgers/forgers/%d/values (headers)" % i,
             sorted({v.get("header") for v in vals} - {"proxy-protocol"}), sorted(sent))
    for b in bad:
        print("  " + b)
    print("report_check: %d events, %d clients, %d forgers; %d differences"
          % (len(events), len(clients), len(forgers), len(bad)))
    return 1 if bad else 0


def check_absent(path, addrs):
    with open(path, encoding="utf-8", newline="", errors="replace") as f:
        text = f.read()
    bad = 0
    for a in addrs:
        for m in re.finditer(r"(?<![0-9A-Za-z.:])%s(?![0-9A-Za-z.:])" % re.escape(a), text):
            print("  %s appears: ...%s..." % (a, text[max(0, m.start() - 80):m.end() + 40]))
            bad += 1
            break
    print("report_check: %d of %d addresses appear in %s" % (bad, len(addrs), path))
    return 1 if bad else 0


def main():
    cmd = sys.argv[1]
    if cmd == "dom":
        texts = [sys.argv[i + 1] for i in range(4, len(sys.argv) - 1)
                 if sys.argv[i] == "--text"]
        return check_dom(sys.argv[2], sys.argv[3], texts)
    if cmd == "netlog":
        return check_netlog(sys.argv[2], sys.argv[3])
    if cmd == "events":
        return check_events(sys.argv[2], sys.argv[3])
    if cmd == "absent":
        return check_absent(sys.argv[2], sys.argv[3:])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
