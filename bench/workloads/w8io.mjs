// W8IO: saving and loading the W8 model (embedding 32, 2-layer LSTM 256, dense vocab; ~0.85 M
// parameters): `await model.save(path)` (a safetensors model file, written atomically: temporary
// file, fsync, rename) and `await zd.loadModel(path)` (read, checked whole, rebuilt compiled), each
// without and with the Adam optimizer's state (`includeOptimizer`, after one training step so the
// moments exist). Every runner checks once, untimed, that the loaded model has the saved one's
// weights bit for bit and predicts the same. BENCHMARKS.md sets no target; the table gives the
// times and the file sizes.
import { zerodlImpl } from '../lib/impls.mjs';
import w8 from './w8.mjs';

const OPS = [
  { op: 'save', includeOptimizer: false, title: 'model.save(path)' },
  { op: 'load', includeOptimizer: false, title: 'zd.loadModel(path)' },
  { op: 'save', includeOptimizer: true, title: 'model.save(path, { includeOptimizer: true })' },
  { op: 'load', includeOptimizer: true, title: 'zd.loadModel(path), with optimizer state' },
];

export default {
  id: 'W8IO',
  title: 'save/load of the W8 model (2-layer LSTM 256 char LM), model file on local disk',
  configure(values, mode) {
    const base = w8.configure({}, mode).cases[0];
    const params = base.params.reduce((n, p) => n + p.shape.reduce((a, b) => a * b, 1), 0);
    return {
      ...this,
      cases: OPS.map(({ op, includeOptimizer, title }) => ({
        ...base,
        id: `${op}${includeOptimizer ? '-with-optimizer' : ''}`,
        label: `${title}: ${(params / 1e6).toFixed(2)} M params`,
        op, includeOptimizer, flops: undefined,
      })),
    };
  },
  cases: [], // made by configure()
  columns: [
    { title: 'file MiB', key: 'file_mb', digits: 2 },
    { title: 'round trip', key: 'round_trip', digits: 0 },
  ],
  notes: ['save includes the atomic write\'s fsync, so its time depends on the disk; load reads a file the ' +
    'page cache holds (it was just written)',
    'round trip: the loaded model\'s weights (getWeightValues) and a prediction equal the saved model\'s, bit for bit'],
  impls: [zerodlImpl('impls/zerodl_w8io.mjs')],
  targets: [], // BENCHMARKS.md sets none
};
