"""``make bench``, the statistics: medians and ranges per variant and N, least-squares slopes and r², ratios; the fleet case."""

from __future__ import annotations

import collections
import dataclasses
import math
import statistics
import typing as t

from bench_model import FLEET_VARIANTS, VARIANTS, Run

RATIOS = (  # label, numerator variant, denominator variant
    ("steady / uri", "steady", "uri"),
    ("steady / ping", "steady", "ping"),
    ("custody / steady", "custody", "steady"),
    ("create / uri", "create", "uri"),
    ("check / ping", "check", "ping"),
    ("uri / ping", "uri", "ping"),
)
Ratios = dict[t.Union[int, str], float]  # per N, and "slope"
FLEET_RATIOS = (  # label, numerator fleet variant, denominator fleet variant
    ("fleet-steady / fleet-uri", "fleet-steady", "fleet-uri"),
    ("fleet-create / fleet-uri", "fleet-create", "fleet-uri"),
)
FLEET_LOOP = {"fleet-uri": "uri", "fleet-steady": "steady", "fleet-create": "create"}  # the loop variant running the same task


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
    xs = [float(x) for x, _y in points]
    ys = [y for _x, y in points]
    mean_x, mean_y = statistics.fmean(xs), statistics.fmean(ys)
    sxx = sum((x - mean_x) ** 2 for x in xs)
    if sxx == 0:
        return Fit(math.nan, math.nan, math.nan)
    slope = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys)) / sxx
    intercept = mean_y - slope * mean_x
    ss_tot = sum((y - mean_y) ** 2 for y in ys)
    ss_res = sum((y - intercept - slope * x) ** 2 for x, y in zip(xs, ys))
    return Fit(slope, intercept, 1 - ss_res / ss_tot if ss_tot else math.nan)


def module_peak(run: Run) -> float:
    """The largest module process of a run, in KiB (0 when none recorded one)."""
    return float(max(run.module_rss_kib or [0]))


class Summary:
    """The runs grouped by (variant, N), with the figures the report shows."""

    def __init__(self, runs: list[Run]) -> None:
        self.runs = runs
        self.sizes = sorted({run.n for run in runs})
        self.largest = max(self.sizes)
        self.cells: dict[tuple[str, int], list[Run]] = collections.defaultdict(list)
        for run in runs:
            self.cells[(run.variant, run.n)].append(run)
        self.fits = {variant.name: fit([(run.n, run.wall_s) for run in runs if run.variant == variant.name]) for variant in VARIANTS}
        self.ratios: dict[str, Ratios] = {label: self.ratio(top, bottom) for label, top, bottom in RATIOS}

    def cell(self, name: str, n: int) -> list[Run]:
        return self.cells.get((name, n), [])

    def per_item(self, name: str, n: int) -> float:
        """Median wall time per item, in seconds."""
        return statistics.median(run.wall_s / n for run in self.cell(name, n))

    def wall_per_item(self, name: str, n: int) -> Spread:
        return spread([run.wall_s / n for run in self.cell(name, n)])

    def module_rss(self, name: str, n: int) -> float:
        """Median over the repetitions of the largest module process, in KiB."""
        return statistics.median(module_peak(run) for run in self.cell(name, n))

    def module_rss_spread(self, name: str, n: int) -> Spread:
        return spread([module_peak(run) for run in self.cell(name, n)])

    def tree_rss(self, name: str, n: int) -> float:
        return statistics.median(run.tree_rss_kib for run in self.cell(name, n))

    def requests_per_item(self, name: str, n: int) -> float:
        return statistics.median(len(run.requests) / n for run in self.cell(name, n))

    def request_mix(self, name: str, n: int) -> dict[str, int]:
        """'METHOD status' -> count, from the first run of the cell."""
        counts = collections.Counter(f"{entry['method']} {entry['status']}" for entry in self.cell(name, n)[0].requests)
        return dict(sorted(counts.items()))

    def marginals(self, name: str) -> list[tuple[int, int, float]]:
        """(N, next N, seconds per extra item) between the median totals of consecutive sizes."""
        medians = {n: statistics.median(run.wall_s for run in self.cell(name, n)) for n in self.sizes if self.cell(name, n)}
        ordered = sorted(medians)
        return [(a, b, (medians[b] - medians[a]) / (b - a)) for a, b in zip(ordered, ordered[1:])]

    def ratio(self, top: str, bottom: str) -> Ratios:
        """Median wall per item of top over bottom at each N, and the ratio of their slopes."""
        values: Ratios = {n: self.per_item(top, n) / self.per_item(bottom, n) for n in self.sizes}
        values["slope"] = self.fits[top].slope / self.fits[bottom].slope
        return values

    def tokens_verified(self, n: int) -> int:
        """The fewest custody token files verified after a run at loop size n (every run must reach n)."""
        return min(run.tokens_verified or 0 for run in self.cell("custody", n))

    def check_bound(self, n: int) -> int:
        """Requests per item check mode may send: 1 + ceil(authorizations that existed / 100)."""
        return 1 + math.ceil(max(run.authorizations_before for run in self.cell("check", n)) / 100)

    def check_get_only(self) -> bool:
        return all(entry["method"] == "GET" for run in self.runs if run.variant == "check" for entry in run.requests)

    def rss_ratio(self, top: str, bottom: str) -> dict[int, float]:
        return {n: self.module_rss(top, n) / self.module_rss(bottom, n) for n in self.sizes}

    def minutes_at(self, n: int) -> float:
        """Total wall time of every run at loop size n, in minutes."""
        return sum(run.wall_s for run in self.runs if run.n == n) / 60


