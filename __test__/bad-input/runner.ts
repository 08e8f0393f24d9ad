// The parent side of the bad-input suite: runs an area's cases in child processes (child.cjs)
// and turns what the children printed into one Outcome per case, then checks each outcome
// against its case.
//
// One child runs all of an area's shared cases in sequence. If it dies (a signal, a non-zero
// exit, or no "done" line), the case it had started last is blamed, and every case after it is
// rerun in a process of its own, so one crash cannot hide the other cases' results. Cases marked
// `isolate` (huge allocations) always run alone.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runNode } from '../helpers.js';
import { CLASS_OF, isErrorCase, type Case, type ChildLine, type EndLine, type EventLine, type ProbeLine } from './types.js';

const MARK = '@@bad-input@@ ';
const CHILD = "require('./__test__/bad-input/child.cjs')";

export interface Crash {
  signal: string | null;
  status: number | null;
  stderr: string;
}

export interface Outcome {
  name: string;
  started: boolean;
  end?: EndLine;
  probe?: ProbeLine;
  events: EventLine[];
  /** The process died while this case ran (or while it was the last one started). */
  crash?: Crash;
  /** How the case ran: in the area's shared child, or alone (isolated, or rerun after a crash). */
  ranAlone: boolean;
}

export interface AreaRun {
  outcomes: Map<string, Outcome>;
  /** Problems not tied to one case (a crash after the last case, unparseable output). */
  problems: string[];
  /** Child processes started. */
  processes: number;
  ms: number;
}

interface ChildRun {
  lines: ChildLine[];
  crash?: Crash;
  done: boolean;
}

