// The CNNs of lib/cnn.mjs as tf.sequential models, for the tfjs peers (peers/tfjs_cnn.mjs,
// peers/tfjs_w11.mjs). tfjs runs its convolutions channels-last (NHWC): given channelsFirst,
// tfjs-layers transposes to NHWC and back around every conv and pool, so its own format is the
// fair one. The models therefore take NHWC input (toNhwc converts the case's NCHW samples once,
// outside any timed region) and get the case's PyTorch-layout weights converted: conv kernels
// [out, in, kh, kw] -> [kh, kw, in, out], dense kernels transposed, and the first dense layer
// after flatten with its inputs reordered from CHW to HWC (what tfjs's flatten of NHWC gives).
import { cnnParams, cnnShapes } from './cnn.mjs';
import { seededParams, uniformF32 } from './data.mjs';

/** tfjs's padding name for a symmetric numeric padding of a stride-1 conv. */
function tfPadding(l) {
  if (l.padding === 0) return 'valid';
  if (2 * l.padding === l.kernel - 1) return 'same';
  throw new Error(`tfjs conv2d has no padding ${l.padding} for kernel ${l.kernel} (only valid and same)`);
}

/** NCHW samples (row-major) -> NHWC. */
export function toNhwc(x, batch, [c, h, w]) {
  const out = new Float32Array(x.length);
  for (let n = 0; n < batch; n++) {
    for (let ch = 0; ch < c; ch++) {
      for (let i = 0; i < h * w; i++) out[((n * h * w) + i) * c + ch] = x[(n * c + ch) * h * w + i];
    }
  }
  return out;
}

/** Conv kernel [out, in, kh, kw] -> [kh, kw, in, out]. */
function convKernel(wt, [out, inC, kh, kw]) {
  const t = new Float32Array(wt.length);
  for (let o = 0; o < out; o++) {
    for (let c = 0; c < inC; c++) {
      for (let i = 0; i < kh; i++) {
        for (let j = 0; j < kw; j++) t[((i * kw + j) * inC + c) * out + o] = wt[((o * inC + c) * kh + i) * kw + j];
      }
    }
  }
  return t;
}

/** Dense weight [out, in] -> kernel [in, out]; with `chw` ([C, H, W] of the flattened input) the
 *  inputs are reordered from CHW (PyTorch's flatten) to HWC (tfjs's flatten of NHWC). */
function denseKernel(wt, [out, inSize], chw) {
  const t = new Float32Array(wt.length);
  for (let o = 0; o < out; o++) {
    for (let i = 0; i < inSize; i++) {
      let r = i;
      if (chw) {
        const [c, h, w] = chw;
        const ch = Math.floor(i / (h * w));
        const hw = i % (h * w);
        r = hw * c + ch;
      }
      t[r * out + o] = wt[o * inSize + i];
    }
  }
  return t;
}

/** A tf.sequential of `arch` (NHWC input) holding the weights `w` (cnnParams names, PyTorch layouts). */
export function tfjsCnn(tf, arch, w) {
  const [c, h, wd] = arch.inputShape;
  const shapes = cnnShapes(arch);
  const layers = shapes.map((l, i) => {
    const first = i === 0 ? { inputShape: [h, wd, c] } : {};
    if (l.kind === 'conv2d') {
      return tf.layers.conv2d({ filters: l.filters, kernelSize: l.kernel, padding: tfPadding(l),
        activation: l.activation, dataFormat: 'channelsLast', ...first });
    }
    if (l.kind === 'maxPool2d') return tf.layers.maxPooling2d({ poolSize: l.pool, strides: l.pool, dataFormat: 'channelsLast', ...first });
    if (l.kind === 'flatten') return tf.layers.flatten(first);
    return tf.layers.dense({ units: l.units, activation: l.activation, ...first });
  });
  const model = tf.sequential({ layers });
  const params = cnnParams(arch);
  let p = 0;
  shapes.forEach((l, i) => {
    if (l.kind !== 'conv2d' && l.kind !== 'dense') return;
    const [wp, bp] = [params[p], params[p + 1]];
    p += 2;
    const prev = shapes[i - 1];
    const kernel = l.kind === 'conv2d'
      ? tf.tensor(convKernel(w[wp.name], wp.shape), [wp.shape[2], wp.shape[3], wp.shape[1], wp.shape[0]])
      : tf.tensor(denseKernel(w[wp.name], wp.shape, prev?.kind === 'flatten' ? prev.input : null), [wp.shape[1], wp.shape[0]]);
    const bias = tf.tensor(w[bp.name], bp.shape);
    model.layers[i].setWeights([kernel, bias]);
    kernel.dispose();
    bias.dispose();
  });
  return model;
}

/**
 * A case's model (its seeded weights in tfjs's layouts) and its seeded input batch, the zerodl
 * runner's values converted to NHWC once: { model, x, shape }.
 */
export function caseModelAndInput(tf, c) {
  const [ch, h, w] = c.arch.inputShape;
  const model = tfjsCnn(tf, c.arch, seededParams(c.params, c.weightsSeed));
  const x = toNhwc(uniformF32(c.batch * ch * h * w, c.inputSeed), c.batch, c.arch.inputShape);
  return { model, x, shape: [c.batch, h, w, ch] };
}

