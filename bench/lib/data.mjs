// Seeded random inputs for the Node runners (zerodl and tfjs draw the same values).
// mulberry32: a tiny 32-bit PRNG (uint32 per call), plenty for benchmark inputs, identical on every machine.

function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

// The top 24 bits as a float in [0, 1): exact in float32, so it never rounds up to 1.
const unit = (u32) => (u32 >>> 8) / 16777216;

/** n float32 values uniform in [0, 1). */
export function uniformF32(n, seed) {
  const next = mulberry32(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = unit(next());
  return out;
}

/** n integer class labels uniform in 0..classes-1, as float32 (what the models take). */
export function labelsF32(n, classes, seed) {
  const next = mulberry32(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.floor(unit(next()) * classes);
  return out;
}

/** One-hot float32 [n, classes] of n class ids (e.g. from labelsF32). */
export function oneHotF32(ids, classes) {
  const out = new Float32Array(ids.length * classes);
  ids.forEach((id, i) => { out[i * classes + id] = 1; });
  return out;
}

/**
 * Parameters drawn from one mulberry32 stream (seed), tensor after tensor in the order of
 * `specs` ([{name, shape, bound}]): each value U(-bound, bound), computed in float64 and rounded
 * once to float32. peers/pyrunner.py's seeded_params() draws the very same values, so runners in
 * either language can hold identical weights (W5's cross-check, W8's identical start).
 * Returns {name: Float32Array} in spec order.
 */
export function seededParams(specs, seed) {
  const next = mulberry32(seed);
  const out = {};
  for (const { name, shape, bound } of specs) {
    const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
    for (let i = 0; i < data.length; i++) data[i] = (2 * unit(next()) - 1) * bound;
    out[name] = data;
  }
  return out;
}

/** A seeded Fisher-Yates permutation of 0..n-1 (pyrunner.py's seeded_permutation() matches it). */
export function seededPermutation(n, seed) {
  const next = mulberry32(seed);
  const order = Uint32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(unit(next()) * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}
