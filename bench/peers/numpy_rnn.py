"""W4 / W6 (char-LM train step, LSTM or GRU per the case's "cell") on NumPy.
Usage: python numpy_rnn.py <plan-json>
       python numpy_rnn.py --gradcheck   # backward vs central differences (float64, small sizes)

The model written out in float32 NumPy, PyTorch's formulations and parameter layout:
LSTM gates i, f, g, o; GRU gates r, z, n with the reset applied after the hidden product
(n = tanh(W_in x + b_in + r * (W_hn h + b_hn))). Weights U(-1/sqrt(hidden), 1/sqrt(hidden)),
the output layer's Glorot-uniform with zero bias. Forward: the input projection of all steps as
one matmul, then one hidden matmul per step; dense + numerically stable softmax cross-entropy
(mean over all batch x seq positions) on all steps at once. Backward through time: one matmul
per step for d(loss)/d(h), then the weight gradients of all steps as one matmul each. Plain SGD
in place. Time-major inside ([seq, batch, ...]); the one-hot input is transposed once, outside
the timed region. run.mjs sets OPENBLAS_NUM_THREADS to the machine's core count.
"""
import platform
import sys

import numpy as np

from pyrunner import blas_meta, char_lm_inputs, emit, read_plan, run_cases, time_train_steps

GATES = {"lstm": 4, "gru": 3}


def sigmoid(a):
    np.negative(a, out=a)
    np.exp(a, out=a)
    a += 1
    np.reciprocal(a, out=a)
    return a


class CharRNN:
    def __init__(self, cell, vocab, hidden, seed, dtype=np.float32):
        rng = np.random.default_rng(seed)
        g = GATES[cell] * hidden
        k = 1 / np.sqrt(hidden)
        lim = np.sqrt(6.0 / (hidden + vocab))
        u = lambda limit, shape: rng.uniform(-limit, limit, shape).astype(dtype)  # noqa: E731
        self.cell, self.hidden = cell, hidden
        self.p = {"w_ih": u(k, (g, vocab)), "w_hh": u(k, (g, hidden)), "b_ih": u(k, g), "b_hh": u(k, g),
                  "w_out": u(lim, (vocab, hidden)), "b_out": np.zeros(vocab, dtype)}

    def loss_and_grads(self, x, labels):
        """x: one-hot [seq, batch, vocab]; labels: [seq, batch]. Mean cross-entropy and its
        gradient for every parameter."""
        t_len, n, vocab = x.shape
        h_dim, p = self.hidden, self.p
        xs = x.reshape(t_len * n, vocab)
        xp = (xs @ p["w_ih"].T).reshape(t_len, n, -1)
        hs = np.zeros((t_len + 1, n, h_dim), x.dtype)  # hs[t + 1]: hidden state after step t
        fwd = self._lstm_forward if self.cell == "lstm" else self._gru_forward
        cache = fwd(xp, hs)
        # Dense + softmax cross-entropy over every step at once.
        hflat = hs[1:].reshape(t_len * n, h_dim)
        logits = hflat @ p["w_out"].T
        logits += p["b_out"]
        logits -= logits.max(axis=1, keepdims=True)
        np.exp(logits, out=logits)
        probs = logits
        probs /= probs.sum(axis=1, keepdims=True)
        rows, lab = np.arange(t_len * n), labels.reshape(-1)
        loss = -np.log(probs[rows, lab]).mean()
        dlog = probs
        dlog[rows, lab] -= 1
        dlog /= t_len * n
        grads = {"w_out": dlog.T @ hflat, "b_out": dlog.sum(axis=0)}
        dhs = (dlog @ p["w_out"]).reshape(t_len, n, h_dim)
        bwd = self._lstm_backward if self.cell == "lstm" else self._gru_backward
        dxp, dhp = bwd(dhs, hs, cache)
        dxp2 = dxp.reshape(t_len * n, -1)
        dhp2 = dhp.reshape(t_len * n, -1)
        grads.update(w_ih=dxp2.T @ xs, b_ih=dxp2.sum(axis=0),
                     w_hh=dhp2.T @ hs[:-1].reshape(t_len * n, h_dim), b_hh=dhp2.sum(axis=0))
        return float(loss), grads

    def train_step(self, x, labels, lr):
        """One SGD step; returns the mean cross-entropy before the update."""
        loss, grads = self.loss_and_grads(x, labels)
        for name, g in grads.items():
            g *= lr
            self.p[name] -= g
        return loss

    # LSTM: a = W_ih x + b_ih + W_hh h + b_hh; i, f, o = sigmoid, g = tanh;
    # c' = f c + i g; h' = o tanh(c').
    def _lstm_forward(self, xp, hs):
        h, p = self.hidden, self.p
        xp += p["b_ih"] + p["b_hh"]
        gates = np.empty_like(xp)  # activated i, f, g, o
        cs = np.zeros_like(hs)
        tcs = np.empty_like(hs[1:])
        for t in range(xp.shape[0]):
            a = gates[t]
            np.matmul(hs[t], p["w_hh"].T, out=a)
            a += xp[t]
            sigmoid(a[:, :2 * h])
            np.tanh(a[:, 2 * h:3 * h], out=a[:, 2 * h:3 * h])
            sigmoid(a[:, 3 * h:])
            i, f, g, o = a[:, :h], a[:, h:2 * h], a[:, 2 * h:3 * h], a[:, 3 * h:]
            np.multiply(f, cs[t], out=cs[t + 1])
            cs[t + 1] += i * g
            np.tanh(cs[t + 1], out=tcs[t])
            np.multiply(o, tcs[t], out=hs[t + 1])
        return gates, cs, tcs

    def _lstm_backward(self, dhs, hs, cache):
        gates, cs, tcs = cache
        h, w_hh = self.hidden, self.p["w_hh"]
        da = np.empty_like(gates)
        dh = np.zeros_like(dhs[0])
        dc = np.zeros_like(dh)
        for t in range(dhs.shape[0] - 1, -1, -1):
            dh += dhs[t]
            i, f, g, o = (gates[t][:, k * h:(k + 1) * h] for k in range(4))
            tc = tcs[t]
            d = da[t]
            np.multiply(dh, tc, out=d[:, 3 * h:])  # d o
            d[:, 3 * h:] *= o * (1 - o)
            dc += dh * o * (1 - tc * tc)
            np.multiply(dc, g * i * (1 - i), out=d[:, :h])  # d i
            np.multiply(dc, cs[t] * f * (1 - f), out=d[:, h:2 * h])  # d f
            np.multiply(dc, i * (1 - g * g), out=d[:, 2 * h:3 * h])  # d g
            dc *= f
            if t:
                np.matmul(d, w_hh, out=dh)
        return da, da  # d(input projection) = d(hidden product) = d(gate pre-activations)

    # GRU: r, z = sigmoid(W_i{r,z} x + b_i{r,z} + W_h{r,z} h + b_h{r,z});
    # n = tanh(W_in x + b_in + r (W_hn h + b_hn)); h' = (1 - z) n + z h.
    def _gru_forward(self, xp, hs):
        h, p = self.hidden, self.p
        xp += p["b_ih"]
        hp = np.empty_like(xp)  # hidden products + b_hh
        rzn = np.empty_like(xp)  # activated r, z, n
        for t in range(xp.shape[0]):
            np.matmul(hs[t], p["w_hh"].T, out=hp[t])
            hp[t] += p["b_hh"]
            a = rzn[t]
            np.add(xp[t][:, :2 * h], hp[t][:, :2 * h], out=a[:, :2 * h])
            sigmoid(a[:, :2 * h])
            r, z, n = a[:, :h], a[:, h:2 * h], a[:, 2 * h:]
            np.multiply(r, hp[t][:, 2 * h:], out=n)
            n += xp[t][:, 2 * h:]
            np.tanh(n, out=n)
            np.subtract(hs[t], n, out=hs[t + 1])
            hs[t + 1] *= z
            hs[t + 1] += n
        return rzn, hp

    def _gru_backward(self, dhs, hs, cache):
        rzn, hp = cache
        h, w_hh = self.hidden, self.p["w_hh"]
        dxp = np.empty_like(rzn)
        dhp = np.empty_like(rzn)
        dh = np.zeros_like(dhs[0])
        for t in range(dhs.shape[0] - 1, -1, -1):
            dh += dhs[t]
            r, z, n = rzn[t][:, :h], rzn[t][:, h:2 * h], rzn[t][:, 2 * h:]
            dx, dp = dxp[t], dhp[t]
            dan = dx[:, 2 * h:]
            np.multiply(dh, (1 - z) * (1 - n * n), out=dan)  # d n pre-activation
            np.multiply(dan, r, out=dp[:, 2 * h:])
            np.multiply(dan, hp[t][:, 2 * h:] * r * (1 - r), out=dx[:, :h])  # d r pre-activation
            np.multiply(dh, (hs[t] - n) * z * (1 - z), out=dx[:, h:2 * h])  # d z pre-activation
            dp[:, :2 * h] = dx[:, :2 * h]
            if t:
                dh *= z
                dh += dp @ w_hh
        return dxp, dhp


