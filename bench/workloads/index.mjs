// Every known workload, in the order `npm run bench` runs them by default.
import w1 from './w1.mjs';
import w2 from './w2.mjs';

export const WORKLOADS = { W1: w1, W2: w2 };
