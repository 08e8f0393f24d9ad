// W6: GRU char-LM train step (BENCHMARKS.md); defined with W4 in charlm.mjs.
import { charLmWorkload } from './charlm.mjs';

export default charLmWorkload('W6', 'gru');
