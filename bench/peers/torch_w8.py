"""W8 (char LM end to end: 2-layer LSTM, Moby Dick, a wall budget) on PyTorch CPU.
Usage: python torch_w8.py <plan-json>

Optional peer, as in W2 (`node bench/setup.mjs --with-torch`). nn.Embedding -> nn.LSTM(num_layers=2,
batch_first=True) -> nn.Linear, CrossEntropyLoss (on logits) over every batch x seq position,
torch.optim.Adam and clip_grad_norm_ with the case's settings, loaded with the case's weights
(the same values as zerodl's). A step is zero_grad, forward, loss, backward, clip, step, plus
loss.item(), on the case's batches in the case's order until the budget has passed; then the mean
cross-entropy over the validation windows under torch.no_grad(), outside the budget.
"""
import math
import time

import numpy as np

from torchrunner import start_torch
from pyrunner import read_plan, run_cases, seeded_params
from charlm_text import encode, epoch_order, load_text, windows


def torch_name(name):
    """The case's names (zerodl's nn.Sequential ones) -> this module's: layers 1 and 2 (two LSTMs)
    are layers 0 and 1 of one 2-layer nn.LSTM."""
    layer, param = name.split(".", 1)
    if layer == "0":
        return f"embed.{param}"
    if layer in ("1", "2"):
        return f"rnn.{param[:-1]}{int(layer) - 1}"  # weight_ih_l0 -> weight_ih_l0 / _l1
    return f"out.{param}"


def train_for(budget_s, step):
    """Trains until budget_s has passed; per-step times (ms) and every step's loss."""
    times, losses = [], []
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < budget_s:
        s = time.perf_counter()
        losses.append(step(len(times)))
        times.append((time.perf_counter() - s) * 1000)
    return times, losses, time.perf_counter() - t0


def main():
    plan = read_plan("torch_w8.py")
    torch = start_torch()

    class CharLM(torch.nn.Module):
        def __init__(self, c):
            super().__init__()
            self.embed = torch.nn.Embedding(c["vocab"], c["embed"])
            self.rnn = torch.nn.LSTM(c["embed"], c["hidden"], num_layers=2, batch_first=True)
            self.out = torch.nn.Linear(c["hidden"], c["vocab"])

        def forward(self, x):
            h, _ = self.rnn(self.embed(x))
            return self.out(h)  # logits [batch, seq, vocab]

    def time_case(c):
        text = load_text(c["textFile"], c["textSha256"])
        if len(text) != c["chars"]:
            raise ValueError(f"text has {len(text)} characters, the case {c['chars']}")
        ids = encode(np, text, c["alphabet"])
        train_x, train_y = (torch.from_numpy(a) for a in windows(ids, 0, c["trainWindows"], c["seq"]))
        val_x, val_y = (torch.from_numpy(a) for a in windows(ids, c["split"], c["valWindows"], c["seq"]))

        model = CharLM(c)
        w = seeded_params(np, c["params"], c["weightsSeed"])
        model.load_state_dict({torch_name(k): torch.from_numpy(v) for k, v in w.items()})
        loss_fn = torch.nn.CrossEntropyLoss()
        opt = torch.optim.Adam(model.parameters(), lr=c["learningRate"], betas=(c["beta1"], c["beta2"]),
                               eps=c["epsilon"])
        per_epoch = c["trainWindows"] // c["batch"]
        order = None

        def step(k):
            nonlocal order
            if k % per_epoch == 0:
                order = torch.from_numpy(epoch_order(np, c, k // per_epoch))
            rows = order[(k % per_epoch) * c["batch"]:(k % per_epoch + 1) * c["batch"]]
            opt.zero_grad()
            loss = loss_fn(model(train_x[rows]).reshape(-1, c["vocab"]), train_y[rows].reshape(-1))
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), c["clipNorm"])
            opt.step()
            return loss.item()

        times, losses, seconds = train_for(c["budgetS"], step)
        if not math.isfinite(losses[-1]):
            raise FloatingPointError(f"loss is {losses[-1]} after {len(losses)} steps")

        t = time.perf_counter()
        total = 0.0
        with torch.no_grad():
            for s in range(0, c["valWindows"], c["batch"]):
                logits = model(val_x[s:s + c["batch"]])
                total += torch.nn.functional.cross_entropy(logits.reshape(-1, c["vocab"]),
                                                           val_y[s:s + c["batch"]].reshape(-1), reduction="sum").item()
        return {"times_ms": times, "steps": len(times), "train_s": seconds, "steps_per_s": len(times) / seconds,
                "loss_first": losses[0], "loss_last": losses[-1], "loss_every_10": losses[::10],
                "val_loss": total / (c["valWindows"] * c["seq"]), "eval_s": time.perf_counter() - t}

    run_cases(plan, "torch", time_case)


if __name__ == "__main__":
    main()
