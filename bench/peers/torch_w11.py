"""W11 (LeNet-5 predict latency, batch 1 and 64) on PyTorch CPU.
Usage: python torch_w11.py <plan-json>

Optional peer, as in W2 (`node bench/setup.mjs --with-torch`). The nn.Sequential of
peers/torchcnn.py with its final nn.Softmax (the other implementations output probabilities too),
loaded with the case's weights, in eval mode under torch.inference_mode(). One call:
torch.from_numpy of the [batch, 1, 28, 28] array, forward, .numpy() of the output.
"""
import numpy as np

from torchrunner import start_torch
from torchcnn import cnn_sequential, load_cnn_params
from pyrunner import read_plan, run_cases, seeded_params, seeded_uniform, time_predict


def main():
    plan = read_plan("torch_w11.py")
    torch = start_torch()

    def time_case(c):
        model = cnn_sequential(torch, c["arch"], softmax=True).eval()
        load_cnn_params(torch, model, c["params"], seeded_params(np, c["params"], c["weightsSeed"]))
        shape = [c["batch"], *c["arch"]["inputShape"]]
        x = seeded_uniform(np, int(np.prod(shape)), c["inputSeed"]).reshape(shape)

        def call():
            with torch.inference_mode():
                return model(torch.from_numpy(x)).numpy().reshape(-1)

        return time_predict(call, c, plan["policy"])

    run_cases(plan, "torch", time_case)


if __name__ == "__main__":
    main()
