// examples/serve.mjs, the reference HTTP service, under a bounded load on loopback: a small model
// saved to a temporary file, the service spawned on it, 300 requests with 32 in flight, each
// response checked against the local model's predict() on the request's inputs; the error paths
// (400, 404, 405, 413); a graceful SIGTERM (requests in progress answered, exit status 0).
//
// Concurrent requests are batched by predictAsync, so a response is compared with predict() on
// its own inputs to a tolerance: the kernels round a row differently in batches of different
// sizes (see __test__/batching.spec.ts). A service run with --max-batch-size 1 (no batching) is
// checked bit for bit.
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { Agent, request } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { root, zd } from './helpers.js';

const { layers, Sequential } = zd;
type Model = InstanceType<typeof Sequential>;

const SERVE = join(root, 'examples', 'serve.mjs');
const TOLERANCE = 1e-5;

async function saveModel(model: Model, file: string): Promise<void> {
  await model.save(file);
}

interface Service {
  child: ChildProcessWithoutNullStreams;
  url: string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr: () => string;
}

/** Spawns the service and waits for its first line, `listening on http://HOST:PORT`. */
async function start(args: string[]): Promise<Service> {
  const child = spawn(process.execPath, [SERVE, ...args], { cwd: root });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const first = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    lines.once('line', resolve);
    void exit.then(({ code }) => reject(new Error(`serve.mjs exited (${code}) before listening:\n${stderr}`)));
  });
  const m = /^listening on (http:\/\/127\.0\.0\.1:\d+)$/.exec(first);
  if (!m) throw new Error(`unexpected first line: ${first}`);
  return { child, url: m[1] as string, exit, stderr: () => stderr };
}

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: any;
}

const agent = new Agent({ keepAlive: true, maxSockets: 32 });