def gradcheck():
    """Backward against central differences in float64 on a small model; exits 1 on failure."""
    ok = True
    for cell in GATES:
        c = {"vocab": 7, "hidden": 5, "seq": 4, "batch": 3, "classes": 7}
        x, labels = char_lm_inputs(np, c, 1, 2)
        x, labels = x.astype(np.float64).transpose(1, 0, 2).copy(), labels.T.copy()
        model = CharRNN(cell, c["vocab"], c["hidden"], 3, np.float64)
        _, grads = model.loss_and_grads(x, labels)
        worst = 0.0
        for name, w in model.p.items():
            num = np.zeros_like(w)
            for idx in np.ndindex(w.shape):
                old = w[idx]
                w[idx] = old + 1e-6
                up = model.loss_and_grads(x, labels)[0]
                w[idx] = old - 1e-6
                down = model.loss_and_grads(x, labels)[0]
                w[idx] = old
                num[idx] = (up - down) / 2e-6
            err = np.abs(num - grads[name]).max() / max(np.abs(num).max(), 1e-8)
            worst = max(worst, err)
        print(f"{cell}: max relative gradient error {worst:.2e}")
        ok &= worst < 1e-6
    sys.exit(0 if ok else 1)


def main():
    if sys.argv[1:] == ["--gradcheck"]:
        gradcheck()
    plan = read_plan("numpy_rnn.py")
    emit({"meta": {"impl": "numpy", "numpy": np.__version__,
                   "python": platform.python_version(), **blas_meta(np)}})
    seed_a, seed_b = plan["seeds"]

    def time_case(c):
        model = CharRNN(c["cell"], c["vocab"], c["hidden"], seed_a)
        x, labels = char_lm_inputs(np, c, seed_a, seed_b)
        x, labels = np.ascontiguousarray(x.transpose(1, 0, 2)), np.ascontiguousarray(labels.T)
        lr = np.float32(c["learningRate"])
        return time_train_steps(lambda: model.train_step(x, labels, lr), plan["policy"])

    run_cases(plan, "numpy", time_case)


if __name__ == "__main__":
    main()
