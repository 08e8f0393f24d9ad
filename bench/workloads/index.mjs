// Every known workload, in the order `npm run bench` runs them by default.
import w1 from './w1.mjs';
import w2 from './w2.mjs';
import w3 from './w3.mjs';
import w4 from './w4.mjs';
import w5 from './w5.mjs';
import w6 from './w6.mjs';
import w7 from './w7.mjs';
import w8 from './w8.mjs';
import w8io from './w8io.mjs';
import w9 from './w9.mjs';
import w10 from './w10.mjs';
import w11 from './w11.mjs';
import w12 from './w12.mjs';
import w14 from './w14.mjs';

export const WORKLOADS = {
  W1: w1, W2: w2, W3: w3, W4: w4, W5: w5, W6: w6, W7: w7, W8: w8, W8IO: w8io, W9: w9, W10: w10, W11: w11,
  W12: w12, W14: w14,
};
