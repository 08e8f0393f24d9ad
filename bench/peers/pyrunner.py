"""Shared pieces for the Python peer runners (peers/*_w*.py, peers/*_rnn.py): read the plan,
time a case, print JSON lines, draw the char-LM inputs, and draw the same seeded weights as the
Node runners. Mirrors timeReps(), timePredict() and runCases() in bench/lib/timing.mjs and
seededParams() in bench/lib/data.mjs; keep them in step.
"""
import json
import math
import sys
import time


def read_plan(script):
    if len(sys.argv) < 2:
        sys.exit(f"usage: {script} <plan-json>  (normally started by bench/run.mjs)")
    return json.loads(sys.argv[1])


def emit(obj):
    print(json.dumps(obj), flush=True)


# Keyword names match the plan's "policy" keys (shared with the Node runners).
def time_reps(fn, warmup, minReps, maxReps, targetMs):  # noqa: N803
    """Runs fn `warmup` times untimed, then times it until it has at least `minReps`
    samples and either `targetMs` of timed work or `maxReps` samples."""
    for _ in range(warmup):
        fn()
    times, total = [], 0.0
    while len(times) < minReps or (total < targetMs and len(times) < maxReps):
        t0 = time.perf_counter_ns()
        fn()
        ms = (time.perf_counter_ns() - t0) / 1e6
        times.append(ms)
        total += ms
    return times


def time_train_steps(step, policy):
    """Times training steps; `step()` returns the step's loss. Also reports the first and last
    loss (every implementation should learn alike) and fails if the loss went non-finite."""
    losses = []
    times = time_reps(lambda: losses.append(float(step())), **policy)
    if not math.isfinite(losses[-1]):
        raise FloatingPointError(f"loss is {losses[-1]} after {len(times)} timed steps")
    return {"times_ms": times, "loss_first": losses[0], "loss_last": losses[-1]}


def time_predict(call, c, policy):
    """Times predict calls (W5, W11); mirrors timePredict() in lib/timing.mjs: `call()` returns the model's
    output for the case's input (one number, or for W11, whose `expected` is a list, all of them), which
    must match the case's reference (`expected`, within `tolerance`: for a list, every element) before the
    first timed call and after the last, else the case fails untimed."""
    vector = isinstance(c["expected"], list)

    def check(value, when):
        if vector:
            values = [float(v) for v in value]
            if len(values) != len(c["expected"]):
                raise ValueError(f"output has {len(values)} values {when}, the reference {len(c['expected'])}: wrong model")
            diffs = [abs(v - e) for v, e in zip(values, c["expected"])]
            error = max(math.inf if math.isnan(d) else d for d in diffs)
        else:
            error = abs(float(value) - c["expected"])
        if not error <= c["tolerance"]:
            what = "output" if vector else f"prediction {float(value)}"
            ref = "" if vector else f" {c['expected']}"
            raise ValueError(f"{what} {when} is {error} off the reference{ref} (tolerance {c['tolerance']}): wrong model")
        return error

    first = call()
    abs_error = check(first, "before timing")
    last = []
    times = time_reps(lambda: last.append(call()), **policy)
    check(last[-1], "after timing")
    if vector:
        return {"times_ms": times, "max_abs_error": abs_error}
    return {"times_ms": times, "prediction": float(first), "abs_error": abs_error}


def run_cases(plan, impl, time_case):
    """For each case, time_case(c) returns its times (ms), or a dict with "times_ms" and any
    extra fields to record; prints one result line per case, or an "error" instead, so one
    failing case does not hide the others."""
    for c in plan["cases"]:
        fields = {k: v for k, v in c.items() if k not in ("id", "label")}
        head = {"workload": plan["workload"], "impl": impl, "case": c["id"], **fields}
        try:
            out = time_case(c)
            emit({**head, **(out if isinstance(out, dict) else {"times_ms": out})})
        except Exception as e:  # report the case as failed, keep measuring the others
            emit({**head, "error": f"{type(e).__name__}: {e}"})


def blas_meta(np):
    """Which BLAS NumPy uses, and with how many threads (what was actually measured)."""
    meta = {}
    try:
        blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        meta["blas"] = f'{blas.get("name")} {blas.get("version")}'
    except Exception:  # show_config's layout is not a stable API
        pass
    try:
        from threadpoolctl import threadpool_info

        pools = [p for p in threadpool_info() if p.get("user_api") == "blas"]
        if pools:
            p = pools[0]
            meta.update(blas_threads=p.get("num_threads"), blas_arch=p.get("architecture"),
                        blas_threading=p.get("threading_layer"))
    except ImportError:
        pass
    return meta


def mulberry32(np, n, seed):
    """The first n outputs (uint32) of lib/data.mjs's mulberry32(seed), vectorised: its state after
    k calls is seed + k * 0x6D2B79F5 (mod 2^32), and uint32 arithmetic wraps as Math.imul does."""
    with np.errstate(over="ignore"):
        a = (np.uint32(seed) + np.arange(1, n + 1, dtype=np.uint64).astype(np.uint32) * np.uint32(0x6D2B79F5))
        t = (a ^ (a >> np.uint32(15))) * (a | np.uint32(1))
        t ^= t + (t ^ (t >> np.uint32(7))) * (t | np.uint32(61))
        return t ^ (t >> np.uint32(14))


def unit(np, u32):
    """lib/data.mjs's unit(): the top 24 bits as a float64 in [0, 1)."""
    return (u32 >> np.uint32(8)).astype(np.float64) / 16777216.0


def seeded_params(np, specs, seed):
    """lib/data.mjs's seededParams(): {name: float32 array of shape} drawn from one mulberry32 stream,
    U(-bound, bound) in float64 rounded once to float32; the same values as the Node runners'."""
    total = sum(int(np.prod(s["shape"])) for s in specs)
    u = unit(np, mulberry32(np, total, seed))
    out, at = {}, 0
    for s in specs:
        n = int(np.prod(s["shape"]))
        out[s["name"]] = ((2 * u[at:at + n] - 1) * s["bound"]).astype(np.float32).reshape(s["shape"])
        at += n
    return out


def seeded_uniform(np, n, seed):
    """lib/data.mjs's uniformF32(): n float32 values uniform in [0, 1), the same as the Node runners'."""
    return unit(np, mulberry32(np, n, seed)).astype(np.float32)


def seeded_labels(np, n, classes, seed):
    """lib/data.mjs's labelsF32() as int64 class ids: the same labels as the Node runners'."""
    return np.floor(unit(np, mulberry32(np, n, seed)) * classes).astype(np.int64)


def seeded_permutation(np, n, seed):
    """lib/data.mjs's seededPermutation(): the same Fisher-Yates permutation of 0..n-1."""
    u = unit(np, mulberry32(np, max(n - 1, 0), seed))
    order = np.arange(n)
    for k, i in enumerate(range(n - 1, 0, -1)):
        j = int(u[k] * (i + 1))
        order[i], order[j] = order[j], order[i]
    return order


def char_lm_inputs(np, c, seed_a, seed_b):
    """The char-LM workloads' inputs (W4, W6), batch-major like the Node runners' (which draw
    other values from the same seeds): float32 one-hot [batch, seq, vocab] of character ids
    drawn with seed A, and int64 labels [batch, seq] drawn with seed B."""
    shape = (c["batch"], c["seq"])
    ids = np.random.default_rng(seed_a).integers(0, c["vocab"], shape)
    x = np.eye(c["vocab"], dtype=np.float32)[ids]
    labels = np.random.default_rng(seed_b).integers(0, c["classes"], shape)
    return x, labels
