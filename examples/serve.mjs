// Serving a zerodl model from a Node HTTP service (node:http only, no framework).
//
//   node examples/serve.mjs --model model.safetensors [--port 8080] [--host 127.0.0.1]
//                           [--max-batch-size 64] [--max-wait-ms 0]
//
// Routes:
//   POST /predict  body {"inputs": [[...], ...], "lengths"?: [...]}: a batch of samples (nested
//                  arrays in the model's input shape, the batch axis first) -> {"outputs": [...]}
//                  (nested arrays in the model's output shape, one entry per sample)
//   GET  /health   -> {"status": "ok", "model": {...}} (input shape, layers, parameter count)
//
// Errors are JSON too: {"error": {"code", "message"}}, with zerodl's error codes (every zerodl
// error has a stable `code`): 400 for a bad request (invalid JSON, wrong shapes, NaN...), 404 for
// an unknown route, 405 for a wrong method, 413 for a body over --max-body-mb (default 8) or a
// batch whose buffers would exceed zerodl's memory limit (ERR_OUT_OF_MEMORY), 500 for a bug.
//
// Concurrency: each request calls `model.predictAsync()`, which runs off the JS thread (the event
// loop keeps serving) and batches concurrent calls: requests that arrive while one batch is being
// computed are run together as one native batch (see "Serving from Node" in the README). So there
// is nothing to pool or queue here; `--max-batch-size` and `--max-wait-ms` tune the batching.
//
// The first line printed is `listening on http://HOST:PORT` (with --port 0, the default, the OS
// picks a free port). SIGTERM or SIGINT stop it gracefully: no new connections, requests in
// progress are answered, then the process exits with status 0.
import { createServer } from 'node:http';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import * as zd from 'zerodl';

// ---------------------------------------------------------------------------------------------
// Command line.

const { values: args } = parseArgs({
  options: {
    model: { type: 'string' },
    port: { type: 'string', default: '0' },
    host: { type: 'string', default: '127.0.0.1' },
    'max-batch-size': { type: 'string', default: '64' },
    'max-wait-ms': { type: 'string', default: '0' },
    'max-body-mb': { type: 'string', default: '8' },
  },
  strict: true,
});
function usage(problem) {
  console.error(`${problem}\nusage: node examples/serve.mjs --model PATH [--port N] [--host H] [--max-batch-size N] [--max-wait-ms MS] [--max-body-mb MB]`);
  process.exit(2);
}
if (!args.model) usage('--model is required');
const port = Number(args.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) usage(`--port must be a port number (0: any free port), got ${args.port}`);
const maxBodyBytes = Number(args['max-body-mb']) * 1024 * 1024;
if (!(maxBodyBytes > 0)) usage(`--max-body-mb must be a positive number, got ${args['max-body-mb']}`);

// ---------------------------------------------------------------------------------------------
// The model: loaded once, shared by every request.

// A file saved by `model.save(path)`. loadModel checks it whole: a corrupt or foreign file is a
// BadModelFileError (ERR_BAD_MODEL_FILE) naming what is wrong.
const model = await zd.loadModel(args.model).catch((err) => usage(`cannot load ${args.model}: ${err.message}`));
if (!(model instanceof zd.Sequential)) usage(`${args.model} holds a ${model.constructor.name}; this service serves Sequential models`);
// Concurrent predictAsync calls are batched; these options bound a batch's rows and how long an
// idle model waits for company (0: never, the first request goes straight out).
try {
  model.setBatching({ maxBatchSize: Number(args['max-batch-size']), maxWaitMs: Number(args['max-wait-ms']) });
} catch (err) {
  usage(err.message);
}

const description = model.toJSON();
const modelInfo = {
  file: basename(args.model),
  inputShape: description.inputShape, // one sample's shape; null marks a free size
  layers: description.layers.map((l) => `${l.name} (${l.kind})`),
  params: Object.values(model.getWeights()).reduce((n, t) => n + t.size, 0),
};

// ---------------------------------------------------------------------------------------------
// HTTP plumbing.

let shuttingDown = false;

/** An error answered with an HTTP status other than 400 (zerodl's errors are 400 unless listed). */
class HttpError extends Error {
  /** `close`: close the connection after the answer (the request's body was not all read). */
  constructor(status, code, message, { close = false } = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.close = close;
  }
}

/** The HTTP status for an error: the request's fault (4xx) or ours (500). */
function statusOf(err) {
  if (err instanceof HttpError) return err.status;
  if (err instanceof zd.OutOfMemoryError) return 413; // the request asks for more memory than allowed
  if (err instanceof zd.InternalError || !(err instanceof zd.ZerodlError)) return 500;
  return 400; // ERR_INVALID_ARGUMENT, ERR_SHAPE_MISMATCH, ERR_NON_FINITE...
}

