// A small GGUF v3 writer: enough to build test and benchmark models without any Python tooling.
// Tensor data is produced chunk by chunk and written through a fixed buffer, so a multi-GB file
// never has to be held in memory.
import { open, type FileHandle } from "node:fs/promises";

/** GGUF metadata value types (gguf_type). */
export const GgufValueType = {
  UINT32: 4,
  INT32: 5,
  FLOAT32: 6,
  BOOL: 7,
  STRING: 8,
  ARRAY: 9,
} as const;

/** The ggml tensor types this writer can encode (ggml_type ids). */
export const GgmlTensorType = { F32: 0, F16: 1, Q8_0: 8 } as const;
export type GgmlTensorTypeName = keyof typeof GgmlTensorType;

export type GgufMetadataValue =
  | { type: "uint32"; value: number }
  | { type: "int32"; value: number }
  | { type: "float32"; value: number }
  | { type: "bool"; value: boolean }
  | { type: "string"; value: string }
  | { type: "string[]"; value: readonly string[] }
  | { type: "int32[]"; value: readonly number[] | Int32Array };

export interface GgufTensor {
  /** Full tensor name, e.g. "blk.0.attn_q.weight". */
  name: string;
  /** ggml order: the row length (ne0) first, e.g. [n_embd, n_vocab] for token_embd. */
  dims: readonly number[];
  type: GgmlTensorTypeName;
  /**
   * The tensor's values in row-major order, in chunks that the writer encodes to `type`.
   * For Q8_0 every chunk must hold a whole number of 32-value blocks.
   */
  values?: () => Iterable<Float32Array>;
  /** Or the already encoded bytes (e.g. random Q8_0 blocks), in order. */
  bytes?: () => Iterable<Uint8Array>;
}

export const GGUF_MAGIC = 0x46554747; // "GGUF" read as a little-endian uint32
export const GGUF_VERSION = 3;
export const DEFAULT_ALIGNMENT = 32;
export const Q8_0_BLOCK = 32;
const Q8_0_BLOCK_BYTES = 2 + Q8_0_BLOCK;

export function elementCount(dims: readonly number[]): number {
  return dims.reduce((product, dim) => product * dim, 1);
}

/** Encoded size in bytes of a tensor with these dims and type. */
export function tensorByteSize(dims: readonly number[], type: GgmlTensorTypeName): number {
  const count = elementCount(dims);
  switch (type) {
    case "F32":
      return count * 4;
    case "F16":
      return count * 2;
    case "Q8_0":
      if ((dims[0] ?? 0) % Q8_0_BLOCK !== 0) throw new Error(`Q8_0 rows must be a multiple of ${Q8_0_BLOCK} values`);
      return (count / Q8_0_BLOCK) * Q8_0_BLOCK_BYTES;
  }
}

const f32Scratch = new Float32Array(1);
const u32Scratch = new Uint32Array(f32Scratch.buffer);

/** IEEE half-precision bits of a float, round-to-nearest-even, with overflow to infinity. */
export function float32ToFloat16Bits(value: number): number {
  f32Scratch[0] = value;
  const x = u32Scratch[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exponent = (x >>> 23) & 0xff;
  let mantissa = x & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa !== 0 ? 0x200 : 0); // inf / nan
  let halfExponent = exponent - 127 + 15;
  if (halfExponent >= 0x1f) return sign | 0x7c00;
  if (halfExponent <= 0) {
    if (halfExponent < -10) return sign; // underflows to zero
    mantissa |= 0x800000;
    const shift = 14 - halfExponent;
    let half = mantissa >>> shift;
    const remainder = mantissa & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    if (remainder > halfway || (remainder === halfway && (half & 1) === 1)) half++;
    return sign | half;
  }
  let half = (halfExponent << 10) | (mantissa >>> 13);
  const remainder = mantissa & 0x1fff;
  if (remainder > 0x1000 || (remainder === 0x1000 && (half & 1) === 1)) half++; // may carry into the exponent: fine
  halfExponent = half >>> 10;
  return sign | (halfExponent >= 0x1f ? 0x7c00 : half);
}

export function float16BitsToFloat32(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >>> 10) & 0x1f;
  const mantissa = bits & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 0x1f) return mantissa ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

export function encodeF32(values: Float32Array): Uint8Array {
  const out = new Uint8Array(values.length * 4);
  const view = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i]!, true);
  return out;
}

export function encodeF16(values: Float32Array): Uint8Array {
  const out = new Uint8Array(values.length * 2);
  for (let i = 0; i < values.length; i++) {
    const bits = float32ToFloat16Bits(values[i]!);
    out[i * 2] = bits & 0xff;
    out[i * 2 + 1] = bits >>> 8;
  }
  return out;
}

