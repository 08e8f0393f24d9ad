"""Shared pieces for the Python peer runners (peers/*_w*.py, peers/*_rnn.py): read the plan,
time a case, print JSON lines, draw the char-LM inputs. Mirrors timeReps() and runCases() in bench/lib/timing.mjs; keep them in step.
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


def char_lm_inputs(np, c, seed_a, seed_b):
    """The char-LM workloads' inputs (W4, W6), batch-major like the Node runners' (which draw
    other values from the same seeds): float32 one-hot [batch, seq, vocab] of character ids
    drawn with seed A, and int64 labels [batch, seq] drawn with seed B."""
    shape = (c["batch"], c["seq"])
    ids = np.random.default_rng(seed_a).integers(0, c["vocab"], shape)
    x = np.eye(c["vocab"], dtype=np.float32)[ids]
    labels = np.random.default_rng(seed_b).integers(0, c["classes"], shape)
    return x, labels
