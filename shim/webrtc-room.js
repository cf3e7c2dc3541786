// <webrtc-room>: a thin shim. The room logic lives in the wasm core (core/room_bg.wasm.br); this file
// only turns runtime happenings into core inputs and applies the outputs the core returns
// (protocol: docs/core-protocol.md in the source repository).
const core = require('./core/room.js')

// [name, type, default, forwarded to the core]. The view reads every property directly; the core
// needs the ones marked 1 (it checks them and writes a refused value back, with a warning).
const IMAGES = 'https://main.qcloudimg.com/raw/'
const POSTER = IMAGES + 'b14189beafbb8db8275e53c8cb596e1f.png'
// (the types by short names: each is written many times)
const [N, S, B] = [Number, String, Boolean]
const PROPS = [
  ['roomID', N, 0, 1], ['roomName', S, ''], ['userID', S, '', 1],
  ['userName', S, '', 1], ['userSig', S, '', 1], ['sdkAppID', N, 0, 1],
  ['privateMapKey', S, '', 1], ['template', S, 'float', 1], ['beauty', N, 0, 1],
  ['whiteness', N, 0, 1], ['aspect', S, '3:4', 1], ['minBitrate', N, 200, 1],
  ['maxBitrate', N, 400, 1], ['muted', B, false], ['debug', B, false, 1],
  ['enableIM', B, false, 1], ['useCloud', B, true, 1], ['autoplay', B, false],
  ['enableCamera', B, true], ['smallViewLeft', S, '1vw'], ['smallViewTop', S, '1vw'],
  ['smallViewWidth', S, '30vw'], ['smallViewHeight', S, '40vw'],
  ['waitingImg', S, POSTER], ['playerBackgroundImg', S, POSTER],
  ['loadingImg', S, IMAGES + '3e0a94d92a3b312a191cee4f96f0bd8b.png'],
  ['pureAudioPushMod', N, 0, 1], ['recordId', N, null, 1],
  // New: a base URL that replaces Tencent's hosts (the local emulator, a proxy).
  ['apiBase', S, '', 1],
  // New: 'trtc' speaks today's TRTC protocol (strRoomID, scene are its own).
  ['protocol', S, 'legacy', 1], ['strRoomID', S, '', 1], ['scene', S, 'videocall', 1]
]
const properties = {}
PROPS.forEach(([name, type, value, forward]) => {
  properties[name] = forward
    ? { type, value, observer (v) { if (this.__room && this.__room.core) send(this, { props: { [name]: v } }) } }
    : { type, value }
})
const CORE_PROPS = PROPS.filter(p => p[3]).map(p => p[0])
// What the view shows before the core speaks; the core diffs against exactly this.
const EMPTY_VIEW = () => ({ pushURL: '', m: [{}, {}, {}] })
const TRAPPED = -11
// every message the shim itself writes starts so
const NAME = 'webrtc-room: '
const DETACHED = NAME + 'the component was detached'
// An input longer than this (UTF-16 units of text, so at least as many UTF-8 bytes; bytes of a
// Uint8Array) never enters the wasm memory, which cannot shrink again: the core gets a note of its
// size instead and answers as for any input it cannot use (a reply, '<id> <status> <body>', fails;
// a call's callbacks get fail(-4)). JSON inputs start with '{', so parseInt gives an id only for
// a reply (of bytes: read from its ASCII header, at most 10 digits and a space).
const MAX_INPUT = 1048576

// The .wasm.br beside this file, wherever the user copied the folder: `is` is the component's
// own package path, e.g. 'components/webrtc-room/webrtc-room'.
function wasmPath (comp) {
  return '/' + String(comp.is).replace(/^\/+/, '').replace(/[^/]*$/, '') + 'core/room_bg.wasm.br'
}

function boot (comp) {
  const rt = comp.__room
  core.load(wasmPath(comp)).then(instance => {
    if (rt.gone) return
    rt.core = instance
    const props = {}
    CORE_PROPS.forEach(name => { props[name] = comp.data[name] })
    const queued = rt.queue
    rt.queue = []
    send(comp, { props })
    queued.forEach(input => send(comp, input))
  }, err => {
    if (rt.gone) return
    rt.queue = []
    rt.failed = NAME + 'the core could not be loaded from ' + wasmPath(comp) +
      ' (WeChat base library 2.14 or newer is needed): ' + (err && err.message || err)
    loadFailed(comp)
  })
}

