// Models as files: save / toBuffer / loadModel / loadStateDict / modelCheckpoint / fit's
// initialEpoch with bad arguments, and loadModel on damaged or foreign bytes (each kind of
// damage the loader guards; the Rust fuzz test covers random ones).
import type { Case } from '../types.js';

const BAD = 'ERR_BAD_MODEL_FILE';
/** A saved h.mlp() with its bytes changed by `edit(bytes, headerLength)`, then loaded. */
const damaged = (edit: string) => `{ const b = Buffer.from(h.mlp().toBuffer()); const n = Number(b.readBigUInt64LE(0)); ${edit}; return zd.loadModel(b); }`;
/** A saved h.mlp() whose header JSON is rewritten by `f(header)` (same length padded with spaces). */
const reheader = (f: string) =>
  `{ const b = Buffer.from(h.mlp().toBuffer()); const n = Number(b.readBigUInt64LE(0)); const head = (${f})(b.subarray(8, 8 + n).toString()); ` +
  `const hb = Buffer.from(head); const out = Buffer.concat([Buffer.alloc(8), hb, b.subarray(8 + n)]); out.writeBigUInt64LE(BigInt(hb.length), 0); return zd.loadModel(out); }`;

export const files: Case[] = [
  // save / toBuffer
  { name: 'save(): no path', code: `h.mlp().save()`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /got undefined/, expected: /a file path/ } },
  { name: 'save(): a number as path', code: `h.mlp().save(7)`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /number 7/, expected: /a file path/ } },
  { name: 'save(): misspelt option', code: `h.mlp().save(require('os').tmpdir() + '/zd-x.safetensors', { includeOptimiser: true })`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /"includeOptimiser"/, expected: /did you mean "includeOptimizer"/ } },
  { name: 'save(): includeOptimizer is a string', code: `h.compiled().save(require('os').tmpdir() + '/zd-x.safetensors', { includeOptimizer: 'yes' })`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /the string "yes"/, expected: /true or false/ } },
  { name: 'save(): includeOptimizer on a model never compiled', code: `h.mlp().save(require('os').tmpdir() + '/zd-x.safetensors', { includeOptimizer: true })`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /includeOptimizer/, expected: /needs a compiled model/ } },
  { name: 'save(): a folder that does not exist', code: `h.mlp().save('/nonexistent-zerodl-dir/m.safetensors')`, expect: { code: 'ERR_IO', came: /ENOENT/, expected: /could not write \/nonexistent-zerodl-dir\/m\.safetensors/ } },
  { name: 'toBuffer(): unknown option', code: `h.mlp().toBuffer({ format: 'onnx' })`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /"format"/, expected: /includeOptimizer/ } },
  // loadModel: arguments
  { name: 'loadModel(): no source', code: `zd.loadModel()`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /got undefined/, expected: /a file path .* or the file's bytes/ } },
  { name: 'loadModel(): an array of bytes', code: `zd.loadModel([1, 2, 3])`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /an array/, expected: /Buffer, Uint8Array or ArrayBuffer/ } },
  { name: 'loadModel(): a missing file', code: `zd.loadModel('/nonexistent-zerodl-dir/m.safetensors')`, expect: { code: 'ERR_IO', came: /ENOENT/, expected: /could not read \/nonexistent-zerodl-dir/ } },
  { name: 'loadModel(): a folder', code: `zd.loadModel(require('os').tmpdir())`, expect: { code: 'ERR_IO', came: /EISDIR/, expected: /could not read/ } },
  // loadModel: damaged and foreign bytes
  { name: 'loadModel(): empty bytes', code: `zd.loadModel(new Uint8Array(0))`, expect: { code: BAD, came: /is 0 bytes/, expected: /8 bytes of header length/ } },
  { name: 'loadModel(): text, not a model file', code: `zd.loadModel(Buffer.from('{"format":"zerodl.sequential"}'))`, expect: { code: BAD, came: /header/, expected: /safetensors/ } },
  { name: 'loadModel(): truncated by one byte', code: damaged('return zd.loadModel(b.subarray(0, b.length - 1))'), expect: { code: BAD, came: /truncated/, expected: /end where the file ends/ } },
  { name: 'loadModel(): truncated inside the header', code: damaged('return zd.loadModel(b.subarray(0, 8 + (n >> 1)))'), expect: { code: BAD, came: /claims a header longer than the file/, expected: /truncated or not a safetensors file/ } },
  { name: 'loadModel(): header length beyond the file', code: damaged('b.writeBigUInt64LE(BigInt(b.length), 0)'), expect: { code: BAD, came: /claims a header longer than the file/, expected: /safetensors/ } },
  { name: 'loadModel(): header length of 2^63', code: damaged('b.writeBigUInt64LE(1n << 63n, 0)'), expect: { code: BAD, came: /header longer than the 100 MB/, expected: /safetensors allows/ } },
  { name: 'loadModel(): bytes appended', code: damaged('return zd.loadModel(Buffer.concat([b, Buffer.alloc(4)]))'), expect: { code: BAD, came: /bytes appended/, expected: /end where the file ends/ } },
  { name: 'loadModel(): a bit flipped in the header JSON', code: damaged("b[8] ^= 0x40"), expect: { code: BAD, came: /header/, expected: /safetensors/ } },
  { name: 'loadModel(): a NaN weight', code: damaged("b.writeFloatLE(NaN, 8 + n)"), expect: { code: BAD, came: /NaN at flat index 0/, expected: /must be finite/ } },
  { name: 'loadModel(): an infinite weight', code: damaged("b.writeFloatLE(-Infinity, b.length - 4)"), expect: { code: BAD, came: /-inf/, expected: /must be finite/ } },
  { name: 'loadModel(): overlapping tensors', code: reheader(`(s) => { const j = JSON.parse(s); const k = Object.keys(j).filter((x) => x !== '__metadata__'); j[k[1]].data_offsets = [0, j[k[1]].data_offsets[1] - j[k[1]].data_offsets[0]]; return JSON.stringify(j); }`), expect: { code: BAD, came: /data offsets/, expected: /overlaps/ } },
  { name: 'loadModel(): a tensor of another dtype', code: reheader(`(s) => { const j = JSON.parse(s); for (const k of Object.keys(j)) if (k.endsWith('bias') && j[k].dtype) { j[k].dtype = 'I32'; } return JSON.stringify(j); }`), expect: { code: BAD, came: /dtype I32/, expected: /floating-point/ } },
  { name: 'loadModel(): a shape that disagrees with the description', code: reheader(`(s) => { const j = JSON.parse(s); j['0.weight'].shape = [3, 4]; return JSON.stringify(j); }`), expect: { code: BAD, came: /has shape \[3, 4\]/, expected: /description needs \[4, 3\]/ } },
  { name: 'loadModel(): a tensor missing (another in its place)', code: reheader(`(s) => { const j = JSON.parse(s); j['2.bais'] = j['2.bias']; delete j['2.bias']; return JSON.stringify(j); }`), expect: { code: BAD, came: /"2\.bias"/, expected: /missing 1 tensor/ } },
  { name: 'loadModel(): an extra tensor', code: reheader(`(s) => { const j = JSON.parse(s); j['2.bias'].shape = [1]; j['2.bias'].data_offsets[1] -= 4; j['2.extra'] = { dtype: 'F32', shape: [1], data_offsets: [j['2.bias'].data_offsets[1], j['2.bias'].data_offsets[1] + 4] }; return JSON.stringify(j); }`), expect: { code: BAD, came: /"2\.extra"/, expected: /does not have/ } },
  { name: 'loadModel(): a format version from the future', code: reheader(`(s) => { const j = JSON.parse(s); j.__metadata__.version = '9'; return JSON.stringify(j); }`), expect: { code: BAD, came: /format version 9/, expected: /reads versions up to 1/ } },
  { name: 'loadModel(): an unknown layer kind', code: reheader(`(s) => { const j = JSON.parse(s); j.__metadata__.description = j.__metadata__.description.replace('"dense"', '"conv9d"'); return JSON.stringify(j); }`), expect: { code: BAD, came: /conv9d/, expected: /layer kind/ } },
  { name: 'loadModel(): a description claiming a huge layer', code: reheader(`(s) => { const j = JSON.parse(s); j.__metadata__.description = j.__metadata__.description.replace('"units":4', '"units":400000000'); return JSON.stringify(j); }`), expect: { code: BAD, came: /bigger than the file could hold/, expected: /bytes/ } },
  { name: 'loadModel(): a PyTorch state_dict without zerodl metadata', code: reheader(`(s) => { const j = JSON.parse(s); delete j.__metadata__; return JSON.stringify(j); }`), expect: { code: BAD, came: /without zerodl's metadata/, expected: /loadStateDict/ } },
  { name: 'loadModel(): another format', code: reheader(`(s) => { const j = JSON.parse(s); j.__metadata__.format = 'pt'; return JSON.stringify(j); }`), expect: { code: BAD, came: /"pt"/, expected: /"zerodl\.model"/ } },
  // loadStateDict
  { name: 'loadStateDict(): no source', code: `h.mlp().loadStateDict()`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /got undefined/, expected: /object of tensors by parameter name/ } },
  { name: 'loadStateDict(): strict is a string', code: `h.mlp().loadStateDict({}, { strict: 'no' })`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /the string "no"/, expected: /true or false/ } },
  { name: 'loadStateDict(): missing keys under strict', code: `h.mlp().loadStateDict({ '0.weight': zd.ones([4, 3]) })`, expect: { code: 'ERR_STATE_DICT_MISMATCH', came: /missing key\(s\) in state_dict: "0\.bias", "2\.bias", "2\.weight"/, expected: /strict: false loads/ } },
  { name: 'loadStateDict(): a wrong shape', code: `h.mlp().loadStateDict({ '0.weight': zd.ones([3, 4]) }, { strict: false })`, expect: { code: 'ERR_SHAPE_MISMATCH', came: /"0\.weight" .*has shape \[3, 4\]/, expected: /parameter has shape \[4, 3\]/ } },
  { name: 'loadStateDict(): a NaN value', code: `h.mlp().loadStateDict({ '0.bias': zd.tensor([0, NaN, 0, 0]) }, { strict: false })`, expect: { code: 'ERR_NON_FINITE', came: /NaN at flat index 1/, expected: /must be finite/ } },
  { name: 'loadStateDict(): a model file of garbage', code: `h.mlp().loadStateDict(Buffer.from('not a file at all'))`, expect: { code: BAD, came: /header/, expected: /safetensors/ } },
  // fit's initialEpoch, modelCheckpoint
  { name: 'fit(): initialEpoch not below epochs', code: `h.compiled().fit(h.X(), h.Y(), { epochs: 2, initialEpoch: 2, verbose: 0 })`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /initialEpoch 2 and epochs 2/, expected: /initialEpoch must be below epochs/ } },
  { name: 'fit(): negative initialEpoch', code: `h.compiled().fit(h.X(), h.Y(), { initialEpoch: -1, verbose: 0 })`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /-1/, expected: /initialEpoch to be an integer >= 0/ } },
  { name: 'modelCheckpoint(): no options', code: `zd.callbacks.modelCheckpoint()`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /got undefined/, expected: /an options object with path/ } },
  { name: 'modelCheckpoint(): misspelt option', code: `zd.callbacks.modelCheckpoint({ path: 'a', saveBestOnyl: true })`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /"saveBestOnyl"/, expected: /did you mean "saveBestOnly"/ } },
  { name: 'modelCheckpoint(): monitoring a metric the logs lack', code: `h.compiled().fit(h.X(), h.Y(), { verbose: 0, callbacks: [zd.callbacks.modelCheckpoint({ path: require('os').tmpdir() + '/zd-ck.safetensors', saveBestOnly: true })] })`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /monitors "val_loss", which the epoch logs do not have \(they have loss\)/, expected: /pass validationData/ } },
];
