import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readGgufFileInfo } from "node-llama-cpp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  GgufWriter,
  decodeQ8_0,
  encodeF16,
  encodeQ8_0,
  float16BitsToFloat32,
  float32ToFloat16Bits,
} from "./gguf-writer.js";
import { byteLevelAlphabet, makeTinyModel } from "./tiny-model.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "dellm-gguf-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("float16", () => {
  it("round-trips representative values", () => {
    for (const value of [0, 1, -2, 0.5, 65504, 6.103515625e-5, 5.960464477539063e-8, -0.0999755859375]) {
      expect(float16BitsToFloat32(float32ToFloat16Bits(value))).toBe(value);
    }
    expect(float32ToFloat16Bits(1e6)).toBe(0x7c00); // overflow → +inf
    expect(float32ToFloat16Bits(-1e-10)).toBe(0x8000); // underflow → -0
    expect(float16BitsToFloat32(float32ToFloat16Bits(0.1))).toBeCloseTo(0.1, 3);
    expect(Array.from(encodeF16(new Float32Array([1, -1])))).toEqual([0x00, 0x3c, 0x00, 0xbc]);
  });
});

describe("Q8_0", () => {
  it("encodes blocks of 32 with a per-block scale", () => {
    const values = new Float32Array(64).map((_, i) => (i - 32) / 10);
    const bytes = encodeQ8_0(values);
    expect(bytes.length).toBe(2 * 34);
    const decoded = decodeQ8_0(bytes);
    for (let i = 0; i < values.length; i++) expect(Math.abs(decoded[i]! - values[i]!)).toBeLessThan(0.02);
    expect(() => encodeQ8_0(new Float32Array(31))).toThrow(/multiple of 32/);
  });
});

describe("GgufWriter", () => {
  it("writes a file node-llama-cpp parses, with aligned tensor data", async () => {
    const path = join(dir, "kinds.gguf");
    const writer = new GgufWriter()
      .set("general.architecture", { type: "string", value: "llama" })
      .set("test.u32", { type: "uint32", value: 4_000_000_000 })
      .set("test.i32", { type: "int32", value: -7 })
      .set("test.f32", { type: "float32", value: 0.25 })
      .set("test.bool", { type: "bool", value: true })
      .set("test.strings", { type: "string[]", value: ["a", "Ġb", "ünï"] })
      .set("test.ints", { type: "int32[]", value: [1, -2, 3] });
    const f32 = new Float32Array([1, 2, 3]);
    writer.addTensor({ name: "a.weight", dims: [3], type: "F32", values: () => [f32] });
    writer.addTensor({
      name: "b.weight",
      dims: [2, 3],
      type: "F16",
      values: () => [new Float32Array([1, 2, 3]), new Float32Array([4, 5, 6])],
    });
    writer.addTensor({ name: "c.weight", dims: [32, 2], type: "Q8_0", values: () => [new Float32Array(64).fill(0.5)] });
    const summary = await writer.write(path);
    expect(summary.bytes).toBe((await stat(path)).size);
    expect(summary.bytes).toBe(writer.fileSize());
    expect(summary.dataOffset % 32).toBe(0);

    const info = await readGgufFileInfo(path, { logWarnings: false });
    const metadata = info.metadata as unknown as Record<string, Record<string, unknown>>;
    expect(info.version).toBe(3);
    expect(metadata.general).toMatchObject({ architecture: "llama", alignment: 32 });
    expect(metadata.test).toMatchObject({
      u32: 4_000_000_000,
      i32: -7,
      f32: 0.25,
      bool: true,
      strings: ["a", "Ġb", "ünï"],
      ints: [1, -2, 3],
    });
    const tensors = info.tensorInfo!;
    expect(tensors.map((t) => [t.name, t.dimensions.map(Number), t.ggmlType])).toEqual([
      ["a.weight", [3], 0],
      ["b.weight", [2, 3], 1],
      ["c.weight", [32, 2], 8],
    ]);
    const file = await readFile(path);
    for (const tensor of tensors) expect(Number(tensor.fileOffset) % 32).toBe(0);
    const a = tensors[0]!;
    expect(file.readFloatLE(Number(a.fileOffset) + 8)).toBe(3);
    const b = tensors[1]!;
    expect(float16BitsToFloat32(file.readUInt16LE(Number(b.fileOffset) + 10))).toBe(6);
  });

  it("rejects data that does not match the dims", async () => {
    const writer = new GgufWriter().set("general.architecture", { type: "string", value: "llama" });
    writer.addTensor({ name: "short", dims: [4], type: "F32", values: () => [new Float32Array(3)] });
    await expect(writer.write(join(dir, "bad.gguf"))).rejects.toThrow(/got 12 bytes of data, expected 16/);
    expect(() => new GgufWriter().addTensor({ name: "q", dims: [30], type: "Q8_0", bytes: () => [] })).toThrow(
      /multiple of 32/,
    );
    expect(() => new GgufWriter().set("x", { type: "uint32", value: -1 }).fileSize()).toThrow(/not a valid uint32/);
  });
});

describe("tiny model", () => {
  it("is deterministic for a seed and has the keys llama.cpp needs", async () => {
    const first = join(dir, "tiny-a.gguf");
    const second = join(dir, "tiny-b.gguf");
    const other = join(dir, "tiny-c.gguf");
    await makeTinyModel(first, { seed: 7 });
    await makeTinyModel(second, { seed: 7 });
    await makeTinyModel(other, { seed: 8 });
    const [a, b, c] = await Promise.all([readFile(first), readFile(second), readFile(other)]);
    expect(a.equals(b)).toBe(true);
    expect(a.equals(c)).toBe(false);
    expect(a.length).toBeLessThan(200_000);

    const info = await readGgufFileInfo(first, { logWarnings: false });
    const metadata = info.metadata as unknown as {
      llama: { attention: { head_count: number }; feed_forward_length: number };
      tokenizer: { ggml: { tokens: string[]; merges: string[] } };
    };
    expect(metadata.llama.attention.head_count).toBeGreaterThan(0);
    expect(metadata.llama.feed_forward_length).toBeGreaterThan(0);
    expect(metadata.tokenizer.ggml.tokens).toHaveLength(258);
    expect(metadata.tokenizer.ggml.merges).toEqual(["Ġ t"]);
    expect(info.tensorInfo!.map((t) => t.name)).toContain("blk.0.ffn_down.weight");
  });

  it("uses GPT-2's byte-level alphabet", () => {
    const alphabet = byteLevelAlphabet();
    expect(new Set(alphabet).size).toBe(256);
    expect(alphabet[32]).toBe("Ġ");
    expect(alphabet[10]).toBe("Ċ");
    expect(alphabet[65]).toBe("A");
  });
});