// Without a core nothing can work; every method call says so rather than waiting forever.
function loadFailed (comp) {
  failCallbacks(comp.__room, comp.__room.failed)
  comp.triggerEvent('RoomEvent', { tag: 'error', code: TRAPPED, detail: comp.__room.failed })
}

// `input` is an input object (sent as JSON text), or a request's answer whose body the core
// decodes and parses itself: the text '<id> <status> <body>', or [body, header] as Uint8Arrays of
// the body's bytes and the ASCII '<id> <status>', which the glue copies into the wasm memory one
// after the other, where the core keeps the body as it lies.
function send (comp, input) {
  const rt = comp.__room
  // Detached: the core is gone, but a method's callbacks still get their one answer.
  if (!rt || rt.gone) { if (rt && input.cb) callback(rt, input.cb, false, [-4, DETACHED]); return }
  if (rt.failed) { if (input.call) loadFailed(comp); return }
  if (!rt.core) { rt.queue.push(input); return }
  let out
  // Text and [body, header] have .slice, input objects do not.
  let x = input.slice ? input : JSON.stringify(input)
  const bytes = typeof x !== 'string'
  const n = bytes ? x[0].length + x[1].length + 1 : x.length // (+1: the space the text form has more)
  if (n > MAX_INPUT) x = JSON.stringify({ oversize: { chars: n, id: parseInt(bytes ? core.utf8.decode(x[1]) : x), cb: input.cb } })
  try {
    out = rt.core.handle(Date.now(), x, typeof x === 'string' ? 0 : x[0].length + 1)
  } catch (err) {
    recover(comp, err)
    return
  }
  rt.traps = 0
  apply(comp, JSON.parse(out))
}

// A trapped instance cannot be trusted again: drop it and everything it had started, report it,
// and carry on with a fresh instance that gets the current properties. A core that traps again
// before handling a single input (on the properties themselves) is not restarted in a loop.
function recover (comp, err) {
  const rt = comp.__room
  rt.core = null
  const restart = ++rt.traps === 1 && !rt.leaving
  Object.keys(rt.timers).forEach(id => clearTimeout(rt.timers[id]))
  Object.keys(rt.requests).forEach(id => command(rt.requests[id], 'abort'))
  rt.timers = {}
  rt.requests = {}
  failCallbacks(rt, NAME + 'the core failed before answering')
  command(wx.createLivePusherContext('rtcpusher', comp), 'stop')
  comp.setData(EMPTY_VIEW())
  comp.triggerEvent('RoomEvent', {
    tag: 'error',
    code: TRAPPED,
    detail: NAME + 'the core failed (' + (err && err.message || err) + ')' +
      (restart ? ' and was restarted; call start() to enter again' : '; it is not restarted')
  })
  if (restart) boot(comp)
  else rt.gone = true
}

function command (ctx, name) {
  if (ctx && typeof ctx[name] === 'function') ctx[name]()
}

function apply (comp, out) {
  const rt = comp.__room
  // Messages first: their tapes last only until the core's next input, which an op (a runtime
  // answering wx.request at once) may bring.
  const buffer = rt.core.mem.buffer
  ;(out.events || []).forEach(e => { if (/msg_notify$/.test(e.detail.tag)) e.detail.detail = readTape(buffer, e.detail.detail) })
  ;(out.ops || []).forEach(op => { if (op.callback && op.ok) op.args = readTape(buffer, op.args[0]) })
  ;(out.ops || []).forEach(op => {
    if (op.request) request(comp, op.request)
    else if (op.abort) {
      const task = rt.requests[op.abort]
      delete rt.requests[op.abort]
      command(task, 'abort')
    } else if (op.timer) {
      rt.timers[op.timer] = setTimeout(() => { delete rt.timers[op.timer]; send(comp, { timer: op.timer }) }, op.ms)
    } else if (op.clearTimer) {
      clearTimeout(rt.timers[op.clearTimer])
      delete rt.timers[op.clearTimer]
    } else if (op.pusher) command(wx.createLivePusherContext('rtcpusher', comp), op.pusher)
    else if (op.cmd) command(wx.createLivePlayerContext('player-' + op.player, comp), op.cmd)
    else if (op.log) console[op.level](op.log)
    else if (op.callback) callback(rt, op.callback, op.ok, op.args)
  })
  if (out.data) comp.setData(out.data)
  ;(out.events || []).forEach(e => comp.triggerEvent(e.name, e.detail))
}

