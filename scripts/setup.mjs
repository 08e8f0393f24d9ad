// Makes a fresh clone ready: installs the npm packages (exact versions from package-lock.json)
// when node_modules is missing or older than the lock file, and checks the Rust toolchain.
// `npm install`, not `npm ci`: npm 11 writes only this platform's optional packages (e.g.
// @napi-rs/cli's native helpers) into the lock, which `npm ci` then rejects as out of sync.
// ONNXRUNTIME_NODE_INSTALL=skip: onnxruntime-node (the benchmark's W5 peer) otherwise has its
// postinstall fetch CUDA provider libraries from outside the npm registry on Linux x64, which
// fails here; its CPU runtime ships inside the npm package.
// Idempotent and quick when nothing changed, so every top-level command runs it first.
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { npm, output, root, run } from './lib.mjs';

const lock = join(root, 'package-lock.json');
const installed = join(root, 'node_modules', '.package-lock.json');
if (!existsSync(installed) || statSync(installed).mtimeMs < statSync(lock).mtimeMs) {
  run(npm, ['install', '--no-audit', '--no-fund'], { env: { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip' } });
}

try {
  output('cargo', ['--version']);
} catch {
  console.error('zerodl builds its native addon from source here: install Rust (https://rustup.rs), then rerun.');
  process.exit(1);
}
