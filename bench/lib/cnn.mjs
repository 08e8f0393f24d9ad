// The convolutional networks of W3, W7, W11 and W12, described once in a neutral form that every
// runner turns into its own library's model (lib/zerodl_models.mjs, peers/torchcnn.py,
// lib/tfjs_cnn.mjs, lib/onnx.mjs), plus what the workloads derive from it: each layer's shapes,
// the parameter list (PyTorch names, shapes and default init bounds, for seeded identical
// weights), the GEMM work of a step, and a float64 forward pass (W11's reference prediction).
//
// An architecture is { inputShape: [C, H, W] (NCHW, one sample), layers: [...] } with layers
//   { kind: 'conv2d', filters, kernel, padding, activation }  square kernel, stride 1, symmetric padding
//   { kind: 'maxPool2d', pool }                                 square window, stride = pool
//   { kind: 'flatten' }                                         [C, H, W] -> [C*H*W] (CHW order)
//   { kind: 'dense', units, activation }
// activation: 'relu', 'linear', or 'softmax' on the last dense layer (trained as softmax
// cross-entropy on logits by the peers that take logits).

/** W3, W7, W11: LeNet-5 (as BENCHMARKS.md gives it: relu, max pooling) on 1x28x28. */
export const LENET5 = {
  name: 'LeNet-5',
  inputShape: [1, 28, 28],
  layers: [
    { kind: 'conv2d', filters: 6, kernel: 5, padding: 2, activation: 'relu' },
    { kind: 'maxPool2d', pool: 2 },
    { kind: 'conv2d', filters: 16, kernel: 5, padding: 0, activation: 'relu' },
    { kind: 'maxPool2d', pool: 2 },
    { kind: 'flatten' },
    { kind: 'dense', units: 120, activation: 'relu' },
    { kind: 'dense', units: 84, activation: 'relu' },
    { kind: 'dense', units: 10, activation: 'softmax' },
  ],
};

/** W12: the small CIFAR-style CNN on 3x32x32. */
export const CIFAR_CNN = {
  name: 'CIFAR CNN 32-64-128',
  inputShape: [3, 32, 32],
  layers: [
    { kind: 'conv2d', filters: 32, kernel: 3, padding: 1, activation: 'relu' },
    { kind: 'maxPool2d', pool: 2 },
    { kind: 'conv2d', filters: 64, kernel: 3, padding: 1, activation: 'relu' },
    { kind: 'maxPool2d', pool: 2 },
    { kind: 'conv2d', filters: 128, kernel: 3, padding: 1, activation: 'relu' },
    { kind: 'maxPool2d', pool: 2 },
    { kind: 'flatten' },
    { kind: 'dense', units: 10, activation: 'softmax' },
  ],
};

const prod = (xs) => xs.reduce((a, b) => a * b, 1);

/** Each layer with its input and output sample shapes ([C, H, W] or [n]); throws on a size that
 *  does not divide (the spec's rule: no silent floor). */
export function cnnShapes(arch) {
  let shape = arch.inputShape;
  return arch.layers.map((l) => {
    const input = shape;
    if (l.kind === 'conv2d') {
      const [, h, w] = shape;
      const out = (s) => s + 2 * l.padding - l.kernel + 1;
      shape = [l.filters, out(h), out(w)];
    } else if (l.kind === 'maxPool2d') {
      const [c, h, w] = shape;
      if (h % l.pool || w % l.pool) throw new Error(`maxPool2d ${l.pool} on ${h}x${w}: not a whole number of windows`);
      shape = [c, h / l.pool, w / l.pool];
    } else if (l.kind === 'flatten') {
      shape = [prod(shape)];
    } else if (l.kind === 'dense') {
      shape = [l.units];
    } else {
      throw new Error(`unknown layer kind ${l.kind}`);
    }
    return { ...l, input, output: shape };
  });
}

/**
 * The parameters in model order, [{name, shape, bound}]: PyTorch's layouts (conv weight
 * [out, in, kh, kw], dense weight [out, in]) and default init bounds (nn.Conv2d's and nn.Linear's
 * kaiming_uniform(a = sqrt(5)) and bias: U(-1/sqrt(fan_in), 1/sqrt(fan_in))), named like an
 * nn.Sequential's state_dict under zerodl's module numbering (a conv or dense layer with an
 * activation other than linear counts two modules, a pool or flatten one). The runners match
 * these to their model's parameters by order and shape, not by name.
 */
export function cnnParams(arch) {
  const params = [];
  let module = 0;
  for (const l of cnnShapes(arch)) {
    if (l.kind === 'conv2d' || l.kind === 'dense') {
      const fanIn = l.kind === 'conv2d' ? l.input[0] * l.kernel * l.kernel : l.input[0];
      const bound = 1 / Math.sqrt(fanIn);
      const wShape = l.kind === 'conv2d' ? [l.filters, l.input[0], l.kernel, l.kernel] : [l.units, l.input[0]];
      params.push({ name: `${module}.weight`, shape: wShape, bound });
      params.push({ name: `${module}.bias`, shape: [wShape[0]], bound });
      module += l.activation === 'linear' ? 1 : 2;
    } else {
      module += 1;
    }
  }
  return params;
}

