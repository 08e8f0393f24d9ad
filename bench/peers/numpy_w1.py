"""W1 (GEMM) on NumPy. Usage: python numpy_w1.py <plan-json>

run.mjs sets OPENBLAS_NUM_THREADS to the machine's core count before starting us.
The rep loop (pyrunner.time_reps) mirrors timeReps() in bench/lib/timing.mjs.
"""
import platform

import numpy as np

from pyrunner import blas_meta, emit, read_plan, run_cases, time_reps


def main():
    plan = read_plan("numpy_w1.py")
    emit({"meta": {"impl": "numpy", "numpy": np.__version__,
                   "python": platform.python_version(), **blas_meta(np)}})
    seed_a, seed_b = plan["seeds"]

    def time_case(c):
        a = np.random.default_rng(seed_a).standard_normal((c["m"], c["k"]), dtype=np.float32)
        b = np.random.default_rng(seed_b).standard_normal((c["k"], c["n"]), dtype=np.float32)
        return time_reps(lambda: a @ b, **plan["policy"])

    run_cases(plan, "numpy", time_case)


if __name__ == "__main__":
    main()