/** Q8_0: per 32 values one fp16 scale d = max|x| / 127, then 32 int8 round(x / d). */
export function encodeQ8_0(values: Float32Array): Uint8Array {
  if (values.length % Q8_0_BLOCK !== 0) throw new Error(`Q8_0 data must be a multiple of ${Q8_0_BLOCK} values`);
  const blocks = values.length / Q8_0_BLOCK;
  const out = new Uint8Array(blocks * Q8_0_BLOCK_BYTES);
  for (let b = 0; b < blocks; b++) {
    const start = b * Q8_0_BLOCK;
    let maxAbs = 0;
    for (let i = 0; i < Q8_0_BLOCK; i++) maxAbs = Math.max(maxAbs, Math.abs(values[start + i]!));
    const scale = maxAbs / 127;
    const inverse = scale === 0 ? 0 : 1 / scale;
    const bits = float32ToFloat16Bits(scale);
    const o = b * Q8_0_BLOCK_BYTES;
    out[o] = bits & 0xff;
    out[o + 1] = bits >>> 8;
    for (let i = 0; i < Q8_0_BLOCK; i++) {
      const q = Math.max(-127, Math.min(127, Math.round(values[start + i]! * inverse)));
      out[o + 2 + i] = q & 0xff;
    }
  }
  return out;
}

/** Decode Q8_0 blocks back to floats (for tests and sanity checks). */
export function decodeQ8_0(bytes: Uint8Array): Float32Array {
  const blocks = Math.floor(bytes.length / Q8_0_BLOCK_BYTES);
  const out = new Float32Array(blocks * Q8_0_BLOCK);
  for (let b = 0; b < blocks; b++) {
    const o = b * Q8_0_BLOCK_BYTES;
    const scale = float16BitsToFloat32(bytes[o]! | (bytes[o + 1]! << 8));
    for (let i = 0; i < Q8_0_BLOCK; i++) {
      const q = bytes[o + 2 + i]!;
      out[b * Q8_0_BLOCK + i] = (q > 127 ? q - 256 : q) * scale;
    }
  }
  return out;
}

function encodeValues(values: Float32Array, type: GgmlTensorTypeName): Uint8Array {
  switch (type) {
    case "F32":
      return encodeF32(values);
    case "F16":
      return encodeF16(values);
    case "Q8_0":
      return encodeQ8_0(values);
  }
}

/** Builds the header bytes (everything before the tensor data) in memory; it is small. */
class HeaderBuilder {
  private chunks: Buffer[] = [];
  length = 0;

  private push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.length += chunk.length;
  }
  u32(value: number): void {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(value >>> 0);
    this.push(b);
  }
  i32(value: number): void {
    const b = Buffer.alloc(4);
    b.writeInt32LE(value);
    this.push(b);
  }
  u64(value: number | bigint): void {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt(value));
    this.push(b);
  }
  f32(value: number): void {
    const b = Buffer.alloc(4);
    b.writeFloatLE(value);
    this.push(b);
  }
  bool(value: boolean): void {
    this.push(Buffer.from([value ? 1 : 0]));
  }
  string(value: string): void {
    const bytes = Buffer.from(value, "utf8");
    this.u64(bytes.length);
    this.push(bytes);
  }
  pad(alignment: number): void {
    const rest = this.length % alignment;
    if (rest !== 0) this.push(Buffer.alloc(alignment - rest));
  }
  toBuffer(): Buffer {
    return Buffer.concat(this.chunks, this.length);
  }
}

function writeMetadataValue(header: HeaderBuilder, key: string, entry: GgufMetadataValue): void {
  const checkInteger = (value: number, min: number, max: number) => {
    if (!Number.isInteger(value) || value < min || value > max)
      throw new Error(`GGUF key ${key}: ${value} is not a valid ${entry.type}`);
  };
  switch (entry.type) {
    case "uint32":
      checkInteger(entry.value, 0, 0xffffffff);
      header.u32(GgufValueType.UINT32);
      header.u32(entry.value);
      return;
    case "int32":
      checkInteger(entry.value, -0x80000000, 0x7fffffff);
      header.u32(GgufValueType.INT32);
      header.i32(entry.value);
      return;
    case "float32":
      header.u32(GgufValueType.FLOAT32);
      header.f32(entry.value);
      return;
    case "bool":
      header.u32(GgufValueType.BOOL);
      header.bool(entry.value);
      return;
    case "string":
      header.u32(GgufValueType.STRING);
      header.string(entry.value);
      return;
    case "string[]":
      header.u32(GgufValueType.ARRAY);
      header.u32(GgufValueType.STRING);
      header.u64(entry.value.length);
      for (const item of entry.value) header.string(item);
      return;
    case "int32[]":
      header.u32(GgufValueType.ARRAY);
      header.u32(GgufValueType.INT32);
      header.u64(entry.value.length);
      for (const item of entry.value) {
        checkInteger(item, -0x80000000, 0x7fffffff);
        header.i32(item);
      }
      return;
  }
}

/** Buffers writes to a file handle so chunk sizes do not turn into syscalls. */
class BufferedFileWriter {
  private buffer: Buffer;
  private used = 0;
  written = 0;

  constructor(
    private readonly file: FileHandle,
    size = 4 * 1024 * 1024,
  ) {
    this.buffer = Buffer.allocUnsafe(size);
  }

