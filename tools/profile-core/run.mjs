// Runs the WASI build of the im_batch bench in Node (argv[2]: the .wasm); BENCH_SAMPLES,
// BENCH_SIZES and AS_BYTES pass on (the bench's header says what they do).
import { WASI } from 'node:wasi'
import fs from 'node:fs'
const env = { BENCH_SAMPLES: process.env.BENCH_SAMPLES || '300', BENCH_SIZES: process.env.BENCH_SIZES || '50,200,500' }
if (process.env.AS_BYTES) env.AS_BYTES = '1'
const wasi = new WASI({ version: 'preview1', args: ['im_batch'], env })
const module = await WebAssembly.compile(fs.readFileSync(process.argv[2]))
wasi.start(await WebAssembly.instantiate(module, wasi.getImportObject()))
