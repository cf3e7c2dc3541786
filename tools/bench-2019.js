#!/usr/bin/env node
'use strict'
// Times Tencent's 2019 webim SDK on the IM hot path of tools/bench.js, on this machine: the same
// big-group long-poll batches (bench.js's imBatch), the page reading every message through the
// same accessors, the same rounds and samples. The SDK is not part of this repository
// (tools/webim2019.js says where to get it): pass its path.
//
//   node tools/bench-2019.js /tmp/webim_wx.js [--medians]
//
// A 2019 page logs in and joins through the emulator (as in tools/webim2019-check.js); its big-group
// long poll is then held and answered here. Two ways of timing each batch:
// - "parsed": from the SDK's success callback getting the reply as an object to the page's
//   reads. The SDK asks wx.request for dataType 'json', so the base library has run JSON.parse
//   on the reply before this starts: the 0.85 ms is this figure.
// - "+ JSON.parse": the same with that JSON.parse of the reply text inside the timing. It runs on
//   the same JS thread (wx.request's documentation: "返回后会对返回的数据进行一次 JSON.parse"), so
//   this is what a 2019 page pays per batch. Our component asks for the reply's bytes and its
//   figure in bench.js includes reading them.
// With --medians the last line is `IM_MEDIANS_2019 {"parsed": {...}, "text": {...}}`.
//
//   node tools/bench-2019.js /tmp/webim_wx.js --alternate 6
//
// runs this bench and `tools/bench.js --im-only` (our component) in 6 fresh processes each,
// alternating (the machine's speed comes in phases: see bench.js), and prints each size's
// process medians side by side.

const { sdkFile, userSig, OldPage } = require('./webim2019')

const SDK_FILE = sdkFile('usage: node tools/bench-2019.js <path of the 2019 webim_wx.js> [--medians | --alternate N]')
const env = require('../test/support/wechat-env')
const E = require('../test/support/e2e')
const B = require('./bench')

// The SDK's big-group long poll, held for the bench to answer.
const LONG_POLL = '/group_open_long_polling_http_noauth_svc/get_msg'
let held = null
function holdLongPoll (url, { success }) {
  if (!url.includes(LONG_POLL)) return false
  held = { success }
  return true
}

// Fresh processes of ours and 2019's, alternating; each size's process medians, sorted.
function alternate (times) {
  const { spawnSync } = require('child_process')
  const got = { ours: [], parsed: [], text: [] }
  const medians = (args, tag) => {
    const r = spawnSync(process.execPath, args, { encoding: 'utf8', cwd: __dirname })
    const line = new RegExp(tag + ' (.*)').exec(r.stdout || '')
    if (r.status !== 0 || !line) throw new Error(`${args.join(' ')} failed:\n${r.stdout}${r.stderr}`)
    return JSON.parse(line[1])
  }
  for (let i = 0; i < times; i++) {
    got.ours.push(medians([require.resolve('./bench'), '--im-only', '--medians'], 'IM_MEDIANS'))
    const old = medians([__filename, SDK_FILE, '--medians'], 'IM_MEDIANS_2019')
    got.parsed.push(old.parsed)
    got.text.push(old.text)
  }
  console.log(`IM hot path, ${times} alternating processes a side: each process's median, ms, sorted`)
  for (const n of B.IM_SIZES) {
    console.log(`${n} messages`)
    for (const [way, label] of [['ours', 'this component'], ['parsed', '2019 webim, from its parsed reply'], ['text', '2019 webim + JSON.parse of the reply']]) {
      const each = got[way].map(m => m[n]).sort((a, b) => a - b)
      console.log(`  ${label.padEnd(38)} ${each.map(x => x.toFixed(3)).join('  ')}`)
    }
  }
}

async function main () {
  const at = process.argv.indexOf('--alternate')
  if (at > 0) {
    alternate(Number(process.argv[at + 1]) || 4)
    process.exit(0)
  }
  const svc = await E.startServices({ hold: 3, mediaHold: 3 })
  const medians = { parsed: {}, text: {} }
  try {
    const roomID = 100000 + Math.floor(Math.random() * 800000)
    const page = new OldPage(SDK_FILE, 'bench2019', svc.emu.url, { held: holdLongPoll })
    let delivered = 0
    page.groupMessages = (list) => { delivered += B.readAsPage(list) }
    await page.login(svc.sdkAppID, await userSig(svc.sign.url, page.user, roomID))
    await page.join(roomID)
    await env.waitFor(() => held, { timeout: 10000, what: 'the 2019 big-group long poll' })

    console.log(`2019 webim (${SDK_FILE}): big-group reply → onBigGroupMsgNotify, every message read through its accessors, ${B.IM_SAMPLES} samples a cell`)
    console.log('messages  parsed: median ms  p95 ms   + JSON.parse: median ms  p95 ms')
    let seq = 1
    for (const n of B.IM_SIZES) {
      const samples = { parsed: [], text: [] }
      for (let round = 0; round < 2 * (B.IM_WARMUP + B.IM_SAMPLES); round++) {
        const way = round % 2 ? 'text' : 'parsed'
        const text = JSON.stringify(B.imBatch(n, seq))
        seq += n
        const parsed = way === 'parsed' ? JSON.parse(text) : null
        const poll = held
        held = null
        delivered = 0
        const t0 = process.hrtime.bigint()
        poll.success({ data: parsed || JSON.parse(text), statusCode: 200, header: {} })
        const dt = Number(process.hrtime.bigint() - t0) / 1e6
        if (delivered < n - n / 10) throw new Error(`batch of ${n}: ${delivered} messages delivered`)
        if (!held) throw new Error('the SDK did not poll again')
        if (round >= 2 * B.IM_WARMUP) samples[way].push(dt)
      }
      const row = [String(n).padStart(8)]
      for (const way of ['parsed', 'text']) {
        const s = samples[way].sort((a, b) => a - b)
        medians[way][n] = B.percentile(s, 0.5)
        row.push(B.percentile(s, 0.5).toFixed(3).padStart(18), B.percentile(s, 0.95).toFixed(3).padStart(7))
      }
      console.log(row.join(''))
    }
  } finally {
    await E.stopAll()
  }
  if (process.argv.includes('--medians')) console.log(`IM_MEDIANS_2019 ${JSON.stringify(medians)}`)
  process.exit(0)
}

main().catch((e) => { console.error(e); process.exit(2) })
