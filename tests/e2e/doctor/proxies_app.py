"""The app of test_doctor_proxies.sh: Flask behind ProxyFix(x_for=N), N from
$XFFW_X_FOR. Answers the client address it decided (REMOTE_ADDR) on /, /api/...
and /static/..., for the usual methods; any other path is Flask's 404.
"""
import os

from flask import Flask, request
from werkzeug.middleware.proxy_fix import ProxyFix

app = Flask(__name__)
app.wsgi_app = ProxyFix(app.wsgi_app, x_for=int(os.environ.get("XFFW_X_FOR", "1")))
METHODS = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH"]


@app.route("/", defaults={"path": ""}, methods=METHODS)
@app.route("/api/<path:path>", methods=METHODS)
@app.route("/static/<path:path>", methods=METHODS)
def remote_addr(path):
    request.get_data()
    return request.remote_addr or ""
