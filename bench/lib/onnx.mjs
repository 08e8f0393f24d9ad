// Writes ONNX models (protobuf) from JS, so the onnxruntime-node peer needs no Python toolchain:
// just the few messages a small inference graph uses, field numbers from onnx/onnx.proto3
// (ModelProto, GraphProto, NodeProto, AttributeProto, TensorProto, ValueInfoProto). onnxruntime
// checks the model when it loads it, and W5's runner checks its prediction against a float64
// reference, so a mistake here fails loudly rather than skewing a timing.

const WIRE_VARINT = 0;
const WIRE_BYTES = 2;
const FLOAT = 1; // TensorProto.DataType
const ATTR_INT = 2; // AttributeProto.AttributeType
const ATTR_INTS = 7;

function varint(n) {
  const out = [];
  let v = BigInt(n);
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v) b |= 0x80;
    out.push(b);
  } while (v);
  return Uint8Array.from(out);
}

const concat = (parts) => Buffer.concat(parts.filter(Boolean));
const tag = (field, wire) => varint((field << 3) | wire);
const int = (field, v) => concat([tag(field, WIRE_VARINT), varint(v)]);
const bytes = (field, b) => concat([tag(field, WIRE_BYTES), varint(b.length), b]);
const str = (field, s) => bytes(field, Buffer.from(s, 'utf8'));
const msg = (field, parts) => bytes(field, concat(parts));

/** A float32 initializer (raw little-endian data). */
export function tensor(name, dims, data) {
  const raw = Buffer.from(data.buffer, data.byteOffset, data.byteLength); // x86/ARM: little-endian
  return { name, parts: [...dims.map((d) => int(1, d)), int(2, FLOAT), str(8, name), bytes(9, raw)] };
}

// An integer attribute (field i) or a list of them (field ints, packed as proto3 does).
const attribute = (name, v) => (Array.isArray(v)
  ? [str(1, name), bytes(8, concat(v.map(varint))), int(20, ATTR_INTS)]
  : [str(1, name), int(3, v), int(20, ATTR_INT)]);

/** A node with integer (list) attributes, e.g. node('LSTM', ['X', 'W'], ['Y'], { hidden_size: 128 }). */
export function node(opType, inputs, outputs, attrs = {}) {
  return [
    ...inputs.map((s) => str(1, s)), ...outputs.map((s) => str(2, s)), str(4, opType),
    ...Object.entries(attrs).map(([name, v]) => msg(5, attribute(name, v))),
  ];
}

/** A float32 graph input or output of fixed shape. */
export function valueInfo(name, dims) {
  const shape = dims.map((d) => msg(1, [int(1, d)]));
  return [str(1, name), msg(2, [msg(1, [int(1, FLOAT), msg(2, shape)])])];
}

/** The serialized ModelProto (IR version 8, default-domain opset `opset`). */
export function model({ nodes, initializers, inputs, outputs, opset = 17, name = 'graph' }) {
  const graph = [
    ...nodes.map((n) => msg(1, n)), str(2, name),
    ...initializers.map((t) => msg(5, t.parts)),
    ...inputs.map((v) => msg(11, v)), ...outputs.map((v) => msg(12, v)),
  ];
  const opsetImport = msg(8, [str(1, ''), int(2, opset)]);
  return new Uint8Array(concat([int(1, 8), str(2, 'zerodl-bench'), msg(7, graph), opsetImport]));
}

/**
 * A CNN of lib/cnn.mjs (W11) as ONNX, what an export of the nn.Sequential gives: Conv (+ Relu),
 * MaxPool, Flatten, Gemm (transB) (+ Relu), and Softmax on the last layer; input "input"
 * [batch, C, H, W], output "output" [batch, classes]. `w`: the weights by cnnParams() name (PyTorch
 * layouts, which are ONNX's).
 */
export function cnnModel(arch, params, w, batch) {
  const ops = []; // [opType, extra inputs, attributes], chained: each takes the previous one's output
  const initializers = [];
  let p = 0;
  let classes;
  for (const l of arch.layers) {
    if (l.kind === 'conv2d' || l.kind === 'dense') {
      const [wp, bp] = [params[p], params[p + 1]];
      p += 2;
      initializers.push(tensor(wp.name, wp.shape, w[wp.name]), tensor(bp.name, bp.shape, w[bp.name]));
      ops.push(l.kind === 'conv2d'
        ? ['Conv', [wp.name, bp.name], { kernel_shape: [l.kernel, l.kernel], pads: Array(4).fill(l.padding), strides: [1, 1] }]
        : ['Gemm', [wp.name, bp.name], { transB: 1 }]);
      classes = wp.shape[0];
    } else if (l.kind === 'maxPool2d') {
      ops.push(['MaxPool', [], { kernel_shape: [l.pool, l.pool], strides: [l.pool, l.pool] }]);
    } else {
      ops.push(['Flatten', [], { axis: 1 }]);
    }
    if (l.activation === 'relu') ops.push(['Relu', [], {}]);
    if (l.activation === 'softmax') ops.push(['Softmax', [], { axis: 1 }]);
  }
  const name = (i) => (i < 0 ? 'input' : i === ops.length - 1 ? 'output' : `t${i}`);
  return model({
    nodes: ops.map(([op, extra, attrs], i) => node(op, [name(i - 1), ...extra], [name(i)], attrs)),
    initializers,
    inputs: [valueInfo('input', [batch, ...arch.inputShape])],
    outputs: [valueInfo('output', [batch, classes])],
  });
}
