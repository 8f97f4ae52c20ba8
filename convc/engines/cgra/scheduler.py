"""Modulo scheduling of a kernel's body on a virtual core (Rau's iterative modulo scheduling).

MII = max(ResMII, RecMII): ResMII is, per functional-unit type, the operations over the units;
RecMII the smallest II under which no dependence cycle needs more latency than II times its
distance. From MII upward, each II is tried: operations are placed by height (longest latency
path to the end of the body), each at the earliest cycle its scheduled producers allow, on a
unit of its type whose slot (cycle mod II) is free; an operation that finds no slot within II
cycles takes one anyway and evicts what conflicts, which is scheduled again later, within a
budget. A schedule is kept when the values it keeps live at once (MaxLive, counted by the
runtime's own function) fit the virtual core's rotating registers.

The result records, per node, its unit and cycle, and per value its registers: a value read
`back` writes after the newest completed one when its consumer issues, which the runtime
derives from the same cycles (runtime/units/cgra_config.py).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, replace

from convc.dialects.cgra_dfg import IMM, Kernel, dependences, fu_type
from convc.errors import TargetFitError
from convc.runtime.units.cgra_config import max_live

BUDGET_PER_NODE = 6  # placement attempts per node before an II is given up


@dataclass(frozen=True)
class Schedule:
    ii: int
    res_mii: int
    rec_mii: int
    times: tuple[int, ...]  # cycle of each node in iteration 0
    units: tuple[int, ...]  # functional unit index (ALUs, then multipliers, then LSUs)
    regs: tuple[int, ...]  # rotating registers of each node's value
    length: int  # cycles from the first issue to the last result of one iteration
    latency: tuple[int, ...]  # of each node's unit
    fus: tuple[int, int, int]  # the virtual core's ALUs, multipliers, LSUs

    @property
    def mii(self) -> int:
        return max(self.res_mii, self.rec_mii)

    def back(self, consumer: int, src: int, distance: int) -> int:
        """Which of the producer's registers the consumer reads (0 = the newest completed)."""
        return (self.times[consumer] - self.times[src] - self.latency[src]) // self.ii + distance

    def on(self, spec) -> "Schedule":
        """The schedule, made within a budget of units, numbered on the whole virtual core
        `spec` (units are numbered ALUs, then multipliers, then LSUs)."""
        alu, mul, _ = self.fus

        def renumber(u):
            return u if u < alu else u - alu + spec.alu if u < alu + mul else u - alu - mul + spec.alu + spec.mul
        return replace(self, units=tuple(renumber(u) for u in self.units), fus=(spec.alu, spec.mul, spec.lsu))

    def to_ints(self) -> list[int]:
        """As the `convc.cgra_schedule` attribute holds it."""
        per_node = [v for row in zip(self.times, self.units, self.regs, self.latency) for v in row]
        return [self.ii, self.res_mii, self.rec_mii, self.length, *self.fus, *per_node]

    @classmethod
    def from_ints(cls, v: list[int]) -> "Schedule":
        rows = [v[k:k + 4] for k in range(7, len(v), 4)]
        return cls(v[0], v[1], v[2], *(tuple(r[j] for r in rows) for j in range(3)), v[3], tuple(r[3] for r in rows),
                   tuple(v[4:7]))

    def utilisation(self, kernel: Kernel) -> dict[str, float]:
        """Per unit type: the share of its slots (units x II) the body uses."""
        counts = _type_counts(kernel)
        return {t: round(counts.get(t, 0) / (n * self.ii), 3) for t, n in zip(("alu", "mul", "lsu"), self.fus) if n}


def _type_counts(kernel):
    counts: dict[str, int] = {}
    for n in kernel.nodes:
        counts[fu_type(n.fn)] = counts.get(fu_type(n.fn), 0) + 1
    return counts


def res_mii(kernel: Kernel, spec) -> int:
    counts = _type_counts(kernel)
    for t, n in counts.items():
        if getattr(spec, t) == 0:
            raise TargetFitError(f"kernel {kernel.name} needs a {t} unit; the virtual core has none")
    return max([1] + [math.ceil(n / getattr(spec, t)) for t, n in counts.items()])


def _latency_graph(kernel, spec, ii):
    """Edges weighted II * distance - latency: a negative cycle is a recurrence II cannot hold."""
    g = dependences(kernel)
    for u, v, data in g.edges(data=True):
        data["weight"] = ii * data["distance"] - spec.latency[fu_type(kernel.nodes[u].fn)]
    return g


def rec_mii(kernel: Kernel, spec) -> int:
    import networkx as nx  # deferred: 0.2 s to import, and only CGRA kernels need it
    g = dependences(kernel)
    if nx.is_directed_acyclic_graph(g):
        return 1
    for bad in (c for c in nx.simple_cycles(g) if all(
            g.edges[c[k], c[(k + 1) % len(c)]]["distance"] == 0 for k in range(len(c)))):
        raise TargetFitError(f"kernel {kernel.name} has a dependence cycle through nodes {bad} with no "
                             f"loop-carried distance: no II can schedule it")
    total = sum(spec.latency[fu_type(n.fn)] for n in kernel.nodes)
    lo, hi = 1, total
    while lo < hi:  # the smallest II with no negative cycle (monotone in II)
        mid = (lo + hi) // 2
        if nx.negative_edge_cycle(_latency_graph(kernel, spec, mid)):
            lo = mid + 1
        else:
            hi = mid
    return lo


