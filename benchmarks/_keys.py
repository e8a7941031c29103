"""The keys every benchmark signs: realistic, the same in every run.

- ``readme_keys``: mostly plain keys, one in ten with a space and accented letters;
- ``hive_keys``: Hive-partitioned data sets (``sales/year=2026/month=11/day=27/part-...``), as
  S3 Inventory and Spark write them: ``=`` in every folder, one in ten keys with non-ASCII
  (``région=Île-de-France``, ``été``), some with spaces (``region=us east``, ``part-... copy``).
"""

from __future__ import annotations

__all__ = ["hive_keys", "readme_keys"]


def readme_keys(n: int) -> list[str]:
    """The mixed set: ``datasets/2026/11/27/part-0000001.parquet``, one in ten ``photos/été 2026/...``."""
    return [f"photos/été 2026/IMG_{i:07d}.jpg" if i % 10 == 0 else f"datasets/2026/11/27/part-{i:07d}.parquet"
            for i in range(n)]


def hive_keys(n: int) -> list[str]:
    """Hive-style keys, 10% non-ASCII, 10% with a space in a folder, 5% with a space in the name."""
    keys = []
    for i in range(n):
        year, month, day = 2020 + i // 400_000 % 7, (i // 30_000) % 12 + 1, (i // 1_000) % 28 + 1
        if i % 10 == 0:
            keys.append(f"ventes/région=Île-de-France/année={year}/mois={month:02d}/part-{i:07d}.parquet")
        elif i % 10 == 5:
            keys.append(f"sales/region=us east/year={year}/month={month:02d}/day={day:02d}/part-{i:07d}.parquet")
        elif i % 20 == 3:
            keys.append(f"sales/year={year}/month={month:02d}/day={day:02d}/part-{i:07d} copy.snappy.parquet")
        else:
            keys.append(f"sales/year={year}/month={month:02d}/day={day:02d}/part-{i:07d}.snappy.parquet")
    return keys
