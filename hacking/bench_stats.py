"""``make bench``, the statistics: medians and ranges per variant and N, least-squares slopes and r², ratios."""

from __future__ import annotations

import collections
import dataclasses
import math
import statistics

from bench_model import LOOP, Run, of_case


@dataclasses.dataclass(frozen=True)
class Spread:
    median: float
    low: float
    high: float


@dataclasses.dataclass(frozen=True)
class Fit:
    """Least-squares line total = intercept + slope * N; NaN where the points do not determine it."""

    slope: float
    intercept: float
    r2: float


def spread(values: list[float]) -> Spread:
    return Spread(statistics.median(values), min(values), max(values))


def fit(points: list[tuple[int, float]]) -> Fit:
    """The least-squares line through the points, and r² (the squared correlation), with the statistics module."""
    xs = [float(x) for x, _y in points]
    ys = [y for _x, y in points]
    try:
        line = statistics.linear_regression(xs, ys)
    except statistics.StatisticsError:  # fewer than two points, or every x the same
        return Fit(math.nan, math.nan, math.nan)
    try:
        r2 = statistics.correlation(xs, ys) ** 2
    except statistics.StatisticsError:  # every y the same: the line explains nothing to explain
        r2 = math.nan
    return Fit(line.slope, line.intercept, r2)


class Summary:
    """The runs grouped by (variant, N), with the figures the report shows.  A fleet variant has one N (its hosts)."""

    def __init__(self, runs: list[Run], cpus: int = 1) -> None:
        self.runs = runs
        self.cpus = cpus
        self.cells: dict[tuple[str, int], list[Run]] = collections.defaultdict(list)
        for run in runs:
            self.cells[(run.variant, run.n)].append(run)
        self.sizes = sorted({run.n for run in runs if run.case == LOOP})
        self.fits = {variant.name: fit([(run.n, run.wall_s) for run in runs if run.variant == variant.name]) for variant in of_case(LOOP)}

    def has(self, name: str) -> bool:
        return any(run.variant == name for run in self.runs)

    def n_of(self, name: str) -> int:
        """The largest N the variant ran at (a fleet's hosts)."""
        return max(run.n for run in self.runs if run.variant == name)

    def cell(self, name: str, n: int | None = None) -> list[Run]:
        return self.cells.get((name, self.n_of(name) if n is None else n), [])

    def wall(self, name: str, n: int | None = None) -> Spread:
        """Wall time of the whole ansible-playbook process, in seconds."""
        return spread([run.wall_s for run in self.cell(name, n)])

    def wall_per_item(self, name: str, n: int | None = None) -> Spread:
        """Wall time divided by the items (loop items, or hosts), in seconds."""
        return spread([run.wall_s / run.n for run in self.cell(name, n)])

    def per_item(self, name: str, n: int | None = None) -> float:
        return self.wall_per_item(name, n).median

    def ratio(self, top: str, bottom: str, n: int | None = None) -> float:
        """Median wall per item of top over bottom (at loop size n; a fleet's at its hosts)."""
        return self.per_item(top, n) / self.per_item(bottom, n)

    def slope_ratio(self, top: str, bottom: str) -> float:
        return self.fits[top].slope / self.fits[bottom].slope

    def requests_per_item(self, name: str, n: int | None = None) -> float:
        """The most requests per item of any run of the cell (the outcome check holds every run to exactly one, or none)."""
        return max(run.request_count / run.n for run in self.cell(name, n))

    def request_mix(self, name: str, n: int | None = None) -> dict[str, int]:
        """'METHOD status' -> count, from the first run of the cell."""
        return self.cell(name, n)[0].requests

    def tokens_verified(self, name: str, n: int | None = None) -> int:
        """The fewest token files verified after a run of the cell."""
        return min(run.tokens_verified or 0 for run in self.cell(name, n))

    def controller_rss(self, name: str, n: int | None = None) -> float:
        """Median over the repetitions of the ansible-playbook process's own peak RSS, in KiB."""
        return statistics.median(run.controller_rss_kib for run in self.cell(name, n))

    def worker_rss(self, name: str, n: int | None = None) -> float:
        """Median over the repetitions of the largest waited-for descendant's peak RSS, in KiB."""
        return statistics.median(run.worker_rss_kib for run in self.cell(name, n))

    def marginals(self, name: str) -> list[tuple[int, int, float]]:
        """(N, next N, seconds per extra item) between the median totals of consecutive sizes."""
        medians = {n: statistics.median(run.wall_s for run in self.cell(name, n)) for n in self.sizes if self.cell(name, n)}
        ordered = sorted(medians)
        return [(a, b, (medians[b] - medians[a]) / (b - a)) for a, b in zip(ordered, ordered[1:])]

    def others_load(self, runs: list[Run] | None = None) -> Spread:
        """The share of the machine's CPU that other processes (and the emulator) kept busy during the runs."""
        shares = [max(0.0, run.busy_s - run.cpu_s) / (run.wall_s * self.cpus) for run in (self.runs if runs is None else runs) if run.busy_s]
        return spread(shares or [0.0])

    def minutes(self, case: str, n: int | None = None) -> float:
        """Total wall time of a case's runs (at loop size n), in minutes."""
        return sum(run.wall_s for run in self.runs if run.case == case and n in (None, run.n)) / 60