function sendJson(res, status, body) {
  const text = JSON.stringify(body);
  // Shutting down: close the connection after this answer (keep-alive clients would hold it).
  if (shuttingDown) res.setHeader('connection', 'close');
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function sendError(res, err) {
  const status = statusOf(err);
  if (status === 500) console.error(err); // a bug: log it, tell the client little
  const error = status === 500 ? { code: 'ERR_INTERNAL', message: 'internal error' } : { code: err.code, message: err.message };
  if (err.close) res.setHeader('connection', 'close');
  sendJson(res, status, { error });
}

/**
 * The request body as text; a 413 for one over maxBodyBytes. Such a body is still read to its
 * end (and dropped) before the 413 goes out: a client still sending when the connection closes
 * gets it reset under it, often before it reads the answer. Only a body far over the limit
 * (declared, or as it comes) is answered at once and its connection closed.
 */
function readBody(req) {
  const tooLarge = (close = false) => new HttpError(413, 'ERR_BODY_TOO_LARGE', `the request body is over the limit of ${maxBodyBytes} bytes`, { close });
  const drainLimit = 4 * maxBodyBytes;
  return new Promise((resolve, reject) => {
    if (Number(req.headers['content-length']) > drainLimit) return reject(tooLarge(true));
    let chunks = [];
    let size = 0;
    req.on('data', (chunk) => {
      size += chunk.length;
      if (size > drainLimit) {
        reject(tooLarge(true));
        req.destroy();
      } else if (size > maxBodyBytes) {
        chunks = []; // over the limit: keep reading, keep nothing
      } else {
        chunks.push(chunk);
      }
    });
    req.on('end', () => (size > maxBodyBytes ? reject(tooLarge()) : resolve(Buffer.concat(chunks).toString('utf8'))));
    req.on('error', reject);
  });
}

/** The body of POST /predict, checked: { inputs, lengths? }. */
function parsePredictBody(text) {
  let body;
  try {
    body = JSON.parse(text);
  } catch (err) {
    throw new zd.InvalidArgumentError(`the request body is not valid JSON: ${err.message}`);
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new zd.InvalidArgumentError('the request body must be a JSON object { "inputs": [...], "lengths"?: [...] }');
  }
  const unknown = Object.keys(body).filter((k) => k !== 'inputs' && k !== 'lengths');
  if (unknown.length > 0) throw new zd.InvalidArgumentError(`unknown field ${JSON.stringify(unknown[0])} in the request body (fields: inputs, lengths)`);
  if (!Array.isArray(body.inputs)) throw new zd.InvalidArgumentError('"inputs" must be an array of samples, e.g. [[0.1, 0.2, 0.3]]');
  if (body.lengths !== undefined && !Array.isArray(body.lengths)) throw new zd.InvalidArgumentError('"lengths" must be an array of numbers, one per sample');
  return body;
}

// ---------------------------------------------------------------------------------------------
// Routes.

async function predict(req, res) {
  const { inputs, lengths } = parsePredictBody(await readBody(req));
  // zerodl checks the rest (rectangular arrays of numbers, the model's input shape, lengths) and
  // throws typed errors; concurrent calls are batched by predictAsync.
  const y = await model.predictAsync(inputs, lengths === undefined ? {} : { lengths });
  const outputs = y.toArray();
  y.dispose(); // free its memory now rather than at the next garbage collection
  sendJson(res, 200, { outputs });
}

function health(req, res) {
  sendJson(res, 200, { status: 'ok', model: modelInfo });
}

const routes = {
  '/predict': { POST: predict },
  '/health': { GET: health },
};

const server = createServer(async (req, res) => {
  try {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (!Object.hasOwn(routes, path)) throw new HttpError(404, 'ERR_NOT_FOUND', `no route ${path} (routes: POST /predict, GET /health)`);
    const route = routes[path];
    const handler = Object.hasOwn(route, req.method) ? route[req.method] : undefined;
    if (!handler) {
      res.setHeader('allow', Object.keys(route).join(', '));
      throw new HttpError(405, 'ERR_METHOD_NOT_ALLOWED', `${path} takes ${Object.keys(route).join(', ')}, not ${req.method}`);
    }
    await handler(req, res);
  } catch (err) {
    if (!res.headersSent) sendError(res, err);
    else res.destroy(err);
  }
});

server.listen(port, args.host, () => {
  const { port: actual } = server.address();
  // The first line: scripts and tests read the port from it.
  console.log(`listening on http://${args.host}:${actual}`);
});

// ---------------------------------------------------------------------------------------------
// Graceful shutdown: stop accepting connections, answer the requests in progress, exit 0.

function shutdown(signal) {
  if (shuttingDown) return;
  shuttingDown = true;
  console.error(`${signal}: shutting down`);
  server.close((err) => process.exit(err ? 1 : 0)); // called once every connection has closed
  server.closeIdleConnections(); // keep-alive connections with no request in progress
  // Connections still busy after 10 s (a stuck client) are cut.
  setTimeout(() => {
    server.closeAllConnections();
  }, 10_000).unref();
}
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));
