// W3: LeNet-5 train step (BENCHMARKS.md); defined with W12 in cnntrain.mjs.
import { LENET5 } from '../lib/cnn.mjs';
import { cnnTrainWorkload } from './cnntrain.mjs';

export default cnnTrainWorkload('W3', LENET5);