def _heights(kernel, spec, ii):
    """Longest latency path from each node to the end of the body, under II (Rau's priority)."""
    g = _latency_graph(kernel, spec, ii)
    height = [0] * len(kernel.nodes)
    for _ in range(len(kernel.nodes)):
        changed = False
        for u, v, data in g.edges(data=True):
            h = height[v] - data["weight"]
            if h > height[u]:
                height[u], changed = h, True
        if not changed:
            break
    return height


def _try(kernel, spec, ii):
    """One II: times and units, or None."""
    n = len(kernel.nodes)
    lat = [spec.latency[fu_type(node.fn)] for node in kernel.nodes]
    preds = [[(src, d) for src, d in node.args if src is not IMM] for node in kernel.nodes]
    succs = [kernel.uses(i) for i in range(n)]
    first = {"alu": 0, "mul": spec.alu, "lsu": spec.alu + spec.mul}
    count = {t: getattr(spec, t) for t in first}
    height = _heights(kernel, spec, ii)
    time: list[int | None] = [None] * n
    unit: list[int | None] = [None] * n
    table: dict[tuple[int, int], int] = {}  # (unit, slot) -> node
    queue = sorted(range(n), key=lambda i: (-height[i], i))
    budget = BUDGET_PER_NODE * n
    while queue:
        budget -= 1
        if budget < 0:
            return None
        v = queue.pop(0)
        earliest = max([0] + [time[u] + lat[u] - ii * d for u, d in preds[v] if time[u] is not None])
        t_type = fu_type(kernel.nodes[v].fn)
        units = range(first[t_type], first[t_type] + count[t_type])
        placed = None
        for t in range(earliest, earliest + ii):
            free = next((f for f in units if (f, t % ii) not in table), None)
            if free is not None and all(time[s] is None or t + lat[v] <= time[s] + ii * d for s, d in succs[v]):
                placed = (t, free)
                break
        if placed is None:  # take the earliest cycle and evict what stands in the way
            t = earliest if time[v] is None or earliest > time[v] else time[v] + 1
            f = units[0] + (t // ii) % len(units)
            placed = (t, f)
        t, f = placed
        evicted = set()
        if (f, t % ii) in table:
            evicted.add(table[(f, t % ii)])
        evicted |= {s for s, d in succs[v] if time[s] is not None and t + lat[v] > time[s] + ii * d}
        evicted |= {u for u, d in preds[v] if time[u] is not None and time[u] + lat[u] - ii * d > t}
        evicted.discard(v)
        for e in evicted:
            del table[(unit[e], time[e] % ii)]
            time[e] = unit[e] = None
            queue.append(e)
        queue.sort(key=lambda i: (-height[i], i))
        time[v], unit[v] = t, f
        table[(f, t % ii)] = v
    base = min(time)
    return [t - base for t in time], unit


def schedule(kernel: Kernel, spec) -> Schedule:
    """The kernel's modulo schedule on the virtual core `spec` (runtime CgraSpec); raises
    TargetFitError naming the kernel when no II up to the core's max_ii works."""
    r_mii, c_mii = res_mii(kernel, spec), rec_mii(kernel, spec)
    lat = [spec.latency[fu_type(node.fn)] for node in kernel.nodes]
    why = f"ResMII {r_mii}, RecMII {c_mii}"
    for ii in range(max(r_mii, c_mii), spec.max_ii + 1):
        found = _try(kernel, spec, ii)
        if found is None:
            why = f"placement failed at every II up to {ii} (ResMII {r_mii}, RecMII {c_mii})"
            continue
        times, units = found
        regs = [0] * len(kernel.nodes)
        last: dict[int, int] = {}
        for c, node in enumerate(kernel.nodes):
            for src, d in node.args:
                if src is not IMM:
                    back = (times[c] - times[src] - lat[src]) // ii + d
                    regs[src] = max(regs[src], back + 1)
                    last[src] = max(last.get(src, 0), times[c] + d * ii)
        need = max_live(ii, [(times[s] + lat[s], end) for s, end in last.items()])
        if need > spec.registers:
            why = f"keeps {need} values live at II {ii}; the virtual core has {spec.registers} registers"
            continue
        length = max(t + l for t, l in zip(times, lat))
        return Schedule(ii, r_mii, c_mii, tuple(times), tuple(units), tuple(regs), length, tuple(lat),
                        (spec.alu, spec.mul, spec.lsu))
    raise TargetFitError(f"kernel {kernel.name} does not fit the virtual core's {spec.alu} ALU, {spec.mul} MUL, "
                         f"{spec.lsu} LSU within II {spec.max_ii}: {why}")
