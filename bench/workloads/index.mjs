// Every known workload, in the order `npm run bench` runs them by default.
import w1 from './w1.mjs';
import w2 from './w2.mjs';
import w4 from './w4.mjs';
import w5 from './w5.mjs';
import w6 from './w6.mjs';
import w8 from './w8.mjs';

export const WORKLOADS = { W1: w1, W2: w2, W4: w4, W5: w5, W6: w6, W8: w8 };
