"""How fast certificates render, against bare WeasyPrint on the same HTML in the same run.

    .venv/bin/python bench/certificates.py [--batch 1000] [--single-runs 10]

"Bare" is ``HTML(string=...).write_pdf()`` with the stylesheet inlined and no extras: the
floor our own code (sandboxed templates, URL fetcher, page-count check) is measured against.
Wall-clock and CPU times are both printed because the machine is shared.
"""

import argparse
import resource
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from weasyprint import HTML  # noqa: E402
from weasyprint.text import ffi  # noqa: E402

from bureau.certificates.render import (  # noqa: E402
    render_certificate_pdf,
    render_certificates_pdf,
    render_html,
)
from tests.certificates.samples import KINDS, make_certificate  # noqa: E402


def timed(function):
    """(wall seconds, CPU seconds, result) of one call."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = function()
    return time.perf_counter() - wall, time.process_time() - cpu, result


def bare_pdf(items) -> bytes:
    return HTML(string=render_html(items, embed_css=True)).write_pdf()


def report(label, ours, bare, pages):
    (our_wall, our_cpu, our_pdf), (bare_wall, bare_cpu, bare_pdf_bytes) = ours, bare
    print(
        f"{label}: ours {our_wall:.3f} s wall / {our_cpu:.3f} s CPU"
        f" ({our_wall / pages * 1000:.1f} ms a page), {len(our_pdf) / 1e6:.2f} MB\n"
        f"{' ' * len(label)}  bare {bare_wall:.3f} s wall / {bare_cpu:.3f} s CPU"
        f" ({bare_wall / pages * 1000:.1f} ms a page), {len(bare_pdf_bytes) / 1e6:.2f} MB\n"
        f"{' ' * len(label)}  ratio ours/bare: {our_wall / bare_wall:.2f}× wall,"
        f" {our_cpu / bare_cpu:.2f}× CPU"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=1000, help="certificates in one document")
    parser.add_argument("--single-runs", type=int, default=10, help="runs for one certificate")
    arguments = parser.parse_args()

    print(f"HarfBuzz subsetting: {'yes' if ffi.harfbuzz_subset else 'NO (fontTools, slow)'}")
    render_certificate_pdf(make_certificate("title"))  # warm-up: fonts, stylesheet, templates
    bare_pdf([make_certificate("title")])

    singles_ours, singles_bare = [], []
    for run in range(arguments.single_runs):
        data = make_certificate(KINDS[run % len(KINDS)])
        singles_ours.append(timed(lambda: render_certificate_pdf(data)))
        singles_bare.append(timed(lambda: bare_pdf([data])))

    def median_run(runs):
        return (statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs),
                runs[0][2])

    report("one certificate (median)", median_run(singles_ours), median_run(singles_bare), 1)

    items = [make_certificate(KINDS[index % len(KINDS)]) for index in range(arguments.batch)]
    batch_ours = timed(lambda: render_certificates_pdf(items))
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kB
    print(f"peak memory after our {arguments.batch}-page document: {peak_mb:.0f} MB")
    batch_bare = timed(lambda: bare_pdf(items))
    report(f"{arguments.batch} in one document", batch_ours, batch_bare, arguments.batch)


if __name__ == "__main__":
    main()
