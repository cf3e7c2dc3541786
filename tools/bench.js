#!/usr/bin/env node
// Budgets of the component, measured (not asserted by timed tests):
// - setData on each shared churn trace, run through the real component in the WeChat-like test
//   runtime: calls, bytes (JSON length of each setData argument, as the 2019 figures are), the most
//   calls any one input caused; budget: at most 1 per input and at most 15% of 2019's bytes;
// - time per runtime event (live-pusher / live-player statechange delivered to the component,
//   through the shim, the wasm core, setData and the simulator's render), median and p95;
// - bytes of the webrtc-room/ folder as a user copies it, IM included: at most 50,000 (the
//   developers' guide; 2019 with its IM: 300,767).
// Prints the figures; exits 1 when a budget is missed.
//
// - the project's own trtc churn trace (test/traces/churn-trtc.json: users entering and leaving,
//   video toggling, a screen share) has no 2019 figure: its budget is at most 1 setData per input.
//
//   node tools/bench.js            (after tools/build.sh; needs ../shared/traces beside the project)
'use strict'

const fs = require('fs')
const path = require('path')
const { mock } = require('node:test')
const env = require('../test/support/wechat-env')
const T = require('../test/support/traces')

const ROOT = path.resolve(__dirname, '..')
const FOLDER_BUDGET = 50000
const FOLDER_2019 = 300767
const SETDATA_SHARE = 0.15
// The 2019 component's figures on the same traces (../shared/traces/README.md).
const BYTES_2019 = { 'churn-grid': 8025, 'churn-float': 8025, 'churn-bigsmall': 3515 }
const CALLS_2019 = { 'churn-grid': 45, 'churn-float': 45, 'churn-bigsmall': 35 }
const TIMING_RUNS = 30

function folderBytes (dir) {
  let total = 0
  const files = []
  for (const name of fs.readdirSync(dir)) {
    const p = path.join(dir, name)
    const st = fs.statSync(p)
    if (st.isDirectory()) {
      const sub = folderBytes(p)
      total += sub.total
      files.push(...sub.files)
    } else {
      total += st.size
      files.push([path.relative(ROOT, p), st.size])
    }
  }
  return { total, files }
}

function percentile (sorted, q) {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]
}

// Times every synchronous delivery of a native event (what one runtime happening costs).
function timeDeliveries () {
  const Event = env.exparser.Event
  const original = Event.dispatchEvent
  const samples = []
  let depth = 0 // events the component triggers while handling one are part of that one
  Event.dispatchEvent = function (...args) {
    const t0 = process.hrtime.bigint()
    depth++
    try {
      return original.apply(this, args)
    } finally {
      if (--depth === 0) samples.push(Number(process.hrtime.bigint() - t0) / 1000)
    }
  }
  return { samples, restore () { Event.dispatchEvent = original } }
}

async function runTrace (trace) {
  mock.timers.enable({ apis: ['setTimeout'] })
  try {
    // Let armed timers (the 1 s retry, bigsmall's 500 ms poster) run out after each input, so
    // what they cost is counted too.
    const run = await T.replay(trace, {
      between: async () => { mock.timers.tick(600); await env.flush() }
    })
    const perInput = run.steps.map(s => s.setData.length + (s.after ? s.after.length : 0))
    const inputs = run.steps.length + run.steps.filter(s => s.after && s.after.length).length
    return { run, inputs, maxPerInput: Math.max(0, ...run.steps.map(s => Math.max(s.setData.length, s.after ? s.after.length : 0))), calls: perInput.reduce((a, b) => a + b, 0) }
  } finally {
    await env.cleanup()
    mock.timers.reset()
  }
}

async function main () {
  let ok = true
  const names = T.traceNames()
  if (!names.length) {
    console.error(`no traces at ${T.TRACES_DIR}: the bench needs ../shared/traces beside the project`)
    process.exit(1)
  }

  console.log('setData on the shared churn traces (real component, WeChat-like runtime)')
  console.log('trace            inputs  calls (2019)  bytes (2019)  budget  share  max/input  verdict')
  for (const name of names) {
    const trace = T.loadTrace(name)
    const { run, inputs, calls, maxPerInput } = await runTrace(trace)
    const bytes = run.setDataChars
    const old = BYTES_2019[name]
    const budget = old ? Math.floor(old * SETDATA_SHARE) : Infinity
    const pass = bytes <= budget && maxPerInput <= 1
    ok = ok && pass
    console.log(
      name.padEnd(16), String(inputs).padStart(6),
      `${calls} (${CALLS_2019[name] || '-'})`.padStart(13),
      `${bytes} (${old || '-'})`.padStart(13),
      (old ? String(budget) : '-').padStart(7),
      (old ? `${(100 * bytes / old).toFixed(1)}%` : '-').padStart(6),
      String(maxPerInput).padStart(10),
      pass ? ' ok' : ' OVER BUDGET')
  }

  console.log(`\ntime per runtime event (statechange → shim → wasm core → setData → render), ${TIMING_RUNS} runs of each trace`)
  for (const name of names) {
    const trace = T.loadTrace(name)
    const timer = timeDeliveries()
    try {
      for (let i = 0; i < TIMING_RUNS; i++) await runTrace(trace)
    } finally {
      timer.restore()
    }
    const sorted = timer.samples.slice().sort((a, b) => a - b)
    console.log(`${name.padEnd(16)} events ${String(sorted.length).padStart(5)}  median ${percentile(sorted, 0.5).toFixed(0).padStart(5)} µs  p95 ${percentile(sorted, 0.95).toFixed(0).padStart(5)} µs`)
  }

  const { total, files } = folderBytes(path.join(ROOT, 'webrtc-room'))
  const pass = total <= FOLDER_BUDGET
  ok = ok && pass
  console.log(`\nwebrtc-room/ as a user copies it, IM included: ${total} bytes (budget ${FOLDER_BUDGET}; 2019 with its IM: ${FOLDER_2019}, so ${(100 * total / FOLDER_2019).toFixed(1)}% of it) ${pass ? 'ok' : 'OVER BUDGET'}`)
  for (const [file, size] of files.sort((a, b) => b[1] - a[1])) console.log(`  ${String(size).padStart(6)}  ${file}`)

  console.log(ok ? '\nall budgets met' : '\nBUDGET MISSED')
  process.exit(ok ? 0 : 1)
}

main().catch(err => { console.error(err); process.exit(1) })
