// W8's data: the Moby Dick text zerodl ships (data/moby-dick/), encoded over the case's
// alphabet, cut into non-overlapping windows of `seq` characters (targets: the window shifted
// by one), and each epoch's batch order. peers/charlm_text.py mirrors it for the Python peer,
// so both train on the same batches in the same order.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { ROOT } from './paths.mjs';
import { seededPermutation } from './data.mjs';

// data/moby-dick/README.md: the gzip's SHA-256 (ts/datasets/moby-dick.ts checks the same).
export const MOBY_DICK = {
  file: 'data/moby-dick/moby-dick.txt.gz',
  sha256: '46659deca663f1b8bb6a8a9f1fc3926babfb251cfaefc4a46d45ece085e8a178',
};

/** The text of a shipped gzip file (path relative to the repository), checked against its SHA-256. */
export function loadText(file, sha256) {
  const gz = readFileSync(join(ROOT, file));
  const actual = createHash('sha256').update(gz).digest('hex');
  if (actual !== sha256) throw new Error(`${file}: SHA-256 ${actual}, expected ${sha256}`);
  return gunzipSync(gz).toString('utf8');
}

/** Character ids (float32, as zerodl takes them) over `alphabet`, a string of distinct characters. */
export function encode(text, alphabet) {
  const index = new Map([...alphabet].map((ch, i) => [ch, i]));
  return Float32Array.from(text, (ch) => {
    const id = index.get(ch);
    if (id === undefined) throw new Error(`character ${JSON.stringify(ch)} is not in the case's alphabet`);
    return id;
  });
}

/** `count` windows from ids[start..]: x [count, seq] = ids[s .. s+seq), y = ids[s+1 .. s+seq+1). */
export function windows(ids, start, count, seq) {
  const x = ids.slice(start, start + count * seq);
  const y = ids.slice(start + 1, start + 1 + count * seq);
  return { x, y, count };
}

/** Epoch `epoch`'s order of the training windows: a seeded permutation, one seed per epoch. */
export const epochOrder = (c, epoch) => seededPermutation(c.trainWindows, c.orderSeed + epoch);

/** The windows order[k*batch ...] of `win` as one batch: x and y, each [batch * seq]. */
export function gatherBatch(win, order, k, batch, seq) {
  const x = new Float32Array(batch * seq);
  const y = new Float32Array(batch * seq);
  for (let b = 0; b < batch; b++) {
    const s = order[k * batch + b] * seq;
    x.set(win.x.subarray(s, s + seq), b * seq);
    y.set(win.y.subarray(s, s + seq), b * seq);
  }
  return { x, y };
}
