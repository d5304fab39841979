"""A few-line Flask app for the end-to-end tests: answers every path."""
from flask import Flask, request

app = Flask(__name__)


@app.route("/", defaults={"path": ""}, methods=["GET", "POST", "PUT", "DELETE"])
@app.route("/<path:path>", methods=["GET", "POST", "PUT", "DELETE"])
def echo(path):
    return f"{request.method} /{path} from {request.remote_addr}\n"
