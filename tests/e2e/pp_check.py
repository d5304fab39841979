"""Checks for test_proxy_protocol.sh: the events against what nginx and the
app logged, against tshark's reading of the capture, and against a replay.

  pp_check.py requests EVENTS NGINX_LOG APP_LOG PROXY_ADDR TABLE
  pp_check.py tshark EVENTS TSHARK_TSV SYN_TSV STATS
  pp_check.py replay LIVE REPLAYED

Exits non-zero with a message saying what differs. `requests` writes the
table of what each side saw to TABLE.
"""
import json
import sys
from datetime import datetime


def fail(msg):
    sys.exit(f"pp_check: {msg}")


def load(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def pp_of(e):
    return e.get("xffwatch", {}).get("proxy_protocol")


def findings(e):
    return e.get("xffwatch", {}).get("findings", [])


def ts(e):
    return datetime.strptime(e["@timestamp"][:26] + "Z", "%Y-%m-%dT%H:%M:%S.%fZ").timestamp()


def by_path(events):
    out = {}
    for e in events:
        out.setdefault(e.get("url", {}).get("path"), []).append(e)
    return out


def expect(cond, what, e):
    if not cond:
        fail(f"{what}\n  event: {json.dumps(e, sort_keys=True)}")


def check_preamble(e, version, transport, ip, port):
    pp = pp_of(e) or {}
    expect(pp.get("state") == "ok" and pp.get("version") == version
           and pp.get("command") == "PROXY" and pp.get("transport") == transport
           and pp.get("source", {}).get("ip") == ip
           and pp.get("source", {}).get("port") == port,
           f"preamble: v{version} PROXY {transport} from {ip} port {port}", e)


def requests(events_path, nginx_path, app_path, proxy, table_path, rejected="0"):
    events = load(events_path)
    # Attempts nginx refused ("header is too large while reading PROXY protocol": nginx 1.22
    # wants a preamble in one read) and HAProxy made again: seen whole, never answered.
    # (Their head may be cut short by the close, and their end still in its grace at shutdown.
    # With a small MSS nginx may refuse before the preamble's last segment: the close cuts the
    # connection short, and its event says truncated, without a preamble.)
    refused = [e for e in events
               if e.get("xffwatch", {}).get("no_response") in ("flow-end", "shutdown")
               and ((pp_of(e) or {}).get("state") == "ok"
                    or "truncated" in e.get("xffwatch", {}).get("findings", []))]
    if len(refused) != int(rejected):
        fail(f"{len(refused)} unanswered attempts with a whole preamble, nginx refused {rejected}")
    events = [e for e in events if e not in refused]
    paths = by_path(events)
    nginx, app = load(nginx_path), load(app_path)
    table = []
    seen = set()

    def one(path):
        got = paths.get(path, [])
        if len(got) != 1:
            fail(f"{path}: {len(got)} events, expected exactly one")
        seen.add(path)
        return got[0]

    for n in nginx:
        e = one(n["uri"])
        pp = pp_of(e) or {}
        table.append(f"nginx {n['uri']}: pp_addr={n['pp_addr'] or '-'} pp_port={n['pp_port'] or '-'} "
                     f"remote_addr={n['remote_addr']} peer={n['peer']}:{n['peer_port']} | event "
                     f"client.ip={e['client']['ip']} source={e['source']['ip']}:{e['source']['port']} "
                     f"pp={pp.get('version', '-')}/{pp.get('command', '-')}/"
                     f"{pp.get('source', {}).get('ip', '-')}:{pp.get('source', {}).get('port', '-')} "
                     f"findings={','.join(findings(e)) or '-'}")
        expect(e["client"]["ip"] == n["remote_addr"], f"{n['uri']}: client.ip is not nginx's $remote_addr "
               f"{n['remote_addr']}", e)
        expect(e["source"]["ip"] == n["peer"] and str(e["source"]["port"]) == n["peer_port"],
               f"{n['uri']}: source is not nginx's peer {n['peer']}:{n['peer_port']}", e)
        transport = "tcp6" if ":" in n["pp_addr"] else "tcp4"
        if not n["pp_addr"]:
            # No preamble on a port the rule requires one on.
            expect(pp_of(e) is None and "proxy-protocol-missing" in findings(e),
                   f"{n['uri']}: no preamble, finding proxy-protocol-missing", e)
        elif n["peer"] == proxy:
            check_preamble(e, 2, transport, n["pp_addr"], int(n["pp_port"]))
            expect(e["client"]["ip"] == n["pp_addr"] and findings(e) == []
                   and e["xffwatch"]["trust"]["header"] == "proxy-protocol",
                   f"{n['uri']}: client from the trusted preamble, no finding", e)
        else:
            # A forged preamble from an untrusted peer: read, reported, not used.
            expect(pp.get("source", {}).get("ip") == n["pp_addr"]
                   and pp.get("source", {}).get("port") == int(n["pp_port"])
                   and e["client"]["ip"] == n["peer"]
                   and "proxy-protocol-from-untrusted-peer" in findings(e),
                   f"{n['uri']}: forged preamble from {n['peer']}: client the peer, finding", e)
            # Its second request names another client than the first: a shared connection.
            shared = "proxy-protocol-shared-connection" in findings(e)
            expect(shared == (n["uri"] == "/shared/2"),
                   f"{n['uri']}: proxy-protocol-shared-connection on the second request only", e)

    # gunicorn 20.1's gthread worker gives REMOTE_ADDR from the preamble to a
    # connection's first request only; the later ones on it get the peer. The
    # preamble speaks for the whole connection (the spec; nginx does so): the
    # events name its source on every one.
    first = {}
    for a in app:
        if a["proxy_protocol"]:
            first[a["peer_port"]] = a
        e = one(a["path"])
        pp = pp_of(e) or {}
        table.append(f"app {a['path']}: REMOTE_ADDR={a['remote_addr']} REMOTE_PORT={a['remote_port']} "
                     f"PROXY_PROTOCOL={a['proxy_protocol'] or '-'} peer={a['peer_ip']}:{a['peer_port']} | "
                     f"event client.ip={e['client']['ip']} source={e['source']['ip']}:{e['source']['port']} "
                     f"pp={pp.get('version', '-')}/{pp.get('command', '-')}/"
                     f"{pp.get('source', {}).get('ip', '-')}:{pp.get('source', {}).get('port', '-')} "
                     f"findings={','.join(findings(e)) or '-'}")
        expect(e["source"]["ip"] == a["peer_ip"] and e["source"]["port"] == a["peer_port"],
               f"{a['path']}: source is not the app's peer {a['peer_ip']}:{a['peer_port']}", e)
        f = first.get(a["peer_port"])
        if f is None:
            fail(f"{a['path']}: the app saw no preamble on its connection")
        if a["proxy_protocol"]:
            expect(e["client"]["ip"] == a["remote_addr"],
                   f"{a['path']}: client.ip is not the app's REMOTE_ADDR {a['remote_addr']}", e)
        else:
            expect(a["remote_addr"] == a["peer_ip"] == proxy,
                   f"{a['path']}: gunicorn gave a later request of the connection {a['remote_addr']}", e)
        check_preamble(e, 1, f["proxy_protocol"].lower(), f["remote_addr"], f["remote_port"])
        expect(e["client"]["ip"] == f["remote_addr"] and findings(e) == []
               and e["xffwatch"]["trust"]["header"] == "proxy-protocol",
               f"{a['path']}: client from the connection's preamble, no finding", e)

    extra = [p for p in paths if p not in seen]
    if extra:
        fail(f"events for requests neither nginx nor the app logged: {extra}")
    with open(table_path, "w") as t:
        t.write("\n".join(table) + "\n")


V2_CMD = {"0": "LOCAL", "1": "PROXY"}
V2_FAMILY = {"0x00": "unspec", "0x11": "tcp4", "0x12": "udp4", "0x21": "tcp6", "0x22": "udp6",
             "0x31": "unix-stream", "0x32": "unix-dgram"}
KEPT_TLVS = {1, 2, 3, 5, 0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x30}
COLS = ["stream", "sport", "dport", "ip", "ip6", "version", "cmd", "family", "v1proto", "src4",
        "src6", "srcport", "dst4", "dst6", "dstport", "types", "values", "ssl_client", "ssl_verify",
        "ssl_version", "ssl_cipher", "ssl_sig", "ssl_key", "length", "payload"]
ADDR_BLOCK = {"0x11": 12, "0x12": 12, "0x21": 36, "0x22": 36, "0x31": 216, "0x32": 216}


def crc32c(data):
    """CRC32C (Castagnoli), bit by bit: the v2 CRC TLV's checksum."""
    crc = 0xFFFFFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFF


def raw_tlvs(r):
    """The v2 TLVs (type, value hex) walked from the preamble's bytes, and
    whether its CRC32C TLV (if any) is right."""
    raw = bytes.fromhex(r["payload"])
    end = 16 + int(r["length"])
    if len(raw) < end:
        fail(f"tshark: stream {r['stream']}: the preamble spans segments")
    off, out, crc_ok = 16 + ADDR_BLOCK.get(r["family"], 0), [], None
    while off < end:
        if off + 3 > end:
            fail(f"tshark: stream {r['stream']}: TLVs do not tile the preamble")
        t, n = raw[off], int.from_bytes(raw[off + 1:off + 3], "big")
        if off + 3 + n > end:
            fail(f"tshark: stream {r['stream']}: TLV past the preamble's end")
        out.append((t, raw[off + 3:off + 3 + n].hex()))
        if t == 3 and n == 4:
            zeroed = raw[:off + 3] + bytes(4) + raw[off + 7:end]
            crc_ok = crc32c(zeroed) == int.from_bytes(raw[off + 3:off + 7], "big")
        off += 3 + n
    return out, crc_ok


class Capture:
    """tshark's preambles, of connections whose SYN is in the capture. HAProxy
    ends connections with RST, so a port comes back soon: a connection is
    tshark's stream, found for an event by its peer and the last SYN from
    there before the request."""

    def __init__(self, tsv_path, syn_path):
        self.syns = {}
        self.started = set()
        with open(syn_path) as f:
            for line in f:
                stream, t, ip, ip6, port = line.rstrip("\n").split("\t")
                self.syns.setdefault((ip or ip6, port), []).append((float(t), stream))
                self.started.add(stream)
        self.rows = {}
        with open(tsv_path) as f:
            for line in f:
                r = dict(zip(COLS, line.rstrip("\n").split("\t")))
                if r["stream"] not in self.started:
                    continue
                if r["stream"] in self.rows:
                    fail(f"tshark: two preambles in stream {r['stream']}")
                self.rows[r["stream"]] = r

    def row_of(self, e):
        """tshark's preamble on the event's connection (None if none)."""
        key = (e["source"]["ip"], str(e["source"]["port"]))
        before = [s for s in self.syns.get(key, []) if s[0] <= ts(e) + 0.001]
        if not before:
            fail(f"tshark: no SYN from {key} before {e['@timestamp']}")
        return self.rows.get(max(before)[1])


def tshark_view(r):
    """What tshark read, in the event's terms."""
    v = {}
    if r["v1proto"]:
        v["version"] = 1
        v["command"] = "UNKNOWN" if r["v1proto"] == "UNKNOWN" else "PROXY"
        v["transport"] = r["v1proto"].lower() if r["v1proto"] != "UNKNOWN" else "unknown"
    else:
        v["version"] = int(r["version"])
        v["command"] = V2_CMD.get(r["cmd"], r["cmd"])
        v["transport"] = V2_FAMILY.get(r["family"], r["family"])
    if v["command"] == "PROXY" and (r["src4"] or r["src6"]):
        v["source"] = {"ip": r["src4"] or r["src6"], "port": int(r["srcport"])}
        v["destination"] = {"ip": r["dst4"] or r["dst6"], "port": int(r["dstport"])}
    types = [int(t, 16) for t in r["types"].split(",") if t]
    values = r["values"].split(",") if r["values"] else []
    tlv, crc_ok = {}, None
    if not r["v1proto"]:
        walked, crc_ok = raw_tlvs(r)
        if not types:
            # Wireshark 4.0 dissects TLVs only when the length field is past
            # the addresses' end offset (28 for IPv4): a lone CRC32C TLV is
            # skipped. Those, walked from the bytes.
            types, values = [t for t, _ in walked], [val for _, val in walked]
        elif [t for t, _ in walked] != [t for t in types if not 0x21 <= t <= 0x25]:
            fail(f"tshark: stream {r['stream']}: TLVs {types}, the bytes say {walked}")
    for t, val in zip(types, values):
        tlv.setdefault(t, val)
    if 3 in tlv:
        if not crc_ok:
            fail(f"tshark: stream {r['stream']}: a wrong CRC32C from HAProxy")
        v["crc32c"] = "ok"
    if 1 in tlv:
        v["alpn"] = bytes.fromhex(tlv[1]).decode()
    if 2 in tlv:
        v["authority"] = bytes.fromhex(tlv[2]).decode()
    if 5 in tlv:
        v["unique_id"] = tlv[5].lower()
    if 0x20 in tlv:
        ssl = {"client": int(r["ssl_client"], 0), "verify": int(r["ssl_verify"], 0)}
        for k, col in (("version", "ssl_version"), ("cipher", "ssl_cipher"),
                       ("sig_alg", "ssl_sig"), ("key_alg", "ssl_key")):
            if r[col]:
                ssl[k] = r[col]
        v["ssl"] = ssl
    other = sum(1 for t in types if t not in KEPT_TLVS)
    if other:
        v["other_tlvs"] = other
    return v


def tshark(events_path, tsv_path, syn_path, stats_path):
    cap = Capture(tsv_path, syn_path)
    conns = set()
    for e in load(events_path):
        pp = pp_of(e)
        r = cap.row_of(e)
        if r is None:
            expect(pp is None, "tshark saw no preamble on the event's connection, the event has one", e)
            continue
        conns.add(r["stream"])
        want = tshark_view(r)
        got = {k: v for k, v in (pp or {}).items() if k != "state"}
        expect(got == want, f"tshark read {json.dumps(want, sort_keys=True)} in stream {r['stream']}", e)
    # The capture's preambles, counted as the replay of it counts them.
    views = [tshark_view(r) for r in cap.rows.values()]
    want = {
        "preambles": len(views),
        "v1": sum(1 for v in views if v["version"] == 1),
        "v2": sum(1 for v in views if v["version"] == 2),
        "local": sum(1 for v in views if v["command"] == "LOCAL"),
        "unknown": sum(1 for v in views if v["command"] == "UNKNOWN"),
        "crc_ok": sum(1 for v in views if v.get("crc32c") == "ok"),
        "malformed": 0, "truncated": 0, "lost": 0, "evicted": 0,
    }
    with open(stats_path) as f:
        stats = json.load(f)
    got = stats.get("proxy_protocol", {})
    diff = {k: (got.get(k), n) for k, n in want.items() if got.get(k) != n}
    if diff or stats.get("kernel", {}).get("pp_preambles") != len(views):
        fail(f"replay counters differ from tshark's count (got, tshark): {diff}, kernel.pp_preambles "
             f"{stats.get('kernel', {}).get('pp_preambles')}")
    print(f"tshark: {len(views)} preambles ({want['v1']} v1, {want['v2']} v2, {want['local']} LOCAL, "
          f"{want['crc_ok']} with a CRC32C); the events' {len(conns)} connections agree")


def strip(e):
    """An event less what only the live observer knows (as test_replay.sh)."""
    e = dict(e)
    for k in ("@timestamp", "observer"):
        e.pop(k, None)
    e["event"] = {k: v for k, v in e.get("event", {}).items() if k != "duration"}
    e["xffwatch"] = {k: v for k, v in e.get("xffwatch", {}).items() if k not in ("peer", "identity")}
    for end in ("source", "destination"):
        e[end] = {k: v for k, v in e[end].items() if k != "user"}
    return e


def replay(live_path, replay_path):
    live, rep = load(live_path), load(replay_path)
    if len(live) != len(rep):
        fail(f"replay: {len(rep)} events from the capture, {len(live)} live")
    key = lambda e: (e["url"].get("path", ""), e["source"]["ip"], e["source"]["port"])
    for a, b in zip(sorted(live, key=key), sorted(rep, key=key)):
        if "identity" in b.get("xffwatch", {}):
            fail(f"replay: a replayed event names a socket's owner: {json.dumps(b)}")
        if strip(a) != strip(b):
            fail(f"replay differs:\n live   {json.dumps(strip(a), sort_keys=True)}\n"
                 f" replay {json.dumps(strip(b), sort_keys=True)}")
        if abs(ts(a) - ts(b)) > 0.001:
            fail(f"replay: @timestamp {a['@timestamp']} live, {b['@timestamp']} replayed")


if __name__ == "__main__":
    cmds = {"requests": requests, "tshark": tshark, "replay": replay}
    if len(sys.argv) < 2 or sys.argv[1] not in cmds:
        fail(__doc__)
    cmds[sys.argv[1]](*sys.argv[2:])