/** One HTTP request; `body`: a string, a Buffer, or chunks written one by one (chunked encoding). */
function call(url: string, method: string, path: string, body?: string | Buffer | Buffer[], options: { agent?: Agent | false; onSent?: () => void } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}${path}`, { method, agent: options.agent ?? agent, headers: body === undefined || Array.isArray(body) ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text === '' ? undefined : JSON.parse(text) });
      });
      res.on('error', reject);
    });
    // The service may answer (413) and close before the whole body is sent.
    req.on('error', reject);
    if (Array.isArray(body)) {
      for (const chunk of body) req.write(chunk);
    } else if (body !== undefined) {
      req.write(body);
    }
    options.onSent?.();
    req.end();
  });
}

const postJson = (url: string, value: unknown) => call(url, 'POST', '/predict', JSON.stringify(value));

describe('examples/serve.mjs', () => {
  let dir: string;
  let file: string;
  let model: Model;
  let service: Service;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'zerodl-serve-'));
    file = join(dir, 'model.safetensors');
    model = new Sequential([layers.dense({ units: 32, activation: 'relu', inputShape: [8] }), layers.dense({ units: 3, activation: 'softmax' })], { seed: 3 });
    await saveModel(model, file);
    service = await start(['--model', file]);
  });

  afterAll(() => {
    if (service.child.exitCode === null) service.child.kill('SIGKILL');
    agent.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers GET /health with the model summary', async () => {
    const r = await call(service.url, 'GET', '/health');
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toMatch(/^application\/json/);
    expect(r.body).toEqual({ status: 'ok', model: { file: 'model.safetensors', inputShape: [8], layers: ['dense_0 (dense)', 'dense_1 (dense)'], params: 8 * 32 + 32 + 32 * 3 + 3 } });
  });

  it('answers 300 concurrent predictions (32 in flight), each equal to the local predict()', async () => {
    const n = 300;
    const inputs = Array.from({ length: n }, (_, i) => zd.randn([1 + (i % 4), 8], { seed: 1000 + i }).toArray() as number[][]);
    const replies: Reply[] = new Array(n);
    let next = 0;
    const worker = async () => {
      while (next < n) {
        const i = next++;
        replies[i] = await postJson(service.url, { inputs: inputs[i] });
      }
    };
    await Promise.all(Array.from({ length: 32 }, worker));
    replies.forEach((r, i) => {
      expect(r.status, `request ${i}`).toBe(200);
      const expected = model.predict(inputs[i]!).toFloat32Array();
      const got = (r.body.outputs as number[][]).flat();
      expect(got.length, `request ${i}`).toBe(expected.length);
      expect((r.body.outputs as number[][]).map((row) => row.length)).toEqual(inputs[i]!.map(() => 3));
      got.forEach((v, j) => expect(Math.abs(v - (expected[j] as number)), `request ${i}[${j}]`).toBeLessThanOrEqual(TOLERANCE * (1 + Math.abs(expected[j] as number))));
    });
  });

  it('answers bad requests with 400 and a typed error code', async () => {
    const bad = async (body: string | unknown, code: string, message: RegExp) => {
      const r = typeof body === 'string' ? await call(service.url, 'POST', '/predict', body) : await postJson(service.url, body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body.error.code).toBe(code);
      expect(r.body.error.message).toMatch(message);
    };
    await bad('{"inputs": [[1, 2', 'ERR_INVALID_ARGUMENT', /not valid JSON/);
    await bad('[1, 2]', 'ERR_INVALID_ARGUMENT', /must be a JSON object/);
    await bad({ input: [[1]] }, 'ERR_INVALID_ARGUMENT', /unknown field "input"/);
    await bad({ inputs: 'abc' }, 'ERR_INVALID_ARGUMENT', /"inputs" must be an array/);
    await bad({ inputs: [[1, 2, 3]] }, 'ERR_SHAPE_MISMATCH', /\[1, 3\]/);
    await bad({ inputs: [[1, 2, 3, 4, 5, 6, 7, 8], [1]] }, 'ERR_INVALID_ARGUMENT', /rectangular/);
    await bad({ inputs: [[1, 2, 3, 4, 5, 6, 7, null]] }, 'ERR_INVALID_ARGUMENT', /expects numbers, got null/);
    await bad({ inputs: [[1, 2, 3, 4, 5, 6, 7, 8]], lengths: [1] }, 'ERR_INVALID_ARGUMENT', /recurrent/);
    await bad({ inputs: [[1, 2, 3, 4, 5, 6, 7, 8]], lengths: 1 }, 'ERR_INVALID_ARGUMENT', /"lengths" must be an array/);
    await bad({ inputs: [[1e39, 1, 1, 1, 1, 1, 1, 1]] }, 'ERR_NON_FINITE', /input contains inf/); // beyond float32
    // The service still serves.
    expect((await postJson(service.url, { inputs: [[1, 2, 3, 4, 5, 6, 7, 8]] })).status).toBe(200);
  });

  it('answers unknown routes with 404, wrong methods with 405', async () => {
    const r = await call(service.url, 'GET', '/nope');
    expect([r.status, r.body.error.code]).toEqual([404, 'ERR_NOT_FOUND']);
    const m = await call(service.url, 'GET', '/predict');
    expect([m.status, m.body.error.code, m.headers.allow]).toEqual([405, 'ERR_METHOD_NOT_ALLOWED', 'POST']);
  });

  it('refuses a body over 8 MB with 413, by its declared length or while reading it', async () => {
    const big = Buffer.alloc(9 * 1024 * 1024, 0x20);
    const declared = await call(service.url, 'POST', '/predict', big, { agent: false });
    expect([declared.status, declared.body.error.code]).toEqual([413, 'ERR_BODY_TOO_LARGE']);
    // Chunked (no content-length): refused once 8 MB have come.
    const chunks = Array.from({ length: 9 }, () => Buffer.alloc(1024 * 1024, 0x20));
    const streamed = await call(service.url, 'POST', '/predict', chunks, { agent: false });
    expect([streamed.status, streamed.body.error.code]).toEqual([413, 'ERR_BODY_TOO_LARGE']);
    // Declared far over the limit: answered at once, before the body is sent, and closed.
    const early = await new Promise<Reply>((resolve, reject) => {
      const req = request(`${service.url}/predict`, { method: 'POST', agent: false, headers: { 'content-length': 1e9 } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: JSON.parse(Buffer.concat(chunks).toString()) });
          req.destroy();
        });
      });
      req.on('error', reject);
      req.write('{"inputs": ');
    });
    expect([early.status, early.body.error.code, early.headers.connection]).toEqual([413, 'ERR_BODY_TOO_LARGE', 'close']);
    expect((await postJson(service.url, { inputs: [[1, 2, 3, 4, 5, 6, 7, 8]] })).status).toBe(200);
  });

  it('without batching (--max-batch-size 1) answers bit-identically to the local predict()', async () => {
    const solo = await start(['--model', file, '--max-batch-size', '1']);
    try {
      const inputs = Array.from({ length: 40 }, (_, i) => zd.randn([1 + (i % 3), 8], { seed: 2000 + i }).toArray() as number[][]);
      const replies = await Promise.all(inputs.map((x) => postJson(solo.url, { inputs: x })));
      replies.forEach((r, i) => expect(r.body.outputs, `request ${i}`).toEqual(model.predict(inputs[i]!).toArray()));
    } finally {
      solo.child.kill('SIGTERM');
      expect(await solo.exit).toEqual({ code: 0, signal: null });
    }
  });

  it('refuses to start on a file that is not a model (exit status 2, the reason on stderr)', async () => {
    const junk = join(dir, 'junk.safetensors');
    writeFileSync(junk, 'not a model');
    const child = spawn(process.execPath, [SERVE, '--model', junk], { cwd: root });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise((resolve) => child.on('exit', resolve));
    expect(code).toBe(2);
    expect(stderr).toMatch(/cannot load .*junk\.safetensors/);
  });

  it('shuts down on SIGTERM: answers the request in progress, then exits 0', async () => {
    // A request whose body is still coming when SIGTERM arrives, on a keep-alive connection
    // (answered with connection: close, so the service need not wait for the client to leave).
    const body = JSON.stringify({ inputs: [[1, 2, 3, 4, 5, 6, 7, 8]] });
    let signalled = 0;
    const half = Buffer.from(body.slice(0, 10));
    const rest = Buffer.from(body.slice(10));
    const inProgress = new Promise<Reply>((resolve, reject) => {
      const req = request(`${service.url}/predict`, { method: 'POST', agent, headers: { 'content-length': Buffer.byteLength(body) } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: JSON.parse(Buffer.concat(chunks).toString()) }));
      });
      req.on('error', reject);
      req.write(half, () => {
        // The service has the first half: stop it, then send the rest.
        setTimeout(() => {
          signalled = Date.now();
          service.child.kill('SIGTERM');
          setTimeout(() => req.end(rest), 100);
        }, 50);
      });
    });
    const reply = await inProgress;
    expect(reply.status).toBe(200);
    expect(reply.headers.connection).toBe('close');
    expect(reply.body.outputs).toHaveLength(1);
    expect(await service.exit).toEqual({ code: 0, signal: null });
    expect(Date.now() - signalled).toBeLessThan(3_000); // not the 5 s keep-alive timeout
    expect(service.stderr()).toMatch(/SIGTERM: shutting down/);
  });
});
