import { createReadStream } from "node:fs";
import { mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeTinyModel } from "../../test/gguf/tiny-model.js";
import {
  DEFAULT_MODEL_URI,
  InvalidModelFileError,
  ModelUnavailableError,
  modelDisplayName,
  resolveModelSource,
  validateGgufFile,
} from "./model-source.js";

let dir: string;
let tinyPath: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "dellm-model-source-"));
  tinyPath = join(dir, "tiny-random.gguf");
  await makeTinyModel(tinyPath);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A stand-in for the Hugging Face file server: GET/HEAD with byte ranges for one file. */
async function serveFile(
  urlPath: string,
  filePath: string,
): Promise<{ server: Server; endpoint: string; requests: string[] }> {
  const size = (await stat(filePath)).size;
  const requests: string[] = [];
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? "/", "http://localhost");
    requests.push(`${request.method} ${url.pathname}`);
    if (url.pathname !== urlPath) {
      response.writeHead(url.pathname === "/" ? 200 : 404).end();
      return;
    }
    const range = /^bytes=(\d+)-(\d*)$/.exec(request.headers.range ?? "");
    const start = range ? Number(range[1]) : 0;
    const end = range && range[2] ? Math.min(Number(range[2]), size - 1) : size - 1;
    const headers: Record<string, string | number> = {
      "accept-ranges": "bytes",
      "content-type": "application/octet-stream",
      "content-length": end - start + 1,
    };
    if (range) headers["content-range"] = `bytes ${start}-${end}/${size}`;
    response.writeHead(range ? 206 : 200, headers);
    if (request.method === "HEAD") response.end();
    else createReadStream(filePath, { start, end }).pipe(response);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { server, endpoint: `http://127.0.0.1:${port}/`, requests };
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe("resolveModelSource", () => {
  it("uses a local path as is, and a bare name from the models directory", async () => {
    expect(await resolveModelSource({ model: tinyPath })).toEqual({ path: tinyPath, origin: "file" });
    expect(await resolveModelSource({ model: "tiny-random.gguf", modelsDirectory: dir })).toEqual({
      path: tinyPath,
      origin: "file",
    });
  });

  it("explains the fix when a local file is missing", async () => {
    const error = await resolveModelSource({ model: join(dir, "nope.gguf") }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelUnavailableError);
    const message = (error as Error).message;
    expect(message).toContain("nope.gguf");
    expect(message).toContain(`npx node-llama-cpp pull --dir models ${DEFAULT_MODEL_URI}`);
    expect(message).toContain("MODEL_PATH");
    expect(message).toContain("--model");
    expect(message).toContain("ANTHROPIC_API_KEY");
  });

  it("finds an hf URI's file already in the models directory without the network", async () => {
    const uri = "hf:someone/Tiny-GGUF/tiny-random.gguf";
    const port = await closedPort(); // any network use would fail
    const found = await resolveModelSource({ model: uri, modelsDirectory: dir, endpoint: `http://127.0.0.1:${port}/` });
    expect(found).toEqual({ path: tinyPath, origin: "cache", uri });
  });

  it("downloads an hf URI from a mirror endpoint, with progress, then reuses it offline", async () => {
    const models = await mkdtemp(join(dir, "models-"));
    const mirror = await serveFile("/dellm/Tiny-GGUF/resolve/main/tiny-random.gguf", tinyPath);
    const progress: Array<{ totalSize: number; downloadedSize: number }> = [];
    try {
      const uri = "hf:dellm/Tiny-GGUF/tiny-random.gguf";
      const downloaded = await resolveModelSource({
        model: uri,
        modelsDirectory: models,
        endpoint: mirror.endpoint,
        progressBar: false,
        onProgress: (status) => progress.push(status),
      });
      expect(downloaded.origin).toBe("download");
      expect(downloaded.path.startsWith(models)).toBe(true);
      expect(downloaded.path.endsWith("tiny-random.gguf")).toBe(true);
      expect((await stat(downloaded.path)).size).toBe((await stat(tinyPath)).size);
      expect(progress.length).toBeGreaterThan(0);
      expect(progress.at(-1)?.downloadedSize).toBe((await stat(tinyPath)).size);
      expect(mirror.requests.some((r) => r.startsWith("GET /dellm/Tiny-GGUF/resolve/main/tiny-random.gguf"))).toBe(
        true,
      );
      await validateGgufFile(downloaded.path);

      await new Promise((resolve) => mirror.server.close(resolve));
      const again = await resolveModelSource({ model: uri, modelsDirectory: models, endpoint: mirror.endpoint });
      expect(again).toEqual({ path: downloaded.path, origin: "cache", uri });
    } finally {
      mirror.server.close();
    }
  });

  it("fails fast with the fix when the server cannot be reached", async () => {
    const models = await mkdtemp(join(dir, "models-"));
    const port = await closedPort();
    const started = Date.now();
    const error = await resolveModelSource({
      model: DEFAULT_MODEL_URI,
      modelsDirectory: models,
      endpoint: `http://127.0.0.1:${port}/`,
      connectTimeoutMs: 3_000,
    }).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(error).toBeInstanceOf(ModelUnavailableError);
    const message = (error as Error).message;
    expect(message).toContain(`cannot reach http://127.0.0.1:${port}/ (fetch failed: ECONNREFUSED)`);
    expect(message).toContain(`npx node-llama-cpp pull --dir ${models} ${DEFAULT_MODEL_URI}`);
    expect(message).toContain("MODEL_PATH");
    expect(message).toContain("ANTHROPIC_API_KEY");
  });

  it("offers the offline ways (canned answers, the tiny model) before the download, which needs a network", async () => {
    const models = await mkdtemp(join(dir, "models-"));
    const message = await resolveModelSource({
      model: DEFAULT_MODEL_URI,
      modelsDirectory: models,
      download: false,
    }).then(
      () => "resolved",
      (e: Error) => e.message,
    );
    const offline = message.indexOf("--model script:scripts/demo-fibonacci.script.json");
    const tiny = message.indexOf("npm run model:tiny");
    const download = message.indexOf("npx node-llama-cpp pull");
    expect(offline).toBeGreaterThan(-1);
    expect(tiny).toBeGreaterThan(-1);
    expect(download).toBeGreaterThan(Math.max(offline, tiny));
  });

  it("does not download when downloading is off", async () => {
    const models = await mkdtemp(join(dir, "models-"));
    await expect(
      resolveModelSource({ model: DEFAULT_MODEL_URI, modelsDirectory: models, download: false }),
    ).rejects.toThrow(`npx node-llama-cpp pull --dir ${models} ${DEFAULT_MODEL_URI}`);
  });
});

