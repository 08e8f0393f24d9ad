/**
 * A small ONNX graph builder: nodes, initializers and graph inputs/outputs, every value and node
 * name made unique, tensors stored little-endian in raw_data as the spec requires. It knows
 * nothing about zerodl's layers (layers.ts does the mapping).
 */
import { InternalError } from '../../errors.js';
import { AttributeType, DataType, type AttributeMessage, type DataTypeCode, type Dim, type GraphMessage, type NodeMessage, type TensorMessage, type ValueInfoMessage } from './schema.js';

/** A float attribute (plain numbers are written as integer attributes). */
export class FloatAttr {
  constructor(readonly value: number) {}
}

/** An attribute value: an integer, a float, a string, or a list of integers or strings. */
export type AttrValue = number | FloatAttr | string | number[] | string[];

/** A value flowing through the graph: its name and its shape (batch included; strings are free dims). */
export interface Value {
  name: string;
  shape: Dim[];
}

const utf8 = (s: string) => new TextEncoder().encode(s);

function attribute(name: string, v: AttrValue): AttributeMessage {
  if (v instanceof FloatAttr) return { name, type: AttributeType.FLOAT, f: v.value };
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v)) throw new InternalError(`ONNX attribute ${name}: ${v} is not an integer (use FloatAttr)`);
    return { name, type: AttributeType.INT, i: v };
  }
  if (typeof v === 'string') return { name, type: AttributeType.STRING, s: utf8(v) };
  if (v.every((x): x is number => typeof x === 'number')) return { name, type: AttributeType.INTS, ints: v };
  return { name, type: AttributeType.STRINGS, strings: (v as string[]).map(utf8) };
}

/** Little-endian bytes of the values, whatever the host's byte order. */
function rawData(type: DataTypeCode, values: ArrayLike<number>): Uint8Array {
  const width = type === DataType.INT64 ? 8 : 4;
  const out = new Uint8Array(values.length * width);
  const view = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (type === DataType.FLOAT) view.setFloat32(i * 4, v, true);
    else if (type === DataType.INT32) view.setInt32(i * 4, v, true);
    else view.setBigInt64(i * 8, BigInt(v), true);
  }
  return out;
}

function valueInfo(name: string, type: DataTypeCode, dims: Dim[]): ValueInfoMessage {
  const dim = dims.map((d) => (typeof d === 'number' ? { dim_value: d } : { dim_param: d }));
  return { name, type: { tensor_type: { elem_type: type, shape: { dim } } } };
}

export class GraphBuilder {
  readonly #nodes: NodeMessage[] = [];
  readonly #initializers: TensorMessage[] = [];
  readonly #inputs: ValueInfoMessage[] = [];
  readonly #outputs: ValueInfoMessage[] = [];
  readonly #names = new Set<string>();
  /** Integer constants already added, by their values (shared by every node that needs them). */
  readonly #int64Constants = new Map<string, string>();

  constructor(readonly name: string) {}

  /** `hint`, or `hint_1`, `hint_2`... : a name no value or node has yet. */
  unique(hint: string): string {
    let name = hint;
    for (let k = 1; this.#names.has(name); k++) name = `${hint}_${k}`;
    this.#names.add(name);
    return name;
  }

  /** Declares a graph input. */
  input(name: string, type: DataTypeCode, dims: Dim[]): string {
    if (this.#names.has(name)) throw new InternalError(`ONNX graph: the name ${name} is taken`);
    this.#names.add(name);
    this.#inputs.push(valueInfo(name, type, dims));
    return name;
  }

  /** Declares `value` a graph output named `name` (renaming the value everywhere it appears). */
  output(value: Value, name: string, type: DataTypeCode = DataType.FLOAT): void {
    if (value.name !== name) this.#rename(value, name);
    this.#outputs.push(valueInfo(name, type, value.shape));
  }

  /** A constant tensor (weights, or the shapes of a Reshape); returns its name. */
  initializer(hint: string, type: DataTypeCode, dims: number[], values: ArrayLike<number>): string {
    const count = dims.reduce((a, b) => a * b, 1);
    if (count !== values.length) throw new InternalError(`ONNX initializer ${hint}: dims [${dims.join(', ')}] hold ${count} values, got ${values.length}`);
    const name = this.unique(hint);
    this.#initializers.push({ name, dims, data_type: type, raw_data: rawData(type, values) });
    return name;
  }

  /** A 1-D int64 constant (axes, shapes), added once however often it is asked for. */
  int64s(values: number[]): string {
    return this.#int64Constant(values, [values.length]);
  }

  /** A scalar int64 constant (the bounds of a Range), added once. */
  int64Scalar(value: number): string {
    return this.#int64Constant([value], []);
  }

  #int64Constant(values: number[], dims: number[]): string {
    const key = `${dims.length}:${values.join(',')}`;
    let name = this.#int64Constants.get(key);
    if (name === undefined) {
      const hint = `const_${dims.length === 0 ? 'scalar_' : ''}${values.map((v) => String(v).replace('-', 'm')).join('_') || 'empty'}`;
      name = this.initializer(hint, DataType.INT64, dims, values);
      this.#int64Constants.set(key, name);
    }
    return name;
  }

  /**
   * Adds a node; returns the names of its outputs. `outputs` gives one hint per output; `null`
   * leaves an optional output out. `inputs` may hold '' for an optional input left out
   * (trailing ones are dropped, as the spec prefers).
   */
  node(opType: string, inputs: string[], outputs: (string | null)[], attrs: Record<string, AttrValue> = {}, nodeHint = opType): string[] {
    const ins = [...inputs];
    while (ins.length > 0 && ins[ins.length - 1] === '') ins.pop();
    const outs = outputs.map((o) => (o === null ? '' : this.unique(o)));
    while (outs.length > 0 && outs[outs.length - 1] === '') outs.pop();
    const attribute_ = Object.entries(attrs).map(([k, v]) => attribute(k, v));
    this.#nodes.push({ name: this.unique(nodeHint), op_type: opType, input: ins, output: outs, attribute: attribute_ });
    return outputs.map((o, i) => (o === null ? '' : (outs[i] as string)));
  }

  /** A node with one output. */
  op(opType: string, inputs: string[], outputHint: string, attrs: Record<string, AttrValue> = {}, nodeHint?: string): string {
    return this.node(opType, inputs, [outputHint], attrs, nodeHint)[0] as string;
  }

  /** The graph message. */
  build(docString?: string): GraphMessage {
    return {
      name: this.name,
      node: this.#nodes,
      initializer: this.#initializers,
      input: this.#inputs,
      output: this.#outputs,
      ...(docString === undefined ? {} : { doc_string: docString }),
    };
  }

  /** Gives a value a new name in every node that makes or reads it. */
  #rename(value: Value, to: string): void {
    if (this.#names.has(to)) throw new InternalError(`ONNX graph: the name ${to} is taken`);
    const produced = this.#nodes.some((n) => n.output.includes(value.name));
    if (!produced) {
      // A graph input (or an initializer) passed straight through, e.g. a model of dropouts only.
      this.#names.add(to);
      this.#nodes.push({ name: this.unique('Identity'), op_type: 'Identity', input: [value.name], output: [to], attribute: [] });
      return;
    }
    this.#names.add(to);
    for (const n of this.#nodes) {
      n.input = n.input.map((x) => (x === value.name ? to : x));
      n.output = n.output.map((x) => (x === value.name ? to : x));
    }
  }
}
