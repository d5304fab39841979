#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""Proves the doctor's fixes valid as printed (user/doctor/fixes*.c).

Usage: tests/unit/check_fix_snippets.py [BUILD-DIR]   (default build; needs
BUILD-DIR/tests/test_fixes and BUILD-DIR/xffwatch). test_fixes --dump writes
the fixes of representative params; each is checked by the tool it is for:
  xffwatch   the args with `xffwatch check-config --no-config ARGS`; the flags
             line of the text shell-splits to the args; its configuration-file
             line passes `xffwatch check-config FILE`
  network    `bash -n`; its nft command with `nft -c`
  nginx      `nginx -t` with the snippet in the block "where" names
  haproxy    `haproxy -c` with it in the frontend or backend "where" names
  apache     `apache2 -t` with mod_remoteip, mod_headers and mod_proxy loaded
  werkzeug   ast.parse, then run on a Flask app behind `depth` proxies: the
             client it names must be the one the proxies appended
  gunicorn   `gunicorn --check-config FLAGS app:app`
  uvicorn    uvicorn's own option parser (click), then its ProxyHeadersMiddleware
             on a request through the listed proxies
A tool that is not installed is skipped with a note. Ends with the line
"N passed, N failed, N skipped"; exit status 1 if any failed.
"""
import ast
import asyncio
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile

BUILD = sys.argv[1] if len(sys.argv) > 1 else "build"
results = {"passed": 0, "failed": 0, "skipped": 0}
skipped_tools = set()


def run(argv, **kw):
    return subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          timeout=60, **kw)


def verdict(ok, what, detail=""):
    results["passed" if ok else "failed"] += 1
    if not ok:
        print(f"FAIL {what}\n{detail}", file=sys.stderr)


def have(tool):
    if shutil.which(tool):
        return True
    if tool not in skipped_tools:
        print(f"note: {tool} is not installed: its snippets are not checked", file=sys.stderr)
        skipped_tools.add(tool)
    results["skipped"] += 1
    return False


def code_lines(text):
    """The lines that are not comments or blank."""
    return [l for l in text.splitlines() if l.strip() and not l.lstrip().startswith("#")]


PP_PROBE = {}


def xffwatch_reads_pp(xffwatch):
    """Whether this xffwatch has the PROXY-protocol settings (issue 18's trust stage)."""
    if "ok" not in PP_PROBE:
        r = run([xffwatch, "check-config", "--no-config", "--header", "proxy-protocol",
                 "--proxy-protocol", "optional"])
        PP_PROBE["ok"] = r.returncode == 0
        if not PP_PROBE["ok"]:
            print("note: this xffwatch has no PROXY-protocol settings: the xffwatch fixes "
                  "that use them are not checked", file=sys.stderr)
    return PP_PROBE["ok"]


def check_xffwatch(fix, what, tmp):
    xffwatch = os.path.join(BUILD, "xffwatch")
    lines = fix["text"].splitlines()
    if not fix["args"]:
        verdict(all(l.startswith("#") for l in lines), what, fix["text"])
        return
    if "proxy-protocol" in " ".join(fix["args"]) and not xffwatch_reads_pp(xffwatch):
        results["skipped"] += 1
        return
    r = run([xffwatch, "check-config", "--no-config"] + fix["args"])
    verdict(r.returncode == 0, what + " (args)", r.stdout)
    flags = lines[lines.index("# flags:") + 1]
    verdict(shlex.split(flags) == fix["args"], what + " (flags line)", flags)
    conf = os.path.join(tmp, "xffwatch.conf")
    with open(conf, "w") as f:
        f.write(fix["text"].split("configuration file", 1)[1].split("\n", 1)[1])
    r = run([xffwatch, "check-config", conf])
    verdict(r.returncode == 0, what + " (configuration file)", r.stdout)


def check_network(fix, what, tmp):
    r = run(["bash", "-n"], input=fix["text"])
    verdict(r.returncode == 0, what + " (shell)", r.stdout + fix["text"])
    for line in code_lines(fix["text"]):
        argv = shlex.split(line)
        if argv[0] != "nft":
            verdict(False, what, "a command that is not nft: " + line)
        elif have("nft"):
            r = run(["nft", "-c"] + argv[1:])
            verdict(r.returncode == 0, what + " (nft -c)", r.stdout + line)


def check_nginx(fix, what, tmp):
    if not have("nginx"):
        return
    where = fix["where"]
    snippet = fix["text"]
    in_location = "the location that" in where
    conf = os.path.join(tmp, "nginx.conf")
    with open(conf, "w") as f:
        f.write(f"""error_log {tmp}/nginx-error.log;
pid {tmp}/nginx.pid;
events {{}}
http {{
    access_log off;
    server {{
        listen 127.0.0.1:18080;
{"" if in_location else snippet}
        location / {{
            proxy_pass http://127.0.0.1:5000;
{snippet if in_location else ""}
        }}
    }}
}}
""")
    verdict("server block" in where or in_location, what + " (where)", where)
    r = run(["nginx", "-t", "-q", "-c", conf, "-p", tmp])
    verdict(r.returncode == 0, what + " (nginx -t)", r.stdout + snippet)


def check_haproxy(fix, what, tmp):
    if not have("haproxy"):
        return
    where = fix["where"]
    snippet = fix["text"]
    in_frontend = "the frontend" in where
    verdict(in_frontend or "the backend" in where, what + " (where)", where)
    conf = os.path.join(tmp, "haproxy.cfg")
    with open(conf, "w") as f:
        f.write(f"""global
    log stderr local0
defaults
    mode http
    timeout connect 1s
    timeout client 1s
    timeout server 1s
frontend fe
    bind 127.0.0.1:18081
{snippet if in_frontend else ""}
    default_backend be
backend be
{"" if in_frontend else snippet}
    server app 127.0.0.1:5000
""")
    r = run(["haproxy", "-c", "-f", conf])
    verdict(r.returncode == 0, what + " (haproxy -c)", r.stdout + snippet)


APACHE_MODULES = ["mpm_event", "authz_core", "remoteip", "headers", "proxy", "proxy_http"]


def check_apache(fix, what, tmp):
    apache = shutil.which("apache2") or "/usr/sbin/apache2"
    if not os.path.exists(apache):
        have("apache2")
        return
    where = fix["where"]
    snippet = fix["text"]
    top = "ports.conf" in where
    verdict(top or "<VirtualHost>" in where, what + " (where)", where)
    mods = "".join(f"LoadModule {m}_module /usr/lib/apache2/modules/mod_{m}.so\n"
                   for m in APACHE_MODULES)
    conf = os.path.join(tmp, "apache.conf")
    with open(conf, "w") as f:
        f.write(f"""ServerRoot /etc/apache2
ServerName localhost
PidFile {tmp}/apache.pid
ErrorLog {tmp}/apache-error.log
{mods}Listen 127.0.0.1:18082
{snippet if top else ""}
<VirtualHost 127.0.0.1:18082>
    ProxyPass / http://127.0.0.1:5000/
{"" if top else snippet}
</VirtualHost>
""")
    r = run([apache, "-t", "-f", conf])
    verdict(r.returncode == 0, what + " (apache2 -t)", r.stdout + snippet)


def chain_through(depth):
    """A forged entry, the client, then the proxies in front: what the app receives."""
    hops = ["203.0.113.66", "198.51.100.23"] + [f"10.9.0.{i}" for i in range(1, depth)]
    return ", ".join(hops), "198.51.100.23"


def check_werkzeug(fix, what, tmp, depth):
    try:
        ast.parse(fix["text"])
    except SyntaxError as e:
        verdict(False, what + " (ast)", f"{e}\n{fix['text']}")
        return
    results["passed"] += 1
    try:
        from flask import Flask, request
    except ImportError:
        have("python3-flask")
        return
    app = Flask("fixcheck")
    app.add_url_rule("/", "ip", lambda: request.remote_addr)
    exec(compile(fix["text"], "<werkzeug fix>", "exec"), {"app": app})
    xff, client = chain_through(depth)
    got = app.test_client().get("/", headers={"X-Forwarded-For": xff},
                                environ_base={"REMOTE_ADDR": "10.9.0.254"}).get_data(as_text=True)
    verdict(got == client, what + " (Flask)", f"X-Forwarded-For: {xff}: got {got}, want {client}")


def check_gunicorn(fix, what, tmp):
    if not have("gunicorn"):
        return
    with open(os.path.join(tmp, "fixapp.py"), "w") as f:
        f.write("def app(environ, start_response):\n"
                "    start_response('200 OK', [])\n"
                "    return [b'']\n")
    flags = [a for l in code_lines(fix["text"]) for a in shlex.split(l)]
    r = run(["gunicorn", "--check-config"] + flags + ["fixapp:app"], cwd=tmp)
    verdict(r.returncode == 0, what + " (gunicorn --check-config)", r.stdout + fix["text"])


def check_uvicorn(fix, what, tmp, depth):
    try:
        from uvicorn.main import main as uvicorn_main
        from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware
    except ImportError:
        have("python3-uvicorn")
        return
    flags = [a for l in code_lines(fix["text"]) for a in shlex.split(l)]
    try:
        ctx = uvicorn_main.make_context("uvicorn", flags + ["fixapp:app"])
    except Exception as e:  # click's usage errors
        verdict(False, what + " (uvicorn options)", f"{e}\n{fix['text']}")
        return
    results["passed"] += 1
    allowed = ctx.params.get("forwarded_allow_ips")
    if not ctx.params.get("proxy_headers") or allowed is None:
        return  # a --host/--port fix: parsed is all there is to check
    hosts = [h for h in allowed.split(",") if h]
    if not hosts or any("/" in h for h in hosts):
        return  # networks need a newer uvicorn than Debian's: parsed only
    # The request through the listed proxies: the last of them is the peer.
    proxies = hosts[-depth:] if len(hosts) >= depth else hosts
    xff = ", ".join(["203.0.113.66", "198.51.100.23"] + proxies[:-1])
    seen = {}

    async def app(scope, receive, send):
        seen["client"] = scope["client"][0] if scope.get("client") else None

    scope = {"type": "http", "client": (proxies[-1], 4711),
             "headers": [(b"x-forwarded-for", xff.encode())]}
    asyncio.run(ProxyHeadersMiddleware(app, trusted_hosts=allowed)(scope, None, None))
    results["uvicorn_runs"] = results.get("uvicorn_runs", 0) + 1
    verdict(seen["client"] == "198.51.100.23", what + " (uvicorn ProxyHeadersMiddleware)",
            f"peer {proxies[-1]}, X-Forwarded-For: {xff}: got {seen['client']}")


def main():
    test_fixes = os.path.join(BUILD, "tests", "test_fixes")
    with tempfile.TemporaryDirectory(prefix="xffw-fixes-") as tmp:
        dump = os.path.join(tmp, "fixes.jsonl")
        r = run([test_fixes, "--dump", dump])
        if r.returncode:
            print(f"{test_fixes} --dump failed:\n{r.stdout}", file=sys.stderr)
            return 1
        with open(dump) as f:
            cases = [json.loads(line) for line in f]
        for case in cases:
            depth = 64 if case["case"] == "limits" else 2 if "depth2" in case["case"] or \
                "several" in case["case"] else 1
            for fix in case["fixes"]:
                what = f"{case['case']} {case['diagnosis']} {fix['for']}"
                check = {"xffwatch": check_xffwatch, "network": check_network,
                         "nginx": check_nginx, "haproxy": check_haproxy,
                         "apache": check_apache, "gunicorn": check_gunicorn}.get(fix["for"])
                if check:
                    check(fix, what, tmp)
                elif fix["for"] == "werkzeug":
                    check_werkzeug(fix, what, tmp, depth)
                elif fix["for"] == "uvicorn":
                    check_uvicorn(fix, what, tmp, depth)
                else:
                    verdict(False, what, "no check for this target")
    print(f"fix snippets: ProxyHeadersMiddleware run {results.pop('uvicorn_runs', 0)} times",
          file=sys.stderr)
    print(f"snippets: {results['passed']} passed, {results['failed']} failed, "
          f"{results['skipped']} skipped")
    return 1 if results["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
