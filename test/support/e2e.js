'use strict'
// End-to-end support: the real signing service and the emulator of Tencent's endpoints as child
// processes on loopback, real HTTP for `wx.request` (loopback only), and media stand-ins that
// drive the <live-pusher> / <live-player> stand-ins of ./wechat-env from the emulator's media API.
//
//   const E = require('./support/e2e')
//   const svc = await E.startServices()      // {sign: {url}, emu: {url}, sdkAppID, secretKey}
//   const http = E.realRequests()            // wx.request now performs HTTP (uninstall() to undo)
//   const media = E.attachMedia(room, svc.emu.url)  // the room's pusher/players follow the emulator
//   await E.stopAll()                        // kills every process started here (also at exit)
//
// Everything is bounded: process start-up, every HTTP request (60 s, WeChat's default), the
// emulator's long polls (its --hold / --media-hold).

const {execFileSync, spawn} = require('child_process')
const http = require('http')
const path = require('path')
const env = require('./wechat-env')

const SDK_APP_ID = 1400000888
// A throwaway key for these tests only (never a real application's).
const SECRET_KEY = 'e2e-test-secret-key-not-a-real-one-0123456789'
const TARGET_DIR = process.env.CARGO_TARGET_DIR || path.join(env.REPO_ROOT, 'target')
const BIN = (name) => path.join(TARGET_DIR, 'debug', name)
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]'])
const agent = new http.Agent({keepAlive: false})

// ----- processes ---------------------------------------------------------------------------------

const children = new Set()
process.on('exit', () => {
  for (const c of children) { try { c.kill('SIGKILL') } catch (e) { /* gone */ } }
})

// `cargo build` of both binaries (a no-op, under a second, when they are up to date).
function buildBinaries() {
  execFileSync('cargo', ['build', '--quiet', '-p', 'emulator', '-p', 'usersig', '--bins'], {
    cwd: env.REPO_ROOT, stdio: ['ignore', 'ignore', 'pipe'], timeout: 600000,
  })
}

// Starts `bin args` and resolves with its URL once it prints `listening on http://ADDR`.
function startProcess(bin, args, extraEnv, {timeout = 20000} = {}) {
  const childEnv = {...process.env, ...extraEnv}
  delete childEnv.USERSIG_SECRET_KEY_FILE
  const child = spawn(bin, args, {env: childEnv, stdio: ['ignore', 'pipe', 'pipe']})
  children.add(child)
  child.on('exit', () => children.delete(child))
  let stderr = ''
  child.stderr.on('data', (d) => { stderr += d })
  return new Promise((resolve, reject) => {
    let out = ''
    const timer = setTimeout(() => { kill(child); reject(new Error(`${bin} did not start in ${timeout} ms: ${stderr}`)) }, timeout)
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`${path.basename(bin)} exited (${code}): ${stderr}`)) })
    child.stdout.on('data', (d) => {
      out += d
      const m = /listening on (http:\/\/\S+)/.exec(out)
      if (m) {
        clearTimeout(timer)
        resolve({url: m[1], child, stop: () => kill(child)})
      }
    })
  })
}

function kill(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve()
    const hard = setTimeout(() => { try { child.kill('SIGKILL') } catch (e) { /* gone */ } }, 2000)
    child.once('exit', () => { clearTimeout(hard); resolve() })
    try { child.kill('SIGTERM') } catch (e) { clearTimeout(hard); resolve() }
  })
}

async function stopAll() {
  await Promise.all([...children].map(kill))
}

// Builds if needed, then starts usersig-server and the emulator on ephemeral loopback ports with
// the test key. `hold` / `mediaHold`: the emulator's long-poll holds, seconds.
async function startServices({hold = 2, mediaHold = 2} = {}) {
  buildBinaries()
  const keyEnv = {USERSIG_SDKAPPID: String(SDK_APP_ID), USERSIG_SECRET_KEY: SECRET_KEY}
  const [sign, emu] = await Promise.all([
    startProcess(BIN('usersig-server'), ['--bind', '127.0.0.1:0'], keyEnv),
    startProcess(BIN('emulator'), ['--bind', '127.0.0.1:0', '--hold', String(hold), '--media-hold', String(mediaHold)], keyEnv),
  ])
  return {sign, emu, sdkAppID: SDK_APP_ID, secretKey: SECRET_KEY}
}

