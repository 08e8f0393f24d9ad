// A plain float64 LSTM + dense forward pass (PyTorch's formulation, gates i, f, g, o), the
// reference that every W5 runner's prediction must match before it is timed: a runner with
// the wrong weights layout or gate order cannot get within the tolerance by chance.

const sigmoid = (a) => 1 / (1 + Math.exp(-a));

/**
 * x: [seq * input] (one sample), w: {'0.weight_ih_l0', '0.weight_hh_l0', '0.bias_ih_l0',
 * '0.bias_hh_l0', '1.weight', '1.bias'} as PyTorch lays them out. Returns the dense layer's
 * outputs (float64) on the last hidden state.
 */
export function lstmDenseForward(x, w, { seq, input, hidden }) {
  const wih = w['0.weight_ih_l0'];
  const whh = w['0.weight_hh_l0'];
  const b = Float64Array.from(w['0.bias_ih_l0'], (v, j) => v + w['0.bias_hh_l0'][j]);
  let h = new Float64Array(hidden);
  const c = new Float64Array(hidden);
  const a = new Float64Array(4 * hidden);
  for (let t = 0; t < seq; t++) {
    for (let j = 0; j < 4 * hidden; j++) {
      let s = b[j];
      for (let k = 0; k < input; k++) s += wih[j * input + k] * x[t * input + k];
      for (let k = 0; k < hidden; k++) s += whh[j * hidden + k] * h[k];
      a[j] = s;
    }
    const next = new Float64Array(hidden);
    for (let k = 0; k < hidden; k++) {
      const i = sigmoid(a[k]);
      const f = sigmoid(a[hidden + k]);
      const g = Math.tanh(a[2 * hidden + k]);
      const o = sigmoid(a[3 * hidden + k]);
      c[k] = f * c[k] + i * g;
      next[k] = o * Math.tanh(c[k]);
    }
    h = next;
  }
  const out = w['1.bias'].length;
  return Array.from({ length: out }, (_, j) => {
    let s = w['1.bias'][j];
    for (let k = 0; k < hidden; k++) s += w['1.weight'][j * hidden + k] * h[k];
    return s;
  });
}