function request (comp, req) {
  const rt = comp.__room
  const done = reply => {
    if (!(req.id in rt.requests)) return // aborted, or the core restarted
    delete rt.requests[req.id]
    send(comp, reply)
  }
  // Registered before the call: a runtime may answer synchronously.
  rt.requests[req.id] = null
  const task = wx.request({
    url: req.url,
    method: req.method,
    data: req.data,
    // The body comes as an ArrayBuffer of its bytes, which the core decodes and parses: the
    // glue copies them into the wasm memory (a native copy, where a string is UTF-8-encoded in
    // JS) and the core reads them there. A runtime ignoring responseType hands text (dataType),
    // which goes in as text (no JSON.parse here and JSON.stringify back); one that parses anyway
    // hands an object, which goes back to text.
    responseType: 'arraybuffer',
    dataType: 'text',
    success: ({ data, statusCode }) => {
      const head = req.id + ' ' + (statusCode | 0)
      done(data instanceof ArrayBuffer ? [new Uint8Array(data), core.utf8.encode(head)] // ASCII: a byte a character
        : head + ' ' + (typeof data === 'string' ? data : JSON.stringify(data)))
    },
    fail: res => done({ reply: { id: req.id, error: (res && res.errMsg) || 'request:fail' } })
  })
  if (req.id in rt.requests) rt.requests[req.id] = task
}

// A method's function arguments (the send methods' succ, fail) stay here; the core names them
// by `cb` and answers with exactly one callback op; a send's succ gets the message sent.
const call = name => function (...args) {
  const fns = args.filter(a => typeof a === 'function')
  const input = { call: name, args: args.filter(a => typeof a !== 'function') }
  if (fns.length) {
    const rt = this.__room
    input.cb = ++rt.cbSeq
    rt.callbacks[input.cb] = fns
  }
  send(this, input)
}

function callback (rt, id, ok, args) {
  const fns = rt.callbacks[id]
  delete rt.callbacks[id]
  const fn = fns && fns[ok ? 0 : 1]
  // Only a send's succ carries a message; a fail's reply is handed as it came.
  if (typeof fn === 'function') fn.apply(null, args)
}

// ----- webim accessors -----
// 2019 pages read messages through webim's methods (msg.getFromAccount(), getSession().type(),
// elem.getContent().getText(), ...). Messages get 2019's Msg fields with shared prototypes (no
// closures per message); getX() returns field x (getType() of a message: its subType). The getters
// a page calls on every message are written out in `proto`; `names` get made ones. A written-out
// getter reads one named field, which V8 inlines, where the made ones share one body whose keyed
// read sees every name and stays slow (a page reading a 500-message batch: ~0.05 ms with made
// getters, ~0.01 written out).
function accessors (names, proto) {
  names.split(' ').forEach(n => { proto['get' + n[0].toUpperCase() + n.slice(1)] = function () { return this[n] } })
  return proto
}
function Session (impl) { this._impl = impl }
Session.prototype = {
  type () { return this._impl.type },
  id () { return this._impl.id },
  name () { return this._impl.name }
}
function Msg () {}
Msg.prototype = accessors('random', {
  getSession () { return new Session(this.sess) },
  getSubType () { return this.subType },
  getIsSend () { return this.isSend },
  getFromAccount () { return this.fromAccount },
  getFromAccountNick () { return this.fromAccountNick },
  getTime () { return this.time },
  getSeq () { return this.seq },
  getElems () { return this.elems }
})
Msg.prototype.getType = Msg.prototype.getSubType
// Everything inside a message (elements, contents, a tip's group-info and member-info items) is
// a Fields object: one prototype, as its objects never have two fields an accessor could mix up.
const PART = accessors('value index desc ext opType opUserId groupId groupName userIdList groupInfoList ' +
  'memberInfoList groupMemberNum userId shutupTime', {
  getType () { return this.type },
  getContent () { return this.content },
  getText () { return this.text },
  getData () { return this.data }
})
// Only objects get the accessors (an unknown element's content is the server's JSON as it came):
// their fields go into a Fields object, whose prototype has them (Object.setPrototypeOf on a
// parsed object makes V8 slow).
function Fields () {}
Fields.prototype = PART
const part = p => {
  if (!p || typeof p !== 'object' || Array.isArray(p)) return p
  const o = new Fields()
  for (const k in p) o[k] = p[k]
  return o
}

