"""What the PyTorch runners share: importing torch (an optional peer), using every CPU the other
implementations use, and reporting the build."""
import os
import platform
import sys

from pyrunner import emit


def start_torch():
    """Imports torch (exiting with a hint if it is missing), sets its threads, emits its meta."""
    try:
        import torch
    except ImportError:
        sys.exit("torch not installed: run node bench/setup.mjs --with-torch")
    # The CPUs we may run on, as Node's os.availableParallelism() counts them for the others.
    torch.set_num_threads(len(os.sched_getaffinity(0)))
    emit({"meta": {"impl": "torch", "torch": torch.__version__, "python": platform.python_version(),
                   "threads": torch.get_num_threads(), "cpu": torch.backends.cpu.get_cpu_capability(),
                   "mkl": torch.backends.mkl.is_available(),
                   "mkldnn": torch.backends.mkldnn.is_available()}})
    return torch


def sgd_cross_entropy_step(torch, model, lr, logits_of, labels):
    """One training step as a loop runs it (W2, W4, W6): zero_grad, forward (`logits_of()`),
    cross-entropy on logits, backward, SGD update, and loss.item() as a loop logs it."""
    loss_fn = torch.nn.CrossEntropyLoss()
    opt = torch.optim.SGD(model.parameters(), lr=lr)

    def step():
        opt.zero_grad()
        loss = loss_fn(logits_of(), labels)
        loss.backward()
        opt.step()
        return loss.item()

    return step