// ----- HTTP ----------------------------------------------------------------------------------------

function isLoopback(url) {
  try {
    const u = new URL(url)
    return u.protocol === 'http:' && LOOPBACK.has(u.hostname)
  } catch (e) {
    return false
  }
}

// One HTTP request to loopback: resolves {statusCode, header, text}. `timeout` ms in all.
function httpRequest(url, {method = 'GET', body, headers = {}, timeout = 60000} = {}) {
  if (!isLoopback(url)) return Promise.reject(new Error(`e2e: refusing a non-loopback request to ${url}`))
  return new Promise((resolve, reject) => {
    const req = http.request(url, {method, headers, agent, timeout}, (res) => {
      const chunks = []
      res.on('data', (c) => chunks.push(c))
      res.on('end', () => resolve({statusCode: res.statusCode, header: res.headers, text: Buffer.concat(chunks).toString('utf8')}))
      res.on('error', reject)
    })
    req.on('timeout', () => req.destroy(new Error('timeout')))
    req.on('error', reject)
    if (body !== undefined) req.write(body)
    req.end()
  })
}

async function jsonRequest(url, opts = {}) {
  const body = opts.json === undefined ? undefined : JSON.stringify(opts.json)
  const res = await httpRequest(url, {...opts, body, headers: body ? {'content-type': 'application/json'} : {}})
  let data = null
  try { data = JSON.parse(res.text) } catch (e) { /* not JSON */ }
  return {status: res.statusCode, data}
}

// From now on every `wx.request` (the component's and the test pages' own) is performed over real
// HTTP, to loopback only: any other URL fails with `request:fail` and is listed in `refused`.
// The request stays in env.requests as usual (url, method, body, aborted, outcome are all there).
function realRequests() {
  const wx = globalThis.wx
  const queued = wx.request
  const refused = []
  const inFlight = new Set()
  wx.request = function request(opts) {
    const task = queued.call(this, opts)
    const r = env.requests[env.requests.length - 1]
    if (!isLoopback(r.url)) {
      refused.push(r.url)
      r.fail('request:fail e2e: only loopback URLs are reachable in these tests')
      return task
    }
    let body
    if (r.method !== 'GET' && r.method !== 'HEAD' && r.data !== undefined) {
      body = typeof r.data === 'string' ? r.data : JSON.stringify(r.data)
    }
    const header = Object.assign({'content-type': 'application/json'}, r.header || {})
    const req = http.request(r.url, {method: r.method, headers: header, agent, timeout: 60000}, (res) => {
      const chunks = []
      res.on('data', (c) => chunks.push(c))
      res.on('end', () => {
        inFlight.delete(req)
        const raw = Buffer.concat(chunks)
        let data = raw.toString('utf8')
        // responseType 'arraybuffer': the raw body bytes, not decoded (WeChat then ignores dataType)
        if (r.responseType === 'arraybuffer') data = raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.length)
        else if (r.dataType === 'json') { try { data = JSON.parse(data) } catch (e) { /* left a string, as WeChat does */ } }
        r.respond({statusCode: res.statusCode, data, header: res.headers}).catch(() => {})
      })
    })
    inFlight.add(req)
    req.on('timeout', () => req.destroy(new Error('timeout')))
    req.on('error', (e) => {
      inFlight.delete(req)
      r.fail(r.aborted ? 'request:fail abort' : `request:fail ${e.message}`).catch(() => {})
    })
    if (body !== undefined) req.write(body)
    req.end()
    const abort = task.abort
    task.abort = function () {
      abort.call(task)
      req.destroy()
    }
    return task
  }
  return {
    refused,
    inFlight,
    uninstall() {
      wx.request = queued
      for (const req of inFlight) req.destroy()
      inFlight.clear()
    },
  }
}

// ----- media stand-ins --------------------------------------------------------------------------

