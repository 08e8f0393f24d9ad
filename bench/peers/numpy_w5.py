"""W5 (LSTM predict latency, batch 1) on NumPy.
Usage: python numpy_w5.py <plan-json>

The forward pass written out in float32 NumPy with the case's weights (PyTorch's layout, gates
i, f, g, o): the input projection of all steps as one matmul, then one hidden matmul per step,
then the dense layer on the last state. One call takes the [1, seq, input] array and returns a
float. run.mjs sets OPENBLAS_NUM_THREADS to the machine's core count.
"""
import platform

import numpy as np

from pyrunner import blas_meta, emit, read_plan, run_cases, seeded_params, time_predict


def sigmoid(a):
    return 1 / (1 + np.exp(-a))


def lstm_regressor(w, hidden):
    w_ih_t, w_hh_t = w["0.weight_ih_l0"].T.copy(), w["0.weight_hh_l0"].T.copy()
    b = w["0.bias_ih_l0"] + w["0.bias_hh_l0"]
    w_out_t, b_out = w["1.weight"].T.copy(), w["1.bias"]

    def predict(x):
        xp = x[0] @ w_ih_t + b  # [seq, 4 hidden]
        h = np.zeros((1, hidden), np.float32)
        c = np.zeros((1, hidden), np.float32)
        for t in range(xp.shape[0]):
            a = h @ w_hh_t + xp[t]
            i, f, o = sigmoid(a[:, :hidden]), sigmoid(a[:, hidden:2 * hidden]), sigmoid(a[:, 3 * hidden:])
            c = f * c + i * np.tanh(a[:, 2 * hidden:3 * hidden])
            h = o * np.tanh(c)
        return float((h @ w_out_t + b_out)[0, 0])

    return predict


def main():
    plan = read_plan("numpy_w5.py")
    emit({"meta": {"impl": "numpy", "numpy": np.__version__,
                   "python": platform.python_version(), **blas_meta(np)}})

    def time_case(c):
        predict = lstm_regressor(seeded_params(np, c["params"], c["weightsSeed"]), c["hidden"])
        x = seeded_params(np, c["inputSpec"], c["inputSeed"])["x"]
        return time_predict(lambda: predict(x), c, plan["policy"])

    run_cases(plan, "numpy", time_case)


if __name__ == "__main__":
    main()
