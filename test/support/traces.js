'use strict'
// Replays the shared room-churn traces (../shared/traces/*.json from the project root) through the
// real component in the WeChat-like environment, recording the component's setData per input.
// Used by the component tests and reusable by the bench.

const fs = require('fs')
const path = require('path')
const env = require('./wechat-env')
const R = require('./room')

const TRACES_DIR = path.resolve(env.REPO_ROOT, '..', 'shared', 'traces')
// The project's own traces (protocol 'trtc': pusher codes 1031-1034 carry a userlist of objects).
const OWN_TRACES_DIR = path.join(env.REPO_ROOT, 'test', 'traces')

const jsonIn = (dir) => (fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.json')).map((f) => f.replace(/\.json$/, '')) : [])

// The shared traces (sorted), then the project's own.
function traceNames({own = true} = {}) {
  return jsonIn(TRACES_DIR).sort().concat(own ? jsonIn(OWN_TRACES_DIR).sort() : [])
}

function loadTrace(name) {
  const dir = jsonIn(TRACES_DIR).includes(name) ? TRACES_DIR : OWN_TRACES_DIR
  return JSON.parse(fs.readFileSync(path.join(dir, `${name}.json`), 'utf8'))
}

// Runs `trace` on a fresh page. For every event, `steps[i]` = {event, setData: [records], skipped}.
// A player event for a user who has no live-player (not seated) is skipped: the runtime cannot
// send it. `between(i, room)` (optional, async) runs after each event, e.g. to advance mocked timers;
// setData calls it causes are counted under `steps[i].after`.
async function replay(trace, {between, componentPath, root} = {}) {
  const page = env.renderPage({props: {...trace.props}, componentPath, root})
  await env.waitForCore()
  const room = page.room
  const calls = room.setDataCalls
  const startCount = calls.length
  const steps = []
  for (const [i, event] of trace.events.entries()) {
    const n0 = calls.length
    let skipped = false
    if (event.call) {
      await room.call(event.call)
      if (event.call === 'start' && trace.props.protocol !== 'trtc') {
        const step = {event, setData: calls.slice(n0), skipped}
        steps.push(step)
        // the signature reply is its own input
        const n1 = calls.length
        await R.theSigRequest().respond({statusCode: 200, data: R.SIG_REPLY})
        steps.push({event: {reply: 'room-sig'}, setData: calls.slice(n1), skipped: false})
        if (between) { const n2 = calls.length; await between(i, room); step.after = calls.slice(n2) }
        continue
      }
    } else if (event.pusher !== undefined) {
      await room.pusherState(event.pusher, event.userlist ? JSON.stringify({userlist: event.userlist}) : '')
    } else if (event.userlist) {
      await room.pusherUserList(event.userlist)
    } else if (event.player !== undefined) {
      const has = room.playerNodes().some((n) => n.dataset && n.dataset.user === event.player)
      if (has) await room.playerState(event.player, event.code)
      else skipped = true
    } else {
      throw new Error(`unknown trace event ${JSON.stringify(event)}`)
    }
    const step = {event, setData: calls.slice(n0), skipped}
    steps.push(step)
    if (between) {
      const n2 = calls.length
      await between(i, room)
      step.after = calls.slice(n2)
    }
  }
  const all = calls.slice(startCount)
  return {
    page,
    room,
    steps,
    setDataCount: all.length,
    setDataChars: all.reduce((a, r) => a + r.chars, 0),
    setDataBytes: all.reduce((a, r) => a + r.bytes, 0),
    maxPerInput: Math.max(0, ...steps.map((s) => s.setData.length)),
  }
}

module.exports = {TRACES_DIR, OWN_TRACES_DIR, traceNames, loadTrace, replay}
