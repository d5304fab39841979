"""The Flask app behind ProxyFix(x_for=N), N from $XFFW_X_FOR: answers REMOTE_ADDR."""
import os

from flask import Flask, request
from werkzeug.middleware.proxy_fix import ProxyFix

app = Flask(__name__)
app.wsgi_app = ProxyFix(app.wsgi_app, x_for=int(os.environ.get("XFFW_X_FOR", "1")))


@app.route("/", defaults={"path": ""})
@app.route("/<path:path>")
def remote_addr(path):
    return request.remote_addr or ""
