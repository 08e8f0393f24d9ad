// Loads the zerodl build under test for the zerodl runners (impls/*.mjs): the CommonJS
// entry dist/index.js (`npm run build` makes it), or ZERODL_ENTRY.
import { createRequire } from 'node:module';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, ZERODL_ENTRY } from './paths.mjs';

/** {zd, meta}, or exit 3 if there is no build. */
export function loadZerodl() {
  if (!existsSync(ZERODL_ENTRY)) {
    console.error('zerodl not built: run npm run build');
    process.exit(3);
  }
  const zd = createRequire(import.meta.url)(ZERODL_ENTRY);
  const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  // backendInfo() (threads, SIMD level, GEMM kernel) says what was actually measured.
  const meta = { impl: 'zerodl', zerodl: version, ...zd.backendInfo?.() };
  if (process.env.ZERODL_ENTRY) meta.entry = ZERODL_ENTRY; // a non-default build is being measured
  return { zd, meta };
}
