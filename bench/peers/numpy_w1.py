"""W1 (GEMM) on NumPy. Usage: python numpy_w1.py <plan-json>

run.mjs sets OPENBLAS_NUM_THREADS to the machine's core count before starting us.
The rep loop mirrors timeReps() in bench/lib/timing.mjs; keep the two in step.
"""
import json
import platform
import sys
import time

import numpy as np


def blas_meta():
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


# Keyword names match the plan's "policy" keys (shared with the Node runners).
def time_reps(fn, warmup, minReps, maxReps, targetMs):  # noqa: N803
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


def emit(obj):
    print(json.dumps(obj), flush=True)


def main():
    if len(sys.argv) < 2:
        sys.exit("usage: numpy_w1.py <plan-json>  (normally started by bench/run.mjs)")
    plan = json.loads(sys.argv[1])
    emit({"meta": {"impl": "numpy", "numpy": np.__version__,
                   "python": platform.python_version(), **blas_meta()}})
    seed_a, seed_b = plan["seeds"]
    for c in plan["cases"]:
        fields = {k: v for k, v in c.items() if k not in ("id", "label")}
        head = {"workload": plan["workload"], "impl": "numpy", "case": c["id"], **fields}
        try:
            a = np.random.default_rng(seed_a).standard_normal((c["m"], c["k"]), dtype=np.float32)
            b = np.random.default_rng(seed_b).standard_normal((c["k"], c["n"]), dtype=np.float32)
            emit({**head, "times_ms": time_reps(lambda: a @ b, **plan["policy"])})
        except Exception as e:  # report the case as failed, keep measuring the others
            emit({**head, "error": f"{type(e).__name__}: {e}"})


if __name__ == "__main__":
    main()