/** Multiply-adds of one sample's forward pass, per layer (conv and dense only). */
function layerMacs(l) {
  if (l.kind === 'conv2d') return prod(l.output) * l.input[0] * l.kernel * l.kernel;
  if (l.kind === 'dense') return l.input[0] * l.units;
  return 0;
}

/**
 * GEMM work (FLOPs) of `batch` samples: forward products, and for a training step also their
 * weight gradients and the input gradients of every conv/dense layer but the first (nothing needs
 * d(loss)/d(x)). Elementwise work (relu, pooling, softmax, bias, update) is not counted.
 */
export function cnnFlops(arch, batch, { train }) {
  const macs = cnnShapes(arch).map(layerMacs).filter((m) => m > 0);
  const fwd = macs.reduce((a, b) => a + b, 0);
  if (!train) return 2 * batch * fwd;
  return 2 * batch * (2 * fwd + (fwd - macs[0]));
}

/** A one-line description, e.g. "conv 6@5x5 pad 2 relu, maxpool 2, ...". */
export function cnnDescription(arch) {
  return arch.layers.map((l) => {
    if (l.kind === 'conv2d') return `conv ${l.filters}@${l.kernel}x${l.kernel}${l.padding ? ` pad ${l.padding}` : ''} ${l.activation}`;
    if (l.kind === 'maxPool2d') return `maxpool ${l.pool}`;
    if (l.kind === 'flatten') return 'flatten';
    return `dense ${l.units} ${l.activation}`;
  }).join(', ');
}

/**
 * A plain float64 forward pass: x holds `batch` NCHW samples (row-major), w the parameters by
 * cnnParams() name. Returns the outputs [batch, classes] (softmax probabilities when the last
 * layer is softmax) as a Float64Array. W11's reference: a runner with a wrong layout (kernel
 * transposed, flatten order) cannot match it by chance.
 */
export function cnnForward64(arch, w, x, batch) {
  const shapes = cnnShapes(arch);
  const names = cnnParams(arch).map((p) => p.name);
  let p = 0; // next parameter pair
  let a = Float64Array.from(x);
  for (const l of shapes) {
    const inSize = prod(l.input);
    const outSize = prod(l.output);
    const out = new Float64Array(batch * outSize);
    if (l.kind === 'conv2d') {
      const wt = w[names[p]];
      const bias = w[names[p + 1]];
      p += 2;
      const [cin, hin, win] = l.input;
      const [cout, hout, wout] = l.output;
      const k = l.kernel;
      for (let n = 0; n < batch; n++) {
        for (let o = 0; o < cout; o++) {
          for (let y = 0; y < hout; y++) {
            for (let xx = 0; xx < wout; xx++) {
              let s = bias[o];
              for (let c = 0; c < cin; c++) {
                for (let i = 0; i < k; i++) {
                  const iy = y + i - l.padding;
                  if (iy < 0 || iy >= hin) continue;
                  for (let j = 0; j < k; j++) {
                    const ix = xx + j - l.padding;
                    if (ix < 0 || ix >= win) continue;
                    s += wt[((o * cin + c) * k + i) * k + j] * a[n * inSize + (c * hin + iy) * win + ix];
                  }
                }
              }
              out[n * outSize + (o * hout + y) * wout + xx] = l.activation === 'relu' ? Math.max(s, 0) : s;
            }
          }
        }
      }
    } else if (l.kind === 'maxPool2d') {
      const [c, hin, win] = l.input;
      const [, hout, wout] = l.output;
      for (let n = 0; n < batch; n++) {
        for (let ch = 0; ch < c; ch++) {
          for (let y = 0; y < hout; y++) {
            for (let xx = 0; xx < wout; xx++) {
              let m = -Infinity;
              for (let i = 0; i < l.pool; i++) {
                for (let j = 0; j < l.pool; j++) {
                  m = Math.max(m, a[n * inSize + (ch * hin + y * l.pool + i) * win + xx * l.pool + j]);
                }
              }
              out[n * outSize + (ch * hout + y) * wout + xx] = m;
            }
          }
        }
      }
    } else if (l.kind === 'flatten') {
      out.set(a);
    } else {
      const wt = w[names[p]];
      const bias = w[names[p + 1]];
      p += 2;
      for (let n = 0; n < batch; n++) {
        for (let o = 0; o < l.units; o++) {
          let s = bias[o];
          for (let i = 0; i < inSize; i++) s += wt[o * inSize + i] * a[n * inSize + i];
          out[n * outSize + o] = s;
        }
        const row = out.subarray(n * outSize, (n + 1) * outSize);
        if (l.activation === 'relu') row.forEach((v, i) => { row[i] = Math.max(v, 0); });
        if (l.activation === 'softmax') {
          const max = Math.max(...row);
          let sum = 0;
          row.forEach((v, i) => { row[i] = Math.exp(v - max); sum += row[i]; });
          row.forEach((v, i) => { row[i] = v / sum; });
        }
      }
    }
    a = out;
  }
  return a;
}
