// Runs one implementation's runner as a subprocess and collects its JSON lines.
// Runners print `{"meta": {...}}` once and one result object per case on stdout;
// anything else on stdout (e.g. tfjs's Node banner) is ignored.
import { spawn, spawnSync } from 'node:child_process';

export function runJsonLines(cmd, args, { env, timeoutMs = 15 * 60_000, onRecord = () => {} } = {}) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const out = { meta: {}, records: [], stderr: '', code: null, error: null };
    let buf = '';
    const timer = setTimeout(() => {
      out.error = `timed out after ${timeoutMs / 1000} s`;
      child.kill('SIGKILL');
    }, timeoutMs);

    const takeLine = (line) => {
      if (!line.startsWith('{')) return;
      let obj;
      try { obj = JSON.parse(line); } catch { return; }
      if (obj.meta) Object.assign(out.meta, obj.meta);
      else { out.records.push(obj); onRecord(obj); }
    };
    child.stdout.setEncoding('utf8').on('data', (chunk) => {
      buf += chunk;
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        takeLine(buf.slice(0, nl).trim());
        buf = buf.slice(nl + 1);
      }
    });
    child.stderr.setEncoding('utf8').on('data', (chunk) => { out.stderr += chunk; });
    child.on('error', (e) => { out.error = e.message; });
    child.on('close', (code) => {
      clearTimeout(timer);
      takeLine(buf.trim());
      out.code = code;
      if (code !== 0 && !out.error) out.error = `exited with code ${code}`;
      resolve(out);
    });
  });
}

/** stdout of a short command, or null if it fails. */
export function capture(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}
