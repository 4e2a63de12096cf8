"""Random numbers keyed by the decision they make (counter-based, common random numbers).

A draw is a pure function of ``(root, kind, who, a, b)``: the run's root key (seed and
replication), the kind of decision, the customer (or rep, or channel block) it concerns and
two counters that say which occasion it is, e.g. the customer's number of stage changes so
far and its days in the current stage. A counterfactual run therefore redraws only the
decisions whose key it changes: a customer the change never reaches meets exactly the same
numbers. The hash is splitmix64's finaliser applied three times (Steele, Lea & Flood 2014),
compiled with numba so that a batch costs a few nanoseconds per draw plus one call.
"""

from __future__ import annotations

import numpy as np
from numba import njit, types
from numba.extending import overload

__all__ = ["Keys", "Kind", "root_key"]

_GOLD = np.uint64(0x9E3779B97F4A7C15)


class Kind:
    """Decision kinds (stable numbers: changing one changes every run's draws)."""

    ALARM_GAP = 1  # days to a customer's next check in its stage
    ALARM_CHECK = 2  # what happens at that check
    EXPOSURE_COUNT = 3  # how many noticed / clicked impressions a channel block has today
    EXPOSURE_HIT = 4  # which customer the k-th of them lands on
    CLICK_LEAD = 5  # does a click turn into a lead
    SELF_SERVE = 6  # does a waiting lead buy online today
    QUALIFY = 7  # does a worked lead qualify
    DISCOVERY = 8  # days of discovery
    COMPETITOR_OPEN = 9  # days until a competitor takes the buyer (discovery)
    COMPETITOR_NEGOTIATION = 10  # the same during negotiation
    CALLS = 11  # a rep's outbound calls today
    CALL_TARGET = 12  # whom the k-th call reaches
    CALL_RESPONSE = 13  # does the prospect respond
    STALL = 15  # days until a buyer in negotiation goes quiet (no decision)
    RENEWAL = 14  # at a customer's renewal: does it churn, does it expand (and initial customers' first date)
    ROUTE = 20  # how much a lead's routing prefers each rep
    LEAD_SLOTS = 21  # does a rep's spare fraction of a lead's time stretch to one more lead today
    SDR_SLOTS = 22  # the same for an SDR


@njit(cache=True, inline="always")
def _mix(z):
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


@njit(cache=True, inline="always")
def _uniform(root, kind, who, a, b):
    h = _mix(root ^ (np.uint64(kind) * np.uint64(0x9E3779B97F4A7C15)))
    h = _mix(h ^ np.uint64(who))
    h = _mix(h ^ ((np.uint64(a) << np.uint64(32)) | (np.uint64(b) & np.uint64(0xFFFFFFFF))))
    return (h >> np.uint64(11)) * (1.0 / 9007199254740992.0)


@njit(cache=True)
def _uniforms(root, kind, who, a, b, out):
    for i in range(out.size):
        out[i] = _uniform(root, kind, who[i], a[i], b[i])


@njit(cache=True)
def _uniforms_a(root, kind, who, a, b, out):  # scalar b
    for i in range(out.size):
        out[i] = _uniform(root, kind, who[i], a[i], b)


@njit(cache=True)
def _uniforms_run(root, kind, who, a, b0, out):  # scalar who and a, b = b0, b0+1, ...
    for i in range(out.size):
        out[i] = _uniform(root, kind, who, a, b0 + i)


@njit(cache=True, inline="always")
def _geometric(root, kind, who, a, b, q):
    """Trials to the first success (>= 1) at probability ``q``, inverse CDF of a keyed uniform
    (capped at int32's largest value; that value when ``q`` is 0)."""
    if q >= 1.0:
        return 1
    if q <= 0.0:
        return 2**31 - 1
    u = _uniform(root, kind, who, a, b)
    g = 1.0 + np.floor(np.log1p(-u) / np.log1p(-q))
    return np.int64(g) if g < 2**31 - 1 else 2**31 - 1


@njit(cache=True)
def _poisson_counts(root, kind, who0, day, means, out):
    """Poisson counts by inverse CDF of one keyed uniform each: monotone in the mean, so a
    larger mean only adds events (what keeps a bigger budget's impressions nested)."""
    for j in range(means.size):
        lam = means[j]
        if lam <= 0.0:
            out[j] = 0
            continue
        u = _uniform(root, kind, who0 + j, day, 0)
        if lam < 200.0:
            k = 0
            p = np.exp(-lam)
            cdf = p
            while u > cdf and k < 100000:
                k += 1
                p *= lam / k
                cdf += p
            out[j] = k
        else:  # normal approximation with continuity correction (still monotone in lam)
            # inverse normal CDF by Acklam's rational approximation is overkill here:
            # use the Wilson-Hilferty-free form: k = lam + sqrt(lam) z
            z = _norm_ppf(u)
            k = np.floor(lam + np.sqrt(lam) * z + 0.5)
            out[j] = k if k > 0 else 0


