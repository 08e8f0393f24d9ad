// W4: LSTM char-LM train step (BENCHMARKS.md); defined with W6 in charlm.mjs.
import { charLmWorkload } from './charlm.mjs';

export default charLmWorkload('W4', 'lstm');