// Makes the room's <live-pusher> and <live-player> stand-ins behave like the real ones against the
// emulator: when the pusher's `url` becomes non-empty it enters the room (POST /media/push) and
// fires on itself the `statechange` events the emulator reports (1018, 1020, 1019); when the url
// empties or the page goes away it leaves (POST /media/stop). A player given a `src` asks
// GET /media/play and fires 2004 when the emulator knows the stream. A push the emulator refuses
// fires -1307 (the push connection could not be made).
function attachMedia(room, base, {interval = 20} = {}) {
  const d = {
    room,
    base,
    url: '',
    session: null,
    gen: 0,
    busy: false,
    stopped: false,
    log: [], // every pusher event fired: {code, message}
    played: new Map(), // `${elementId}\n${src}` -> 'pending' | 'playing' | 'unknown'
    fired2004: [], // {slot, user, src}
    pushRefused: [], // {url, status, data}
  }
  const attached = () => !d.stopped && room.page.attached
  const safe = (f, dflt) => { try { return f() } catch (e) { return dflt } }

  async function leave() {
    d.gen++
    const s = d.session
    d.session = null
    if (s) await jsonRequest(`${base}/media/stop`, {method: 'POST', json: {session: s}, timeout: 5000}).catch(() => {})
  }

  async function fire(code, message) {
    d.log.push({code, message})
    if (!attached() || !safe(() => room.pusher(), null)) return
    await room.pusherState(code, message).catch(() => {})
  }

  async function eventsLoop(gen, session) {
    while (gen === d.gen && !d.stopped) {
      let res
      try {
        res = await jsonRequest(`${base}/media/events?session=${encodeURIComponent(session)}`, {timeout: 30000})
      } catch (e) {
        break
      }
      if (gen !== d.gen) break
      if (res.status !== 200) { d.session = null; break }
      for (const ev of res.data.events) await fire(ev.code, ev.message)
      if (res.data.ended) { d.session = null; break }
    }
  }

  async function enter(url) {
    await leave()
    d.url = url
    if (!url) return
    const res = await jsonRequest(`${base}/media/push`, {method: 'POST', json: {url}, timeout: 5000}).catch((e) => ({status: 0, data: String(e)}))
    if (res.status !== 200) {
      d.pushRefused.push({url, status: res.status, data: res.data})
      // The statechange a real pusher reports for this refusal (trtc: -100018), else -1307.
      const ev = res.data && res.data.event
      if (ev) await fire(ev.code, ev.message)
      else await fire(-1307, `push refused by the emulator: ${JSON.stringify(res.data)}`)
      return
    }
    d.session = res.data.session
    eventsLoop(d.gen, d.session)
  }

  async function play(key, p) {
    // A trtc play URL names no room: the emulator finds it through our own pusher's session.
    const viewer = p.src.startsWith('room://cloud.tencent.com/rtc?') ? `&session=${encodeURIComponent(d.session || '')}` : ''
    const res = await jsonRequest(`${base}/media/play?src=${encodeURIComponent(p.src)}${viewer}`, {timeout: 5000}).catch(() => ({status: 0}))
    if (res.status !== 200) { d.played.set(key, 'unknown'); return }
    d.played.set(key, 'playing')
    const slot = Number(p.$dataset.slot)
    if (!attached()) return
    const still = safe(() => room.players().find((x) => x.$id === p.$id && x.src === p.src), null)
    if (!still) return
    d.fired2004.push({slot, user: p.$dataset.user, src: p.src})
    await room.playerState(slot, 2004).catch(() => {})
  }

  const timer = setInterval(() => {
    if (d.busy) return
    const pusher = attached() ? safe(() => room.pusher(), null) : null
    const url = (pusher && pusher.url) || ''
    if (url !== d.url) {
      d.busy = true
      enter(url).finally(() => { d.busy = false })
      return
    }
    if (!attached()) return
    for (const p of safe(() => room.activePlayers(), [])) {
      const key = `${p.$id}\n${p.src}`
      if (d.played.has(key)) continue
      d.played.set(key, 'pending')
      play(key, p)
    }
  }, interval)
  timer.unref()

  // trtc: turns this pusher's camera ('main'), screen share ('aux') or microphone ('audio') on/off.
  d.stream = (stream, on) => jsonRequest(`${base}/media/stream`, {method: 'POST', json: {session: d.session, stream, on}, timeout: 5000})

  d.detach = async () => {
    clearInterval(timer)
    d.stopped = true
    await leave()
  }
  return d
}

module.exports = {
  SDK_APP_ID,
  SECRET_KEY,
  buildBinaries,
  startProcess,
  startServices,
  stopAll,
  isLoopback,
  httpRequest,
  jsonRequest,
  realRequests,
  attachMedia,
}
