#!/usr/bin/env node
// Budgets of the component, measured (not asserted by timed tests):
// - setData on each shared churn trace, run through the real component in the WeChat-like test
//   runtime: calls, bytes (JSON length of each setData argument, as the 2019 figures are), the most
//   calls any one input caused; budget: at most 1 per input and at most 15% of 2019's bytes;
// - time per runtime event (live-pusher / live-player statechange delivered to the component,
//   through the shim, the wasm core, setData and the simulator's render), median and p95;
// - bytes of the webrtc-room/ folder as a user copies it, IM included: at most 50,000 (the
//   developers' guide; 2019 with its IM: 300,767);
// - the IM hot path: a big-group long-poll reply of 50 / 200 / 500 messages (70 % short Chinese +
//   emoji text, 20 % custom with a 100-byte data, 10 % join/quit tips; the recipe of the native
//   bench crate/benches/im_batch.rs) from wx.request's success reaching the component to the
//   page's big_group_msg_notify handler, median and p95 per batch and per message, and the bytes
//   crossing the wasm boundary (2019's webim: 0.10 / 0.34 / 0.85 ms, issue 11); then each size's
//   median in 5 fresh processes (V8 makes some processes run the same wasm much faster).
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
const FOLDER_BUDGET = require('./build').BUDGET // the build's own figure: one budget
const FOLDER_2019 = 300767
const SETDATA_SHARE = 0.15
// The 2019 component's figures on the same traces (../shared/traces/README.md).
const BYTES_2019 = { 'churn-grid': 8025, 'churn-float': 8025, 'churn-bigsmall': 3515 }
const CALLS_2019 = { 'churn-grid': 45, 'churn-float': 45, 'churn-bigsmall': 35 }
const TIMING_RUNS = 30
const IM_SIZES = [50, 200, 500]
const IM_SAMPLES = 200
const IM_WARMUP = 20
const IM_2019_MS = { 50: 0.10, 200: 0.34, 500: 0.85 }

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

const TEXTS = ['主播好厉害 😀', '哈哈哈哈🎉🎉', '来了来了', '这首歌叫什么名字？', '666 👍', '晚上好，大家好 🌸']

// The long-poll reply of `n` messages as the server sends it (same recipe as crate/benches/im_batch.rs).
function imBatch (n, firstSeq) {
  const items = []
  for (let i = 0; i < n; i++) {
    const seq = firstSeq + i
    const from = `user${i % 37}`
    const item = (Event, MsgBody) => ({
      Event, From_Account: from, ToGroupId: '1234', MsgSeq: seq, MsgRandom: 100000 + seq * 7919 % 900000,
      MsgTimeStamp: 1700000000 + seq, MsgPriority: 'COMMON', IsPlaceMsg: 0,
      GroupInfo: { GroupName: '1234', From_AccountNick: `观众${i % 37}` }, MsgBody
    })
    if (i % 10 <= 6) items.push(item(3, [{ MsgType: 'TIMTextElem', MsgContent: { Text: TEXTS[i % TEXTS.length] } }]))
    else if (i % 10 <= 8) {
      const data = `{"cmd":"gift","id":${i},"pad":"${'x'.repeat(70)}"}`.slice(0, 100)
      items.push(item(3, [{ MsgType: 'TIMCustomElem', MsgContent: { Data: data, Desc: '', Ext: '' } }]))
    } else items.push(item(4, { OpType: i % 20 === 9 ? 1 : 2, Operator_Account: from, GroupId: '1234', UserIdList: [from] }))
  }
  const next = firstSeq + n
  return { ActionStatus: 'OK', ErrorCode: 0, ErrorInfo: '', NextSeq: next, HoldTime: 90, Key: `key-${next}`, RspMsgList: items }
}

// What a 2019 page's big_group_msg_notify handler does with each message: every field read
// through webim's accessors. Returns how many messages it read.
function readAsPage (list) {
  for (const m of list) {
    m.getSession().type(); m.getFromAccount(); m.getFromAccountNick(); m.getSubType(); m.getIsSend(); m.getSeq(); m.getTime()
    for (const el of m.getElems()) {
      const c = el.getContent()
      if (el.getType() === 'TIMGroupTipElem') { c.getOpType(); c.getUserIdList() } else if (el.getType() === 'TIMCustomElem') c.getData(); else c.getText()
    }
  }
  return list.length
}