@njit(cache=True)
def _norm_ppf(u):
    # Acklam's approximation (relative error < 1.2e-9)
    a = (-3.969683028665376e01, 2.209460984245205e02, -2.759285104469687e02, 1.383577518672690e02,
         -3.066479806614716e01, 2.506628277459239e00)
    b = (-5.447609879822406e01, 1.615858368580409e02, -1.556989798598866e02, 6.680131188771972e01,
         -1.328068155288572e01)
    c = (-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e00, -2.549732539343734e00,
         4.374664141464968e00, 2.938163982698783e00)
    d = (7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e00, 3.754408661907416e00)
    if u <= 0.0:
        u = 1e-300
    if u < 0.02425:
        q = np.sqrt(-2 * np.log(u))
        return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / (
            (((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
    if u > 1 - 0.02425:
        q = np.sqrt(-2 * np.log(1 - u))
        return -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / (
            (((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
    q = u - 0.5
    r = q * q
    return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q / (
        ((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)


@njit(cache=True)
def arm(root, kind, idx, moves, days_in_stage, day, stage, segment_start, bound, horizon, alarm):
    """Set each customer's next check day: ``day`` + a keyed geometric gap at the daily check
    probability of its stage and segment (``bound``); -1 when beyond the horizon or never."""
    n_seg = segment_start.size
    for i in range(idx.size):
        c = idx[i]
        s = 0
        while s + 1 < n_seg and segment_start[s + 1] <= c:
            s += 1
        q = bound[stage[c], s]
        if q <= 0.0:
            alarm[c] = -1
            continue
        if q >= 1.0:  # checked every day, from the day of entry on (rings at the next phase)
            gap = 0.0
        else:
            u = _uniform(root, kind, c, moves[c], days_in_stage[i])
            gap = 1.0 + np.floor(np.log1p(-u) / np.log1p(-q))
        when = day + gap
        alarm[c] = when if when < horizon else -1


def root_key(seed: int, replication: int) -> np.uint64:
    """The run's 64-bit root key, from its seed and replication."""
    ss = np.random.SeedSequence(entropy=int(seed), spawn_key=(int(replication), 0x6B657965))
    return np.uint64(ss.generate_state(1, dtype=np.uint64)[0])


def _i64(x, n):
    if np.isscalar(x):
        return np.full(n, x, dtype=np.int64)
    return np.ascontiguousarray(x, dtype=np.int64)


def _at(x, i):  # (compiled only: see the overload below)
    raise NotImplementedError


@overload(_at, inline="always")
def _at_overload(x, i):
    """``x[i]`` of an array, ``x`` itself of a scalar (resolved when compiling)."""
    if isinstance(x, types.Array):
        return lambda x, i: x[i]
    return lambda x, i: x


@njit(cache=True)
def _uniforms_any(root, kind, who, a, b, out):
    """``_uniform`` of each ``who[i]`` with counters ``a``, ``b``: arrays of any integer type, or int64 scalars."""
    for i in range(out.size):
        out[i] = _uniform(root, kind, np.int64(who[i]), np.int64(_at(a, i)), np.int64(_at(b, i)))


@njit(cache=True)
def _geometric_any(root, kind, who, a, b, p, out):
    """:func:`_geometric` of each ``who[i]``, with ``a``, ``b``, ``p`` arrays or scalars (as :func:`_uniforms_any`)."""
    for i in range(out.size):
        out[i] = _geometric(root, kind, np.int64(who[i]), np.int64(_at(a, i)), np.int64(_at(b, i)), np.float64(_at(p, i)))


def _counter(x, n: int):
    """A counter for the compiled draws: an integer array of ``n`` as it is, a scalar as int, else int64."""
    if type(x) is np.ndarray and x.ndim == 1 and x.dtype.kind in "iu":
        return x if x.size == n else np.broadcast_to(x, (n,))
    if type(x) is int:
        return x
    if np.isscalar(x) or np.ndim(x) == 0:
        return int(np.int64(x))
    return np.broadcast_to(np.asarray(x, dtype=np.int64), (n,))


class Keys:
    """The keyed draws of one run."""

    def __init__(self, seed: int, replication: int) -> None:
        self.root = root_key(seed, replication)

    def uniform(self, kind: int, who, a, b) -> np.ndarray:
        """One uniform in [0, 1) per element of ``who`` (arrays, or scalars for ``a``/``b``)."""
        if type(who) is not np.ndarray or who.ndim != 1 or who.dtype.kind not in "iu":
            who = np.ascontiguousarray(who, dtype=np.int64).reshape(-1)
        n = who.size
        out = np.empty(n)
        if n:
            _uniforms_any(self.root, kind, who, _counter(a, n), _counter(b, n), out)
        return out

    def run(self, kind: int, who: int, a: int, count: int, start: int = 0) -> np.ndarray:
        """``count`` uniforms for occasions ``start, start+1, ...`` of one ``(kind, who, a)``."""
        out = np.empty(count)
        _uniforms_run(self.root, kind, int(who), int(a), int(start), out)
        return out

    def geometric(self, kind: int, who, a, b, p) -> np.ndarray:
        """Keyed geometric numbers of trials to the first success (>= 1)."""
        if type(who) is not np.ndarray or who.ndim != 1 or who.dtype.kind not in "iu":
            who = np.ascontiguousarray(who, dtype=np.int64).reshape(-1)
        n = who.size
        out = np.empty(n, dtype=np.int64)
        if n:
            if type(p) is not np.ndarray or p.ndim != 1 or p.dtype.kind != "f" or p.size != n:
                p = np.broadcast_to(np.asarray(p, dtype=np.float64), (n,))
            _geometric_any(self.root, kind, who, _counter(a, n), _counter(b, n), p, out)
        return out

    def poisson(self, kind: int, who0: int, day: int, means: np.ndarray) -> np.ndarray:
        """Keyed Poisson counts for blocks ``who0, who0+1, ...`` on ``day``."""
        means = np.ascontiguousarray(means, dtype=np.float64)
        out = np.empty(means.size, dtype=np.int64)
        _poisson_counts(self.root, kind, int(who0), int(day), means, out)
        return out
