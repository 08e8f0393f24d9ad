// Loads a saved MNIST model (`node examples/mnist-load.mjs model.safetensors`) in a process of its
// own and scores it on the 10,000 test images: the model file is the whole model, description
// and weights. The demo runs this after training and saving.
import { loadMnist } from '../dist/datasets/index.js';
import * as zd from '../dist/index.mjs';

const path = process.argv[2];
if (!path) {
  console.error('usage: node examples/mnist-load.mjs <model.safetensors>');
  process.exit(2);
}
const model = await zd.loadModel(path);
const test = loadMnist('test');
const { loss, accuracy } = await model.evaluate(zd.tensor(test.images, [test.count, 784]), zd.tensor(Float32Array.from(test.labels)), { batchSize: 1000 });
console.log(JSON.stringify({ accuracy, loss, layers: model.toJSON().layers.map((l) => l.kind) }));