// The core hands messages in a tape (docs/core-protocol.md, "Messages"), in the wasm memory until
// its next input: numbers in a Float64Array, the text of every string as one run of UTF-16.
// `place` is [words address, words, chars address, chars]. Three words a value: kind, then two.
function readTape (buffer, place) {
  const w = new Float64Array(buffer, place[0], place[1])
  const u = new Uint16Array(buffer, place[2], place[3])
  // All the text as one string, 1024 units at a time through a plain array: fromCharCode.apply
  // takes its arguments from a plain array faster than from a typed one, copy included (reading
  // a 500-message batch: ~7 % less time).
  let text = ''
  const units = []
  for (let i = 0; i < u.length; i += 1024) {
    units.length = Math.min(1024, u.length - i)
    for (let j = 0; j < units.length; j++) units[j] = u[i + j]
    text += String.fromCharCode.apply(null, units)
  }
  let at = 0
  const val = () => {
    const k = w[at]
    const a = w[at + 1]
    at += 3
    // (an empty list, a tip's usual groupInfoList, is made without JSON.parse: several times faster)
    return k === 0 ? a : k === 1 ? text.slice(a, w[at - 1]) : k === 2 ? (w[at - 1] - a === 2 && text[a] === '[' ? [] : JSON.parse(text.slice(a, w[at - 1]))) : k === 3 ? a === 1 : null
  }
  const msgs = []
  let last = -1
  let sess
  while (at < w.length) {
    const m = new Msg()
    // the message before's session values again: its session object (no read before the
    // words' start for the first message: one such read made V8 slow every later one, ~5 % of
    // reading a batch)
    let same = last >= 0
    for (let i = 0; same && i < 9; i++) same = w[at + i] === w[last + i]
    last = at
    if (same) at += 9
    else sess = { type: val(), id: val(), name: val() }
    m.sess = sess
    // Written out, not a loop over the names: each store then has one shape to learn (about a
    // sixth of reading a 500-message batch).
    m.subType = val()
    m.isSend = val()
    m.fromAccount = val()
    m.fromAccountNick = val()
    m.time = val()
    m.seq = val()
    m.random = val()
    m.elems = []
    for (let n = w[at++]; n > 0; n--) {
      const type = val()
      const kind = w[at++]
      // Each kind's fields stored by name, not in a loop over names: a keyed store sees every
      // name and stays slow (a seventh of reading a 500-message batch).
      let c = new Fields()
      if (kind === 1) c.text = val()
      else if (kind === 3) { c.data = val(); c.desc = val(); c.ext = val() } else if (kind === 2) { c.index = val(); c.data = val() } else if (kind === 4) {
        c.opType = val(); c.opUserId = val(); c.groupId = val(); c.groupName = val(); c.userIdList = val()
        // their items answer accessors too
        c.groupInfoList = val().map(part); c.memberInfoList = val().map(part); c.groupMemberNum = val()
      } else c = part(val())
      const el = new Fields()
      el.type = type
      el.content = c
      m.elems.push(el)
    }
    msgs.push(m)
  }
  return msgs
}

// Callbacks the core can no longer answer (it failed, or never loaded) fail with -4.
function failCallbacks (rt, why) {
  Object.keys(rt.callbacks).forEach(id => callback(rt, id, false, [-4, why]))
}

// The page's methods; each becomes one core input (a name list rather than twelve entries: bytes).
const METHODS = 'start stop pause resume switchCamera exitRoom enableVideo enableAudio sendC2CTextMsg sendC2CCustomMsg sendGroupTextMsg sendGroupCustomMsg'

const methods = {
  onPusherState (e) {
    const d = e.detail || {}
    send(this, { pusher: { code: d.code, message: d.message } })
  },
  // Older base libraries put the error under `details`.
  onPusherError (e) {
    const d = e.detail || e.details || {}
    send(this, { pusherError: { errCode: d.errCode, errMsg: d.errMsg } })
  },
  onPlayerState (e) {
    const ds = (e.currentTarget || e.target || {}).dataset || {}
    send(this, { player: { slot: ds.slot, user: ds.user, code: (e.detail || {}).code } })
  }
}
METHODS.split(' ').forEach(name => { methods[name] = call(name) })

Component({
  options: { multipleSlots: true },
  properties,
  data: EMPTY_VIEW(),
  lifetimes: {
    created () { this.__room = { core: null, queue: [], timers: {}, requests: {}, callbacks: {}, cbSeq: 0, gone: false, traps: 0 } },
    attached () { boot(this) },
    detached () {
      const rt = this.__room
      rt.leaving = true
      send(this, { detached: true })
      failCallbacks(rt, DETACHED)
      rt.gone = true
      rt.core = null
    }
  },
  methods
})
