#!/usr/bin/env node
'use strict'
// Two builds of the component compared on tools/bench.js's IM hot path in ONE process: a page
// with each, both online, answered in turn round after round, so that both see the same phases
// of the machine's speed (stretches of ~100 ms run ~1.7x slower: separate processes cannot
// resolve a few percent). Prints each build's quartiles and the paired ratio B / A of the rounds.
//
//   node tools/bench-ab.js A B [messages, 500] [rounds, 400]
//
// A and B: directories holding a built webrtc-room/ folder (a worktree or clone of another
// commit after tools/build.js, and this one: `.`).

const path = require('path')
const env = require('../test/support/wechat-env')
const R = require('../test/support/room')
const { imBatch, readAsPage, percentile } = require('./bench')

const [dirA, dirB] = process.argv.slice(2, 4).map(d => d && path.resolve(d))
const n = Number(process.argv[4]) || 500
const rounds = Number(process.argv[5]) || 400
if (!dirA || !dirB) {
  console.error('usage: node tools/bench-ab.js A B [messages] [rounds]')
  process.exit(2)
}

async function main () {
  const sides = []
  for (const [root, user] of [[dirA, 'u-ab-a'], [dirB, 'u-ab-b']]) {
    const page = await R.imOnlineThenManual({ userID: user }, { root, componentPath: path.join(root, 'webrtc-room', 'webrtc-room') })
    sides.push({ root, user, page, times: [] })
  }
  let seq = 1
  for (let round = 0; round < rounds + 20; round++) {
    for (const side of (round % 2 ? sides.slice().reverse() : sides)) {
      const poll = env.pendingRequests('/get_msg').find(p => !p.settled && p.url.includes(`a2-${side.user}-`))
      if (!poll) throw new Error(`no big-group poll pending for ${side.root}`)
      const body = Buffer.from(JSON.stringify(imBatch(n, seq)))
      seq += n
      const data = body.buffer.slice(body.byteOffset, body.byteOffset + body.length)
      poll.settled = true
      side.page.events.length = 0
      const t0 = process.hrtime.bigint()
      poll.options.success({ statusCode: 200, data, header: {}, cookies: [], errMsg: 'request:ok' })
      let delivered = 0
      for (const e of side.page.room.events) if (e.name === 'IMEvent' && e.detail.tag === 'big_group_msg_notify') delivered += readAsPage(e.detail.detail)
      const dt = Number(process.hrtime.bigint() - t0) / 1e6
      side.page.room.events.length = 0
      if (delivered < n - n / 10) throw new Error(`${side.root}: ${delivered} of ${n} messages delivered`)
      if (round >= 20) side.times.push(dt)
    }
  }
  for (const [name, side] of [['A', sides[0]], ['B', sides[1]]]) {
    const s = side.times.slice().sort((a, b) => a - b)
    console.log(`${name} ${side.root}: ${n} messages, ms: min ${s[0].toFixed(3)}  q1 ${percentile(s, 0.25).toFixed(3)}  median ${percentile(s, 0.5).toFixed(3)}`)
  }
  const ratio = sides[1].times.map((b, i) => b / sides[0].times[i]).sort((a, b) => a - b)
  console.log(`B / A, paired by round: q1 ${percentile(ratio, 0.25).toFixed(3)}  median ${percentile(ratio, 0.5).toFixed(3)}  q3 ${percentile(ratio, 0.75).toFixed(3)}`)
  await env.cleanup()
  process.exit(0)
}

main().catch(e => { console.error(e); process.exit(1) })