  async write(data: Uint8Array): Promise<void> {
    let offset = 0;
    while (offset < data.length) {
      const take = Math.min(data.length - offset, this.buffer.length - this.used);
      this.buffer.set(data.subarray(offset, offset + take), this.used);
      this.used += take;
      offset += take;
      if (this.used === this.buffer.length) await this.flush();
    }
    this.written += data.length;
  }

  async zeros(count: number): Promise<void> {
    if (count > 0) await this.write(new Uint8Array(count));
  }

  async flush(): Promise<void> {
    let offset = 0;
    while (offset < this.used) {
      const { bytesWritten } = await this.file.write(this.buffer, offset, this.used - offset);
      offset += bytesWritten;
    }
    this.used = 0;
  }
}

export interface GgufWriteSummary {
  path: string;
  bytes: number;
  tensorCount: number;
  metadataCount: number;
  dataOffset: number;
}

/**
 * Collects metadata and tensors, then streams a GGUF v3 file.
 * `general.alignment` is always written (default 32) and every tensor starts on that alignment.
 */
export class GgufWriter {
  private readonly metadata = new Map<string, GgufMetadataValue>();
  private readonly tensors: GgufTensor[] = [];

  constructor(readonly alignment = DEFAULT_ALIGNMENT) {
    if (!Number.isInteger(alignment) || alignment <= 0 || alignment % 8 !== 0)
      throw new Error("GGUF alignment must be a positive multiple of 8");
    this.metadata.set("general.alignment", { type: "uint32", value: alignment });
  }

  set(key: string, entry: GgufMetadataValue): this {
    if (key === "general.alignment") throw new Error("general.alignment is set through the GgufWriter constructor");
    this.metadata.set(key, entry);
    return this;
  }

  addTensor(tensor: GgufTensor): this {
    if ((tensor.values == null) === (tensor.bytes == null))
      throw new Error(`tensor ${tensor.name}: give exactly one of values or bytes`);
    if (
      tensor.dims.length === 0 ||
      tensor.dims.length > 4 ||
      tensor.dims.some((dim) => !Number.isInteger(dim) || dim <= 0)
    ) {
      throw new Error(`tensor ${tensor.name}: dims must be 1-4 positive integers`);
    }
    if (this.tensors.some((existing) => existing.name === tensor.name))
      throw new Error(`tensor ${tensor.name} added twice`);
    tensorByteSize(tensor.dims, tensor.type); // validates Q8_0 row length
    this.tensors.push(tensor);
    return this;
  }

  /** Size the file will have, without writing it. */
  fileSize(): number {
    return this.buildHeader().header.length + this.tensorLayout().total;
  }

  private tensorLayout(): { offsets: number[]; total: number } {
    const offsets: number[] = [];
    let offset = 0;
    for (const tensor of this.tensors) {
      offsets.push(offset);
      offset += tensorByteSize(tensor.dims, tensor.type);
      offset = alignUp(offset, this.alignment);
    }
    return { offsets, total: offset };
  }

  private buildHeader(): { header: Buffer; offsets: number[] } {
    const { offsets } = this.tensorLayout();
    const header = new HeaderBuilder();
    header.u32(GGUF_MAGIC);
    header.u32(GGUF_VERSION);
    header.u64(this.tensors.length);
    header.u64(this.metadata.size);
    for (const [key, entry] of this.metadata) {
      header.string(key);
      writeMetadataValue(header, key, entry);
    }
    this.tensors.forEach((tensor, index) => {
      header.string(tensor.name);
      header.u32(tensor.dims.length);
      for (const dim of tensor.dims) header.u64(dim);
      header.u32(GgmlTensorType[tensor.type]);
      header.u64(offsets[index]!);
    });
    header.pad(this.alignment);
    return { header: header.toBuffer(), offsets };
  }

  async write(path: string): Promise<GgufWriteSummary> {
    const { header } = this.buildHeader();
    const file = await open(path, "w");
    try {
      const out = new BufferedFileWriter(file);
      await out.write(header);
      for (const tensor of this.tensors) {
        const expected = tensorByteSize(tensor.dims, tensor.type);
        const start = out.written;
        const chunks = tensor.bytes
          ? tensor.bytes()
          : mapIterable(tensor.values!(), (values) => encodeValues(values, tensor.type));
        for (const chunk of chunks) {
          if (out.written - start + chunk.length > expected)
            throw new Error(`tensor ${tensor.name}: more data than its dims hold (${expected} bytes)`);
          await out.write(chunk);
        }
        const got = out.written - start;
        if (got !== expected) throw new Error(`tensor ${tensor.name}: got ${got} bytes of data, expected ${expected}`);
        await out.zeros(alignUp(out.written, this.alignment) - out.written);
      }
      await out.flush();
      return {
        path,
        bytes: out.written,
        tensorCount: this.tensors.length,
        metadataCount: this.metadata.size,
        dataOffset: header.length,
      };
    } finally {
      await file.close();
    }
  }
}

function alignUp(value: number, alignment: number): number {
  return Math.ceil(value / alignment) * alignment;
}

function* mapIterable<T, U>(items: Iterable<T>, map: (item: T) => U): Iterable<U> {
  for (const item of items) yield map(item);
}
