"""W5 (LSTM predict latency, batch 1) on PyTorch CPU.
Usage: python torch_w5.py <plan-json>

Optional peer, as in W2 (`node bench/setup.mjs --with-torch`). nn.LSTM(input, hidden,
batch_first=True) + nn.Linear(hidden, 1) on the last hidden state, loaded with the case's
weights, in eval mode under torch.inference_mode(). One call: torch.from_numpy of the
[1, seq, input] array, forward, .item().
"""
import numpy as np

from torchrunner import start_torch
from pyrunner import read_plan, run_cases, seeded_params, time_predict


def main():
    plan = read_plan("torch_w5.py")
    torch = start_torch()

    class LstmRegressor(torch.nn.Module):
        def __init__(self, c):
            super().__init__()
            self.rnn = torch.nn.LSTM(c["input"], c["hidden"], batch_first=True)
            self.out = torch.nn.Linear(c["hidden"], 1)

        def forward(self, x):
            _, (h_n, _) = self.rnn(x)
            return self.out(h_n[-1])

    # The case's names are an nn.Sequential's (zerodl's); this module names them rnn.* and out.*.
    def torch_name(name):
        layer, param = name.split(".", 1)
        return f"{'rnn' if layer == '0' else 'out'}.{param}"

    def time_case(c):
        model = LstmRegressor(c).eval()
        w = seeded_params(np, c["params"], c["weightsSeed"])
        model.load_state_dict({torch_name(k): torch.from_numpy(v) for k, v in w.items()})
        x = seeded_params(np, c["inputSpec"], c["inputSeed"])["x"]

        def call():
            with torch.inference_mode():
                return model(torch.from_numpy(x)).item()

        return time_predict(call, c, plan["policy"])

    run_cases(plan, "torch", time_case)


if __name__ == "__main__":
    main()
