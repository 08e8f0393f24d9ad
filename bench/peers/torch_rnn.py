"""W4 / W6 (char-LM train step, LSTM or GRU per the case's "cell") on PyTorch CPU.
Usage: python torch_rnn.py <plan-json>

Optional peer, as in W2 (`node bench/setup.mjs --with-torch`). nn.LSTM / nn.GRU(vocab, hidden,
batch_first=True) on the float32 one-hot input, nn.Linear(hidden, vocab) at every step,
CrossEntropyLoss (on logits) over all batch x seq positions, plain SGD; a step is zero_grad,
forward, loss, backward, step, plus loss.item(). run.mjs sets OMP_NUM_THREADS and
MKL_NUM_THREADS to the core count; we also call torch.set_num_threads(cores).
"""

import sys

import numpy as np

from torchrunner import sgd_cross_entropy_step, start_torch
from pyrunner import char_lm_inputs, read_plan, run_cases, time_train_steps


try:
    import torch
except ImportError:
    sys.exit("torch not installed: run node bench/setup.mjs --with-torch")

CELLS = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU}


class CharLM(torch.nn.Module):
    def __init__(self, cell, vocab, hidden):
        super().__init__()
        self.rnn = CELLS[cell](vocab, hidden, batch_first=True)
        self.out = torch.nn.Linear(hidden, vocab)

    def forward(self, x):
        h, _ = self.rnn(x)
        return self.out(h)  # logits [batch, seq, vocab]


def main():
    plan = read_plan("torch_rnn.py")
    torch = start_torch()
    seed_a, seed_b = plan["seeds"]

    def time_case(c):
        torch.manual_seed(seed_a)
        model = CharLM(c["cell"], c["vocab"], c["hidden"])
        # The same values as the NumPy runner draws.
        x, labels = char_lm_inputs(np, c, seed_a, seed_b)
        x, y = torch.from_numpy(x), torch.from_numpy(labels).reshape(-1)
        step = sgd_cross_entropy_step(torch, model, c["learningRate"], lambda: model(x).reshape(-1, c["vocab"]), y)
        return time_train_steps(step, plan["policy"])

    run_cases(plan, "torch", time_case)


if __name__ == "__main__":
    main()
