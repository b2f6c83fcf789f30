"""Post files to an upload form in a process of its own and report what each cost.

    python -m tests.security.upload_probe DATABASE_URI USERNAME PAGE TARGET FIELD PATH NAME [PATH NAME ...]

Logs in as USERNAME (the test password), reads the CSRF token from PAGE, posts each PATH as
FIELD (named NAME) to TARGET and prints one JSON line per file: the status, the answer's text,
the seconds the request took and how far the process's peak resident memory rose above what it
used just before the request: the peak (VmHWM) is reset before each file through
/proc/self/clear_refs, so it is the request's own (C libraries such as zlib and expat included).
Where the reset is not allowed the lifetime peak (``ru_maxrss``) is used, which can only
over-count. Files are streamed from disk, so the test client's own copy does not count.
"""
from __future__ import annotations

import json
import re
import resource
import sys
import time


def current_rss_kib() -> int:
    with open("/proc/self/statm") as statm:
        resident_pages = int(statm.read().split()[1])
    return resident_pages * resource.getpagesize() // 1024


def reset_peak() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as clear_refs:
            clear_refs.write("5")  # resets VmHWM, the peak resident size (Linux 4.0+)
        return True
    except OSError:
        return False


def peak_rss_kib(reset: bool) -> int:
    if reset:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux


def main(database_uri: str, username: str, page: str, target: str, field: str, *files: str) -> None:
    from bureau.app import create_app
    from tests.conftest import _config, form_fields_from, login

    app = create_app(_config(database_uri))
    client = app.test_client()
    assert login(client, username).status_code == 302
    # A refused file gives the form's one-time token back, so each file is sent with the same page's.
    fields = form_fields_from(client, page)
    for path, filename in zip(files[::2], files[1::2]):
        with open(path, "rb") as stream:
            reset = reset_peak()
            before = current_rss_kib()
            started = time.perf_counter()
            response = client.post(target, data={field: (stream, filename), **fields},
                                   content_type="multipart/form-data")
            seconds = time.perf_counter() - started
        peak_growth = max(0, peak_rss_kib(reset) - before)
        text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))
        print(json.dumps({"file": filename, "status": response.status_code, "text": text,
                          "seconds": round(seconds, 3), "peak_growth_mib": round(peak_growth / 1024, 1),
                          "peak_reset": reset},
                         ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main(*sys.argv[1:])
