// W12: small CIFAR-style CNN train step (BENCHMARKS.md); defined with W3 in cnntrain.mjs.
import { CIFAR_CNN } from '../lib/cnn.mjs';
import { cnnTrainWorkload } from './cnntrain.mjs';

// tfjs-cpu's conv backward kernels are plain loops: ~200 s per step here (W3's LeNet: ~4-8 s).
export default cnnTrainWorkload('W12', CIFAR_CNN, { tfjsCpuSlow: '~200 s per step' });
