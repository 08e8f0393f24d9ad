"""W3 / W12 (CNN train step, the network per the case's "arch") on PyTorch CPU.
Usage: python torch_cnn.py <plan-json>

Optional peer, as in W2 (`node bench/setup.mjs --with-torch`). nn.Sequential of Conv2d / ReLU /
MaxPool2d / Flatten / Linear (peers/torchcnn.py) on NCHW float32 input, loaded with the case's
weights, CrossEntropyLoss on the logits, plain SGD; a step is zero_grad, forward, loss, backward,
step, plus loss.item(). The inputs are the Node runners' values (seeded_uniform, seeded_labels).
run.mjs sets OMP_NUM_THREADS and MKL_NUM_THREADS to the core count; we also call
torch.set_num_threads(cores).
"""
import numpy as np

from torchrunner import sgd_cross_entropy_step, start_torch
from torchcnn import cnn_sequential, load_cnn_params
from pyrunner import read_plan, run_cases, seeded_labels, seeded_params, seeded_uniform, time_train_steps


def main():
    plan = read_plan("torch_cnn.py")
    torch = start_torch()

    def time_case(c):
        arch, n = c["arch"], c["batch"]
        model = cnn_sequential(torch, arch, softmax=False)  # logits: CrossEntropyLoss applies the softmax
        load_cnn_params(torch, model, c["params"], seeded_params(np, c["params"], c["weightsSeed"]))
        shape = [n, *arch["inputShape"]]
        x = torch.from_numpy(seeded_uniform(np, int(np.prod(shape)), c["inputSeed"]).reshape(shape))
        y = torch.from_numpy(seeded_labels(np, n, c["classes"], c["labelsSeed"]))
        step = sgd_cross_entropy_step(torch, model, c["learningRate"], lambda: model(x), y)
        return time_train_steps(step, plan["policy"])

    run_cases(plan, "torch", time_case)


if __name__ == "__main__":
    main()
