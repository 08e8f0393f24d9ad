"""The CNNs of bench/lib/cnn.mjs (W3, W7, W11, W12) as torch nn.Sequential models, built from the
case's neutral description (`arch`) and loaded with the case's seeded weights (PyTorch layouts,
matched to the model's parameters by order and shape, as the Node runners match them)."""


def cnn_sequential(torch, arch, softmax):
    """nn.Sequential of the architecture. The last layer's softmax is left out unless `softmax`:
    training takes logits (CrossEntropyLoss is log-softmax + NLL in one), inference outputs
    probabilities like the other implementations."""
    nn = torch.nn
    modules = []
    channels = arch["inputShape"][0]
    features = None
    shape = list(arch["inputShape"])
    for layer in arch["layers"]:
        kind = layer["kind"]
        if kind == "conv2d":
            modules.append(nn.Conv2d(channels, layer["filters"], layer["kernel"], padding=layer["padding"]))
            channels = layer["filters"]
            grow = 2 * layer["padding"] - layer["kernel"] + 1  # stride 1: out = in + 2 pad - kernel + 1
            shape = [channels, shape[1] + grow, shape[2] + grow]
        elif kind == "maxPool2d":
            modules.append(nn.MaxPool2d(layer["pool"]))
            shape = [shape[0], shape[1] // layer["pool"], shape[2] // layer["pool"]]
        elif kind == "flatten":
            modules.append(nn.Flatten())
            features = shape[0] * shape[1] * shape[2]
        elif kind == "dense":
            modules.append(nn.Linear(features, layer["units"]))
            features = layer["units"]
        else:
            raise ValueError(f"unknown layer kind {kind}")
        activation = layer.get("activation", "linear")
        if activation == "relu":
            modules.append(nn.ReLU())
        elif activation == "softmax" and softmax:
            modules.append(nn.Softmax(dim=1))
    return nn.Sequential(*modules)


def load_cnn_params(torch, model, params, values):
    """Copies `values` ({name: float32 array}, in the case's `params` order) into the model's
    parameters, pairing them by order and checking each shape."""
    own = list(model.parameters())
    if len(own) != len(params):
        raise ValueError(f"model has {len(own)} parameters, the case {len(params)}")
    with torch.no_grad():
        for p, spec in zip(own, params):
            if list(p.shape) != list(spec["shape"]):
                raise ValueError(f"parameter {spec['name']}: model shape {list(p.shape)}, case {spec['shape']}")
            p.copy_(torch.from_numpy(values[spec["name"]]))
