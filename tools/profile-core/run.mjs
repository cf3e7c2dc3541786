// Runs the WASI build of the im_batch bench in Node (argv[2]: the .wasm); BENCH_SAMPLES passes on.
import { WASI } from 'node:wasi'
import fs from 'node:fs'
const wasi = new WASI({ version: 'preview1', args: ['im_batch'], env: { BENCH_SAMPLES: process.env.BENCH_SAMPLES || '300', BENCH_SIZES: process.env.BENCH_SIZES || '50,200,500' } })
const module = await WebAssembly.compile(fs.readFileSync(process.argv[2]))
wasi.start(await WebAssembly.instantiate(module, wasi.getImportObject()))
