// Detects other work on the machine while a runner ran: CPU time the whole machine
// spent minus what this process and its reaped children spent. On a 2-core box a
// concurrent build (e.g. cargo) turns multithreaded BLAS timings into scheduler
// noise, so the report flags such runs instead of silently publishing them.
import { readFileSync } from 'node:fs';
import os from 'node:os';

function read() {
  try {
    // /proc/stat "cpu" line: user nice system idle iowait irq softirq steal ... (ticks)
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const busy = f[0] + f[1] + f[2] + f[5] + f[6];
    // /proc/self/stat after the ")": utime stime cutime cstime are fields 14-17 (ticks).
    const s = readFileSync('/proc/self/stat', 'utf8');
    const g = s.slice(s.lastIndexOf(')') + 2).split(' ').map(Number);
    const own = g[11] + g[12] + g[13] + g[14];
    return { busy, steal: f[7], own, wallMs: performance.now() };
  } catch {
    return null; // not Linux: no check
  }
}

/** Call before starting a runner; the returned function (call after it exited) gives
 *  {other_cpu_pct, steal_pct} of the machine's total capacity, or null if unknown. */
export function startCpuWatch() {
  const a = read();
  return () => {
    const b = read();
    if (!a || !b) return null;
    const capacityTicks = ((b.wallMs - a.wallMs) / 10) * os.availableParallelism(); // USER_HZ = 100
    if (capacityTicks <= 0) return null;
    const pct = (t) => Math.round((1000 * t) / capacityTicks) / 10;
    return {
      other_cpu_pct: pct(Math.max(0, (b.busy - a.busy) - (b.own - a.own))),
      steal_pct: pct(b.steal - a.steal),
    };
  };
}