class FleetSummary:
    """The fleet runs (one item per host, hosts in parallel) grouped by variant; every run has the same number of hosts."""

    def __init__(self, runs: list[Run]) -> None:
        self.runs = runs
        self.hosts = max(run.n for run in runs)
        if any(run.n != self.hosts for run in runs):
            raise ValueError(f"fleet runs over different numbers of hosts: {sorted({run.n for run in runs})}")
        self.variants = [variant for variant in FLEET_VARIANTS if self.cell(variant.name)]
        self.ratios = {label: self.ratio(top, bottom) for label, top, bottom in FLEET_RATIOS if self.cell(top) and self.cell(bottom)}

    def cell(self, name: str) -> list[Run]:
        return [run for run in self.runs if run.variant == name]

    def wall(self, name: str) -> Spread:
        """Wall time of the whole ansible-playbook process, in seconds."""
        return spread([run.wall_s for run in self.cell(name)])

    def wall_per_item(self, name: str) -> Spread:
        """Wall time divided by the number of items (hosts), in seconds."""
        return spread([run.wall_s / run.n for run in self.cell(name)])

    def requests_per_item(self, name: str) -> float:
        return statistics.median(len(run.requests) / run.n for run in self.cell(name))

    def request_mix(self, name: str) -> dict[str, int]:
        """'METHOD status' -> count, from the first run of the variant."""
        counts = collections.Counter(f"{entry['method']} {entry['status']}" for entry in self.cell(name)[0].requests)
        return dict(sorted(counts.items()))

    def module_rss(self, name: str) -> float:
        """Median over the repetitions of the largest module process, in KiB."""
        return statistics.median(module_peak(run) for run in self.cell(name))

    def tree_rss(self, name: str) -> float:
        return statistics.median(run.tree_rss_kib for run in self.cell(name))

    def ratio(self, top: str, bottom: str) -> float:
        """Median wall per item of top over that of bottom."""
        return self.wall_per_item(top).median / self.wall_per_item(bottom).median

    def loop_size(self, loop: Summary) -> int:
        """The loop size to set the fleet against: the one equal to the fleet's hosts if the loop runs had it, else the largest."""
        return self.hosts if self.hosts in loop.sizes else loop.largest

    def loop_per_item(self, loop: Summary, name: str) -> float | None:
        """Median wall per item of the loop variant running the same task as fleet variant ``name``, at ``loop_size``."""
        n = self.loop_size(loop)
        return loop.per_item(FLEET_LOOP[name], n) if loop.cell(FLEET_LOOP[name], n) else None

    def minutes(self) -> float:
        """Total wall time of the fleet runs, in minutes."""
        return sum(run.wall_s for run in self.runs) / 60