function runChild(cases: Case[], capHuge: boolean): ChildRun {
  const dir = mkdtempSync(join(tmpdir(), 'zerodl-bad-input-'));
  const file = join(dir, 'cases.json');
  try {
    writeFileSync(file, JSON.stringify({ capHuge, cases: cases.map((c) => ({ name: c.name, code: c.code })) }));
    const r = runNode(CHILD, [], { ZD_BAD_INPUT_CASES: file });
    const lines: ChildLine[] = [];
    for (const line of (r.stdout ?? '').split('\n')) {
      if (!line.startsWith(MARK)) continue;
      lines.push(JSON.parse(line.slice(MARK.length)) as ChildLine);
    }
    const done = lines.some((l) => l.type === 'done');
    const crashed = r.signal !== null || r.status !== 0 || !done;
    return { lines, done, ...(crashed ? { crash: { signal: r.signal, status: r.status, stderr: tail(r.stderr ?? '') } } : {}) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function tail(text: string, lines = 15): string {
  return text.trim().split('\n').slice(-lines).join('\n');
}

/** Folds a child's lines into the outcomes; returns the name of the last case started. */
function record(run: ChildRun, outcomes: Map<string, Outcome>, alone: boolean, problems: string[]): string | undefined {
  let last: string | undefined;
  for (const line of run.lines) {
    if (line.type === 'done') continue;
    if (line.type === 'unhandled') {
      const o = line.name === null ? undefined : outcomes.get(line.name);
      if (o) o.events.push(line);
      else problems.push(`${line.kind} after the last case: ${line.message}`);
      continue;
    }
    const o = outcomes.get(line.name);
    if (!o) {
      problems.push(`the child reported an unknown case ${JSON.stringify(line.name)}`);
      continue;
    }
    o.ranAlone = alone;
    if (line.type === 'start') {
      o.started = true;
      last = line.name;
    } else if (line.type === 'end') o.end = line;
    else o.probe = line;
  }
  return last;
}

/** Runs an area's cases; see the file comment. */
export function runArea(cases: Case[]): AreaRun {
  const t0 = Date.now();
  const outcomes = new Map<string, Outcome>(cases.map((c) => [c.name, { name: c.name, started: false, events: [], ranAlone: false }]));
  const problems: string[] = [];
  let processes = 0;

  const alone = (c: Case, capHuge: boolean) => {
    processes++;
    const run = runChild([c], capHuge);
    record(run, outcomes, true, problems);
    const o = outcomes.get(c.name) as Outcome;
    if (run.crash) o.crash = run.crash;
  };

  const shared = cases.filter((c) => !c.isolate);
  if (shared.length > 0) {
    processes++;
    const run = runChild(shared, false);
    const last = record(run, outcomes, false, problems);
    if (run.crash) {
      if (last === undefined) {
        problems.push(`the child died before its first case: ${describeCrash(run.crash)}`);
      } else {
        const o = outcomes.get(last) as Outcome;
        const finished = o.end !== undefined && o.probe !== undefined;
        if (finished && last === shared.at(-1)?.name) {
          problems.push(`the child died after its last case (${last}) had finished: ${describeCrash(run.crash)}`);
        } else {
          o.crash = run.crash;
        }
        // Isolate the rest: each case not yet run gets a process of its own.
        const from = shared.findIndex((c) => c.name === last) + 1;
        const rest = shared.slice(from);
        if (!(finished && last === shared.at(-1)?.name)) {
          problems.push(`the area's child died while running ${JSON.stringify(last)} (${describeCrash(run.crash)}); the ${rest.length} cases after it were rerun one per process`);
        }
        for (const c of rest) alone(c, false);
      }
    }
  }
  for (const c of cases.filter((x) => x.isolate)) alone(c, true);
  return { outcomes, problems, processes, ms: Date.now() - t0 };
}

export function describeCrash(crash: Crash): string {
  const how = crash.signal ? `killed by ${crash.signal}` : crash.status !== 0 ? `exit code ${crash.status}` : 'exited without finishing its cases';
  return `${how}${crash.stderr ? `; stderr:\n${crash.stderr}` : ''}`;
}

function show(o: Outcome): string {
  const e = o.end;
  if (!e) return 'no result';
  if (e.harnessError) return e.harnessError;
  if (e.timedOut) return 'timed out';
  if (!e.thrown) return `returned ${JSON.stringify(e.value)}`;
  return `${e.via === 'async' ? 'rejected with' : 'threw'} ${e.className}${e.code ? ` (${String(e.code)})` : ''}: ${JSON.stringify(e.message)}`;
}

/**
 * What is wrong with a case's outcome, as sentences (empty: the case passed). Every check of
 * the suite's rules is here: typed error, code, class, message naming what came and what was
 * expected, no crash, no ERR_INTERNAL, a live process after.
 */
export function problemsOf(c: Case, o: Outcome | undefined): string[] {
  if (!o) return ['the runner has no outcome for this case'];
  const out: string[] = [];
  const where = o.ranAlone ? ' (in a process of its own)' : '';
  if (o.crash) out.push(`the process died during this case${where}: ${describeCrash(o.crash)}`);
  if (!o.started && !o.crash) out.push('the case never started (an earlier case killed the process and the rerun failed)');
  const e = o.end;
  if (!e) {
    if (o.started && !o.crash) out.push('the case started but reported no result');
  } else if (e.harnessError) {
    out.push(`harness: ${e.harnessError}`);
  } else if (e.timedOut) {
    out.push('the call neither returned nor threw within 20 s');
  } else if (isErrorCase(c)) {
    const want = c.expect;
    const cls = want.cls ?? CLASS_OF[want.code];
    if (!e.thrown) {
      out.push(`expected ${want.code} (${cls}), but the call ${show(o)}`);
    } else {
      const message = e.message ?? '';
      if (!e.isZerodlError) out.push(`threw a plain ${e.className}, not a ZerodlError: ${show(o)}`);
      if (e.code === 'ERR_INTERNAL') out.push(`ERR_INTERNAL (a bug) for user input: ${show(o)}`);
      if (e.code !== want.code) out.push(`code ${JSON.stringify(e.code)}, expected ${want.code}: ${show(o)}`);
      else if (e.className !== cls || e.errName !== cls) out.push(`class ${e.className} (name ${e.errName}), expected ${cls}`);
      if (!want.came.test(message)) out.push(`the message does not name what came (${String(want.came)}): ${JSON.stringify(message)}`);
      if (!want.expected.test(message)) out.push(`the message does not name what was expected (${String(want.expected)}): ${JSON.stringify(message)}`);
    }
  } else {
    const want = c.returns;
    if (e.thrown) out.push(`expected a result, but the call ${show(o)}`);
    else {
      if (want.shape !== undefined && JSON.stringify(e.value?.tensor) !== JSON.stringify(want.shape)) {
        out.push(`expected a Tensor of shape ${JSON.stringify(want.shape)}, got ${JSON.stringify(e.value)}`);
      }
      if (want.length !== undefined && e.value?.float32Array !== want.length) {
        out.push(`expected a Float32Array of length ${want.length}, got ${JSON.stringify(e.value)}`);
      }
    }
  }
  if (e && !o.crash) {
    if (!o.probe) out.push('no liveness probe after the case');
    else if (!o.probe.ok) out.push(`the process is not live after the case: ${o.probe.error ?? ''}`);
  }
  for (const ev of o.events) out.push(`${ev.kind} during the case: ${ev.message}`);
  return out;
}
