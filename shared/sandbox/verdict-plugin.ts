// The pytest plugin behind the sandbox's verdict, as Python source: the runner writes it to its
// private directory (outside /code) and hands it to pytest.main(plugins=...). It writes one JSON
// object per line to a result log: the collected test ids, every test phase's outcome, collection
// errors, and the session's exit status. The runner cross-checks that log against pytest's exit
// status and the collected ids; stdout is only a log for people.
export const VERDICT_PLUGIN_PY = String.raw`
import json as _json
import os as _os

# Bound at import, before any generated module runs: later patches of os or json do not reach these.
_write = _os.write
_dumps = _json.dumps
_fd = None


def open_log(path):
    global _fd
    _fd = _os.open(path, _os.O_WRONLY | _os.O_CREAT | _os.O_EXCL | _os.O_APPEND, 0o600)


def _emit(record):
    if _fd is not None:
        _write(_fd, (_dumps(record) + "\n").encode())


def pytest_collectreport(report):
    if report.failed:
        _emit({"kind": "collect_error", "nodeid": report.nodeid})


def pytest_collection_finish(session):
    _emit({"kind": "collected", "ids": [item.nodeid for item in session.items]})


def pytest_runtest_logreport(report):
    _emit({"kind": "report", "nodeid": report.nodeid, "when": report.when, "outcome": report.outcome, "xfail": hasattr(report, "wasxfail")})


def pytest_sessionfinish(session, exitstatus):
    _emit({"kind": "finished", "exitstatus": int(exitstatus)})
`;
