"""django-storages' S3Storage.url() against s3presign.django.S3Storage.url(), side by side.

    python benchmarks/bench_django.py [--names N] [--rounds R]

The same OPTIONS for both backends, three settings as projects have them: the default (which
boto3 presigns with SigV2 in us-east-1), SigV4 in eu-central-1 with a location, and SigV4 with
``parameters={"ResponseContentDisposition": ...}``. Names are ``_keys.readme_keys``. Each
round times both backends on the same names, one after the other, after each has made its
connection (django-storages makes a boto3 client per thread on first use). Then a template of
1,000 ``{{ file.url }}`` (Django FieldFiles on each storage) is rendered with each backend.
Figures are medians over the rounds. Target: 20x on every url() line. Exits 0 unless it crashes.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import time
from typing import Any

from _keys import readme_keys

AKID = "AKIAIOSFODNN7EXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
TARGET = 20.0
SETTINGS: list[tuple[str, dict[str, Any], dict[str, str] | None]] = [
    ("default (SigV2, us-east-1)", {}, None),
    ("SigV4 eu-central-1, location", {"signature_version": "s3v4", "region_name": "eu-central-1",
                                      "location": "media"}, None),
    ("SigV4 + parameters", {"signature_version": "s3v4", "region_name": "eu-central-1"},
     {"ResponseContentDisposition": 'attachment; filename="report.csv"'}),
]


def timed(storage: Any, names: list[str], parameters: dict[str, str] | None) -> float:
    url = storage.url
    start = time.perf_counter()
    for name in names:
        url(name, parameters)
    return (time.perf_counter() - start) / len(names)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--names", type=int, default=5_000)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()

    import django
    from django.conf import settings

    settings.configure(USE_TZ=True)
    import storages
    from django.db.models import FileField
    from django.db.models.fields.files import FieldFile
    from django.template import Context, Engine
    from storages.backends.s3 import S3Storage as Parent

    from s3presign.django import S3Storage

    print(f"Django {django.__version__}, django-storages {storages.__version__}; Python {platform.python_version()}; "
          f"{args.rounds} rounds, {args.names} names")
    names = readme_keys(args.names)
    missed = []
    print(f"\n{'settings':<32} {'django-storages µs':>19} {'s3presign µs':>13} {'faster':>8}")
    for label, options, parameters in SETTINGS:
        common = {"bucket_name": "bench-bucket", "access_key": AKID, "secret_key": SECRET, **options}
        theirs, ours = Parent(**common), S3Storage(**common)
        assert ours.url(names[0], parameters).split("?")[0] == theirs.url(names[0], parameters).split("?")[0]
        own_times, ours_times, ratios = [], [], []
        for _ in range(args.rounds):
            own = timed(theirs, names[: max(500, len(names) // 10)], parameters)
            fast = timed(ours, names, parameters)
            own_times.append(own)
            ours_times.append(fast)
            ratios.append(own / fast)
        ratio = statistics.median(ratios)
        print(f"{label:<32} {statistics.median(own_times) * 1e6:>19.1f} {statistics.median(ours_times) * 1e6:>13.2f}"
              f" {ratio:>7.1f}x")
        if ratio < TARGET:
            missed.append(f"{label}: {ratio:.1f}x")
    print(f"target: {TARGET:.0f}x on every line: " + ("met" if not missed else "MISSED: " + "; ".join(missed)))

    template = Engine().from_string('<ul>{% for f in files %}<li><a href="{{ f.url }}">{{ f.name }}</a></li>'
                                    "{% endfor %}</ul>")
    print(f"\nrendering 1,000 {{{{ file.url }}}} (default settings), median of {args.rounds} rounds:")
    timings: dict[str, list[float]] = {"django-storages": [], "s3presign": []}
    backends = {"django-storages": Parent(bucket_name="bench-bucket", access_key=AKID, secret_key=SECRET),
                "s3presign": S3Storage(bucket_name="bench-bucket", access_key=AKID, secret_key=SECRET)}
    files = {}
    for label, storage in backends.items():
        field = FileField(storage=storage)
        field.name = "file"
        files[label] = [FieldFile(None, field, name) for name in names[:1000]]
        template.render(Context({"files": files[label][:10]}))  # the connection is made here
    for _ in range(args.rounds):
        for label in backends:
            start = time.perf_counter()
            page = template.render(Context({"files": files[label]}))
            timings[label].append(time.perf_counter() - start)
            assert page.count("<li>") == 1000
    for label, values in timings.items():
        print(f"  {label:<16} {statistics.median(values) * 1e3:8.1f} ms")
    print(f"  {'faster':<16} {statistics.median(timings['django-storages']) / statistics.median(timings['s3presign']):8.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