// Counts the bytes crossing the wasm boundary: handle()'s (ptr, len) argument pair going in (its
// third and fourth: a text's UTF-8, or a reply's body and header handed as bytes), a returned string
// when the glue frees it (the one __wbindgen_export* taking three arguments: ptr, len, align),
// and the message tapes the shim reads (imBench).
function countBoundaryBytes () {
  const realWasm = env.real.WebAssembly
  const instantiate = realWasm.instantiate
  const bytes = { in: 0, out: 0 }
  realWasm.instantiate = async (...args) => {
    const { module, instance } = await instantiate.apply(realWasm, args)
    const exports = {}
    for (const [name, value] of Object.entries(instance.exports)) {
      if (typeof value !== 'function') exports[name] = value
      else if (/^__wbindgen_export\d*$/.test(name) && value.length === 3) exports[name] = (ptr, len, align) => { bytes.out += len; return value(ptr, len, align) }
      else if (name === 'handle') exports[name] = (...a) => { bytes.in += a[3]; return value(...a) } // (retptr, now, ptr, len, body)
      else exports[name] = value
    }
    return { module, instance: { exports } }
  }
  return { bytes, restore () { realWasm.instantiate = instantiate } }
}

async function imBench () {
  const R = require('../test/support/room')
  const coding = typeof TextDecoder === 'function' ? 'with TextEncoder/TextDecoder (the glue uses them)' : 'without TextEncoder/TextDecoder (the glue\'s own UTF-8 coding)'
  console.log(`\nIM hot path: big-group reply → page's big_group_msg_notify, every message read through the 2019 accessors (real component, WeChat-like runtime ${coding}), ${IM_SAMPLES} samples a cell`)
  console.log('messages  median ms  p95 ms  µs/msg (median)  2019 ms  vs 2019  boundary bytes in/out per batch')
  const counter = countBoundaryBytes()
  const medians = {}
  try {
    // from here on the bench answers the big-group poll itself
    const page = await R.imOnlineThenManual()
    const room = page.room
    // The messages' tapes, which the shim reads straight out of the wasm memory: their bytes
    // count as crossing too (docs/core-protocol.md, "Messages").
    const rt = room.instance.__room
    // (counted after each round's timing, so that the figures are the component's alone;
    // BENCH_SPLIT=1 also times the wasm calls and the page's reading apart)
    const split = process.env.BENCH_SPLIT === '1'
    const outs = []
    let inWasm = 0
    const handle = rt.core.handle
    rt.core.handle = (...args) => {
      const t = split && process.hrtime.bigint()
      const out = handle(...args)
      if (split) inWasm += Number(process.hrtime.bigint() - t) / 1e6
      outs.push(out)
      return out
    }
    const countTapes = () => {
      for (const out of outs.splice(0)) {
        for (const m of out.matchAll(/msg_notify","code":0,"detail":\[\d+,(\d+),\d+,(\d+)\]/g)) counter.bytes.out += 8 * m[1] + 2 * m[2]
      }
    }
    let seq = 1
    for (const n of IM_SIZES) {
      const samples = []
      const parts = { wasm: [], read: [] }
      let bytesIn = 0
      let bytesOut = 0
      for (let round = 0; round < IM_WARMUP + IM_SAMPLES; round++) {
        const [poll] = env.pendingRequests('/get_msg')
        if (!poll) throw new Error('no big-group poll pending')
        const batch = imBatch(n, seq)
        seq += n
        // What wx.request's success hands over: with responseType arraybuffer the body's UTF-8 bytes
        // (made here, outside the timing, as the runtime's network layer makes them); else the
        // parsed object for dataType json, the text otherwise.
        const data = poll.responseType === 'arraybuffer' ? env.arrayBufferOf(JSON.stringify(batch))
          : poll.dataType === 'json' ? batch : JSON.stringify(batch)
        const res = { statusCode: 200, data, header: {}, cookies: [], errMsg: 'request:ok' }
        poll.settled = true
        page.events.length = 0
        const in0 = counter.bytes.in
        const out0 = counter.bytes.out
        inWasm = 0
        const t0 = process.hrtime.bigint()
        poll.options.success(res)
        const tRead = split && process.hrtime.bigint()
        const got = room.events.filter(e => e.name === 'IMEvent' && e.detail.tag === 'big_group_msg_notify')
        // The page reads every message the way a 2019 handler does (webim accessors), inside the timing.
        let delivered = 0
        for (const e of got) delivered += readAsPage(e.detail.detail)
        const t1 = process.hrtime.bigint()
        const dt = Number(t1 - t0) / 1e6
        countTapes()
        // join/quit tips are messages too once the core delivers group tips (2019 did)
        if (delivered < n - n / 10) throw new Error(`batch of ${n}: ${delivered} messages delivered`)
        if (round >= IM_WARMUP) {
          samples.push(dt)
          if (split) {
            parts.wasm.push(inWasm)
            parts.read.push(Number(t1 - tRead) / 1e6)
          }
          bytesIn = counter.bytes.in - in0
          bytesOut = counter.bytes.out - out0
        }
      }
      samples.sort((a, b) => a - b)
      const median = percentile(samples, 0.5)
      medians[n] = median
      console.log(String(n).padStart(8), median.toFixed(3).padStart(10), percentile(samples, 0.95).toFixed(3).padStart(7),
        (1000 * median / n).toFixed(2).padStart(16), IM_2019_MS[n].toFixed(2).padStart(8),
        `${(median / IM_2019_MS[n]).toFixed(2)}×`.padStart(8), `  ${bytesIn} / ${bytesOut}`)
      if (split) {
        const q = (list, at) => percentile(list.sort((a, b) => a - b), at).toFixed(3)
        console.log(`${''.padStart(8)}  of which: wasm calls q1 ${q(parts.wasm, 0.25)} median ${q(parts.wasm, 0.5)}, the page reading q1 ${q(parts.read, 0.25)} median ${q(parts.read, 0.5)}; total q1 ${q(samples, 0.25)}`)
      }
    }
    // The allocator's price is memory (size classes are never merged): what the batches left.
    const memory = env.wasm.records.map(r => r.realInstance && r.realInstance.exports.memory.buffer.byteLength)
    console.log(`wasm memory after ${IM_SIZES.length * (IM_WARMUP + IM_SAMPLES)} batches: ${(Math.max(0, ...memory.filter(Boolean)) / 1048576).toFixed(2)} MiB`)
  } finally {
    counter.restore()
    await env.cleanup()
  }
  return medians
}

// The IM section alone, in a process whose WeChat-like runtime keeps TextEncoder / TextDecoder.
function imBenchNativeCoding () {
  const { spawnSync } = require('child_process')
  const r = spawnSync(process.execPath, [__filename, '--im-only'], { stdio: 'inherit', env: { ...process.env, WXENV_TEXT_CODING: '1' } })
  return r.status === 0
}

// On the 2-core machine this was measured on, stretches of ~100 ms run 1.6–1.8× slower than
// others, inside one process too: consecutive 500-message rounds take either ~0.8 or ~1.4–1.6 ms
// in the wasm call, in runs of rounds (not tiering: --no-liftoff and --no-wasm-dynamic-tiering
// keep it). A process's median falls in one kind of stretch or the other, so it is one draw of
// two. Each size's median in IM_PROCESSES fresh processes, each as above.
const IM_PROCESSES = 5
function imBenchSpread () {
  const { spawnSync } = require('child_process')
  const got = []
  for (let i = 0; i < IM_PROCESSES; i++) {
    const r = spawnSync(process.execPath, [__filename, '--im-only', '--medians'], { encoding: 'utf8' })
    const line = /IM_MEDIANS (.*)/.exec(r.stdout || '')
    if (r.status !== 0 || !line) return false
    got.push(JSON.parse(line[1]))
  }
  console.log(`
IM hot path across ${IM_PROCESSES} processes (without TextEncoder/TextDecoder): each process's median, ms`)
  for (const n of IM_SIZES) {
    const each = got.map(m => m[n]).sort((a, b) => a - b)
    console.log(`${String(n).padStart(8)}  ${each.map(x => x.toFixed(3)).join('  ')}  middle ${percentile(each, 0.5).toFixed(3)} (2019: ${IM_2019_MS[n].toFixed(2)})`)
  }
  return true
}

async function main () {
  if (process.argv.includes('--im-only')) {
    const medians = await imBench()
    if (process.argv.includes('--medians')) console.log(`IM_MEDIANS ${JSON.stringify(medians)}`)
    process.exit(0)
  }
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

  await imBench()
  ok = imBenchNativeCoding() && ok
  ok = imBenchSpread() && ok

  const { total, files } = folderBytes(path.join(ROOT, 'webrtc-room'))
  const pass = total <= FOLDER_BUDGET
  ok = ok && pass
  console.log(`\nwebrtc-room/ as a user copies it, IM included: ${total} bytes (budget ${FOLDER_BUDGET}; 2019 with its IM: ${FOLDER_2019}, so ${(100 * total / FOLDER_2019).toFixed(1)}% of it) ${pass ? 'ok' : 'OVER BUDGET'}`)
  for (const [file, size] of files.sort((a, b) => b[1] - a[1])) console.log(`  ${String(size).padStart(6)}  ${file}`)

  console.log(ok ? '\nall budgets met' : '\nBUDGET MISSED')
  process.exit(ok ? 0 : 1)
}

// tools/bench-2019.js times Tencent's 2019 webim on the same batches.
if (require.main === module) main().catch(err => { console.error(err); process.exit(1) })
module.exports = { imBatch, readAsPage, IM_SIZES, IM_SAMPLES, IM_WARMUP, IM_2019_MS, percentile }