describe("validateGgufFile", () => {
  it("accepts the tiny model", async () => {
    const info = await validateGgufFile(tinyPath);
    expect(info.version).toBe(3);
  });

  it.each([["llama.attention.head_count"], ["llama.feed_forward_length"], ["tokenizer.ggml.merges"]])(
    "rejects a model without %s",
    async (key) => {
      const path = join(dir, `no-${key}.gguf`);
      await makeTinyModel(path, { omitKeys: [key] });
      await expect(validateGgufFile(path)).rejects.toThrow(InvalidModelFileError);
      await expect(validateGgufFile(path)).rejects.toThrow(key);
    },
  );

  it("rejects files that are not GGUF or are truncated", async () => {
    const junk = join(dir, "junk.gguf");
    await writeFile(junk, "not a model at all");
    await expect(validateGgufFile(junk)).rejects.toThrow(/not a readable GGUF/);
    const truncated = join(dir, "truncated.gguf");
    const { readFile } = await import("node:fs/promises");
    await writeFile(truncated, (await readFile(tinyPath)).subarray(0, 20_000));
    await expect(validateGgufFile(truncated)).rejects.toThrow(/truncated/);
  });

  it("names models after their file", () => {
    expect(modelDisplayName("/x/models/hf_Qwen_qwen2.5-1.5b-instruct-q8_0.gguf")).toBe("qwen2.5-1.5b-instruct-q8_0");
    expect(modelDisplayName("tiny-random.gguf")).toBe("tiny-random");
  });
});
