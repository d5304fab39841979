"""Takes a fix out of a `xffwatch doctor --format json` report, as an operator would.

  proxies_fix.py nginx REPORT ID CONF   puts the nginx fix's "text" into CONF at
                                        the "# proxies-fix" marker (the location
                                        that proxies to the app); a directive the
                                        snippet sets replaces the same one already
                                        there (proxy_set_header of the same header,
                                        or a directive nginx allows once)
  proxies_fix.py args REPORT ID         prints the xffwatch fix's "args", one a line
  proxies_fix.py x_for REPORT ID        prints N of the werkzeug fix's ProxyFix(x_for=N)

What was used is printed to stderr. Exit 1 when the diagnosis or fix is missing
or not usable as printed.
"""
import json
import re
import shlex
import sys

# Directives that may appear once per block: the snippet's replaces the old one.
SINGLE = {"real_ip_header", "real_ip_recursive", "proxy_pass", "proxy_http_version"}
# Directives keyed by their first argument (a header name).
BY_NAME = {"proxy_set_header", "proxy_hide_header", "add_header"}


def fix_of(report, diag_id, stack):
    for d in report["diagnoses"]:
        if d["id"] != diag_id:
            continue
        for f in d.get("fixes", []):
            if f.get("for") == stack:
                return f
    sys.exit(f"proxies_fix: no {stack} fix for {diag_id}")


def statements(text):
    """The snippet's directives as token lists (nginx quoting; comments dropped)."""
    body = "\n".join(line.split("#", 1)[0] for line in text.splitlines())
    if "{" in body or "}" in body:
        sys.exit("proxies_fix: the nginx snippet holds a block, not directives")
    out = []
    for stmt in body.split(";"):
        if stmt.strip():
            out.append(shlex.split(stmt))
    if not body.rstrip().endswith(";"):
        sys.exit("proxies_fix: the nginx snippet does not end with ';'")
    return out


def key(tokens):
    d = tokens[0]
    if d in BY_NAME and len(tokens) > 1:
        return (d, tokens[1].lower())
    if d in SINGLE:
        return (d,)
    return None


def apply_nginx(fix, conf_path):
    text = fix.get("text", "")
    stmts = statements(text)
    keys = {key(t) for t in stmts} - {None}
    lines = open(conf_path).read().splitlines(keepends=True)
    out = []
    for line in lines:
        s = line.split("#", 1)[0].strip()
        if s.endswith(";"):
            try:
                k = key(shlex.split(s[:-1]))
            except ValueError:
                k = None
            if k in keys:
                print(f"  nginx: replaced: {s}", file=sys.stderr)
                continue
        if line.strip() == "# proxies-fix":
            indent = line[: len(line) - len(line.lstrip())]
            for t in text.splitlines():
                out.append(indent + t + "\n")
        out.append(line)
    open(conf_path, "w").write("".join(out))
    print(f"  nginx fix ({fix.get('where', '')}):", file=sys.stderr)
    for t in text.splitlines():
        print(f"    {t}", file=sys.stderr)


def main():
    kind, report_path, diag_id = sys.argv[1:4]
    report = json.load(open(report_path))
    if kind == "nginx":
        apply_nginx(fix_of(report, diag_id, "nginx"), sys.argv[4])
    elif kind == "args":
        fix = fix_of(report, diag_id, "xffwatch")
        args = fix.get("args", [])
        if not args:
            sys.exit("proxies_fix: the xffwatch fix has no args")
        print(f"  xffwatch fix: {' '.join(shlex.quote(a) for a in args)}", file=sys.stderr)
        for a in args:
            print(a)
    elif kind == "x_for":
        fix = fix_of(report, diag_id, "werkzeug")
        m = re.search(r"x_for\s*=\s*(\d+)", fix.get("text", ""))
        if not m:
            sys.exit("proxies_fix: the werkzeug fix names no x_for")
        print(f"  werkzeug fix: {fix['text'].strip()}", file=sys.stderr)
        print(m.group(1))
    else:
        sys.exit(f"proxies_fix: unknown kind {kind}")


if __name__ == "__main__":
    main()
