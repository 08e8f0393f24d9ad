// Facts about the machine that a benchmark number is meaningless without.
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { ROOT } from './paths.mjs';
import { capture } from './proc.mjs';

// SIMD features that decide which GEMM kernels any of the implementations can use.
const SIMD_FLAGS = ['sse4_2', 'avx', 'avx2', 'fma', 'avx512f', 'avx512_bf16', 'amx_tile'];

function cpuinfo() {
  try {
    const text = readFileSync('/proc/cpuinfo', 'utf8');
    const field = (name) => text.match(new RegExp(`^${name}\\s*:\\s*(.*)$`, 'm'))?.[1].trim();
    const flags = new Set((field('flags') ?? '').split(/\s+/));
    return { model: field('model name'), simd: SIMD_FLAGS.filter((f) => flags.has(f)) };
  } catch {
    return { model: os.cpus()[0]?.model, simd: [] }; // not Linux
  }
}

export function machineFacts() {
  const cpu = cpuinfo();
  return {
    date: new Date().toISOString(),
    cpu: cpu.model ?? 'unknown',
    cores: os.availableParallelism(),
    simd: cpu.simd.join(' '),
    memory_gib: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    git: capture('git', ['-C', ROOT, 'rev-parse', '--short', 'HEAD']) ?? 'no commit',
  };
}
