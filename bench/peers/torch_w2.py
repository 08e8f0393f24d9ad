"""W2 (MLP train step) on PyTorch CPU. Usage: python torch_w2.py <plan-json>

Optional peer: `node bench/setup.mjs --with-torch` installs it (PyPI's torch is the CUDA
build, ~3 GB of wheels); run.mjs reports it unavailable until then. nn.Sequential of
Linear/ReLU + CrossEntropyLoss (on logits: log-softmax and NLL in one) + plain SGD; a step
is zero_grad, forward, loss, backward, step, plus loss.item() as a training loop logs it.
run.mjs sets OMP_NUM_THREADS and MKL_NUM_THREADS to the core count; we also call
torch.set_num_threads(cores).
"""

import numpy as np

from torchrunner import sgd_cross_entropy_step, start_torch
from pyrunner import read_plan, run_cases, time_train_steps


def main():
    plan = read_plan("torch_w2.py")
    torch = start_torch()
    seed_a, seed_b = plan["seeds"]

    def time_case(c):
        units, n = c["units"], c["batch"]
        torch.manual_seed(seed_a)
        layers = []
        for fan_in, fan_out in zip(units[:-1], units[1:]):
            layers += [torch.nn.Linear(fan_in, fan_out), torch.nn.ReLU()]
        model = torch.nn.Sequential(*layers[:-1])  # no relu after the last layer: logits
        # The same values as the NumPy runner draws.
        x = torch.from_numpy(np.random.default_rng(seed_a).random((n, units[0]), dtype=np.float32))
        y = torch.from_numpy(np.random.default_rng(seed_b).integers(0, c["classes"], n))
        step = sgd_cross_entropy_step(torch, model, c["learningRate"], lambda: model(x), y)
        return time_train_steps(step, plan["policy"])

    run_cases(plan, "torch", time_case)


if __name__ == "__main__":
    main()
