"""W2 (MLP train step) on NumPy. Usage: python numpy_w2.py <plan-json>

The MLP written out in float32 NumPy, vectorised over the batch: forward (X @ W.T + b,
relu, numerically stable softmax cross-entropy), backward, plain SGD update in place.
Weights are [out, in] like PyTorch's Linear, Glorot-uniform initialised, biases zero.
run.mjs sets OPENBLAS_NUM_THREADS to the machine's core count before starting us.
"""
import platform

import numpy as np

from pyrunner import blas_meta, emit, read_plan, run_cases, time_train_steps


class MLP:
    def __init__(self, units, seed):
        rng = np.random.default_rng(seed)
        self.params = []
        for fan_in, fan_out in zip(units[:-1], units[1:]):
            limit = np.sqrt(6.0 / (fan_in + fan_out))
            w = rng.uniform(-limit, limit, (fan_out, fan_in)).astype(np.float32)
            self.params.append((w, np.zeros(fan_out, np.float32)))

    def train_step(self, x, labels, lr):
        """One SGD step on (x, labels); returns the mean cross-entropy before the update."""
        n = x.shape[0]
        # Forward: keep each layer's input for the weight gradients.
        acts = [x]
        for i, (w, b) in enumerate(self.params):
            h = acts[-1] @ w.T
            h += b
            if i < len(self.params) - 1:
                np.maximum(h, 0, out=h)
            acts.append(h)
        logits = acts.pop()
        logits -= logits.max(axis=1, keepdims=True)
        np.exp(logits, out=logits)
        probs = logits
        probs /= probs.sum(axis=1, keepdims=True)
        rows = np.arange(n)
        loss = -np.log(probs[rows, labels]).mean()
        # Backward: d(loss)/d(logits) = (softmax - onehot) / n.
        grad = probs
        grad[rows, labels] -= 1
        grad /= n
        for i in range(len(self.params) - 1, -1, -1):
            w, b = self.params[i]
            a = acts[i]
            dw = grad.T @ a
            db = grad.sum(axis=0)
            if i > 0:
                grad = grad @ w
                grad *= a > 0  # relu'(h) from its output: a = relu(h) > 0 iff h > 0
            w -= lr * dw
            b -= lr * db
        return float(loss)


def main():
    plan = read_plan("numpy_w2.py")
    emit({"meta": {"impl": "numpy", "numpy": np.__version__,
                   "python": platform.python_version(), **blas_meta(np)}})
    seed_a, seed_b = plan["seeds"]

    def time_case(c):
        units, n = c["units"], c["batch"]
        model = MLP(units, seed_a)
        x = np.random.default_rng(seed_a).random((n, units[0]), dtype=np.float32)
        labels = np.random.default_rng(seed_b).integers(0, c["classes"], n)
        lr = np.float32(c["learningRate"])
        return time_train_steps(lambda: model.train_step(x, labels, lr), plan["policy"])

    run_cases(plan, "numpy", time_case)


if __name__ == "__main__":
    main()
