// Compares two builds of the im_batch bench (tools/profile-core, wasm32-wasip1) in one Node
// process: short runs of each in turn, so both see the same phases of the machine's speed (on a
// shared machine whole stretches of ~100 ms run ~1.7x slower, which made separate processes
// useless for a few percent). Prints each build's "text 500" figures (µs a batch: min, lower
// quartile, median) and the paired ratio B / A of the runs side by side.
//
//   node --expose-gc tools/profile-core/ab.mjs ROUNDS a.wasm b.wasm
//
// AB_SIZE=1 compares another batch size (messages a reply) than 500; AS_BYTES=1 times replies as
// the wasm export gets them (UTF-8 check included); AB_SAMPLES sets the bench's
// samples a run (15).
//
// (--expose-gc: the instances are collected between runs; without it V8 runs out of room for
// their memories after a few dozen.)
import { WASI } from 'node:wasi'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'

process.removeAllListeners('warning') // WASI's "experimental" notice
const rounds = Number(process.argv[2])
const files = process.argv.slice(3, 5)
if (!(rounds > 1) || files.length !== 2) {
  console.error('usage: node --expose-gc ab.mjs ROUNDS a.wasm b.wasm')
  process.exit(2)
}
const size = process.env.AB_SIZE || '500'
const modules = await Promise.all(files.map(f => WebAssembly.compile(fs.readFileSync(f))))
const figures = [[], []]
const out = path.join(os.tmpdir(), `im-batch-ab-${process.pid}.txt`)
for (let round = 0; round < rounds; round++) {
  for (let i = 0; i < 2; i++) {
    const fd = fs.openSync(out, 'w')
    const wasi = new WASI({ version: 'preview1', args: ['im_batch'], env: { BENCH_SAMPLES: process.env.AB_SAMPLES || '15', BENCH_SIZES: size, ...(process.env.AS_BYTES ? { AS_BYTES: '1' } : {}) }, stdout: fd, returnOnExit: true })
    wasi.start(await WebAssembly.instantiate(modules[i], wasi.getImportObject()))
    fs.closeSync(fd)
    if (globalThis.gc) globalThis.gc()
    const line = fs.readFileSync(out, 'utf8').split('\n').find(l => new RegExp(`^text\\s+${size}\\s`).test(l))
    // the first round warms both up
    if (round > 0 && line) figures[i].push(Number(line.trim().split(/\s+/)[4]))
  }
}
fs.rmSync(out, { force: true })
const at = (sorted, q) => sorted[Math.floor(q * (sorted.length - 1))]
files.forEach((f, i) => {
  const s = [...figures[i]].sort((a, b) => a - b)
  console.log(`${path.basename(f)}: min ${s[0]}  q1 ${at(s, 0.25)}  median ${at(s, 0.5)} µs`)
})
const ratio = figures[1].map((b, k) => b / figures[0][k]).sort((a, b) => a - b)
console.log(`B / A, paired: q1 ${at(ratio, 0.25).toFixed(3)}  median ${at(ratio, 0.5).toFixed(3)}  q3 ${at(ratio, 0.75).toFixed(3)}`)
