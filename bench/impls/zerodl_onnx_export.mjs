// W11's ONNX model as zerodl exports it, for the onnxruntime peer (peers/ort_w11.mjs), which runs
// this in a child process so zerodl's native library never shares a process with onnxruntime.
// Usage: node zerodl_onnx_export.mjs <case-json>   writes model.toOnnx() bytes to stdout
// The case's CNN with the case's seeded weights (the same model as impls/zerodl_w11.mjs times).
import { loadZerodl } from '../lib/zerodl.mjs';
import { seededCnn } from '../lib/zerodl_models.mjs';

const c = JSON.parse(process.argv[2]);
const { zd } = loadZerodl();
const model = seededCnn(zd, c);
process.stdout.write(model.toOnnx());
