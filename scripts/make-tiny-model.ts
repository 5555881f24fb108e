// Writes the tiny random-weight test model: `npm run model:tiny [-- <path> [seed]]`.
import { makeTinyModel } from "../test/gguf/tiny-model.js";

const [path = "models/tiny-random.gguf", seedText = "1"] = process.argv.slice(2);
const seed = Number(seedText);
if (!Number.isInteger(seed)) {
  console.error(`seed must be an integer, got ${JSON.stringify(seedText)}`);
  process.exit(2);
}
const summary = await makeTinyModel(path, { seed });
console.log(`wrote ${summary.path} (${summary.bytes} bytes, ${summary.tensorCount} tensors, seed ${seed})`);
