'use strict'
// A WeChat-like environment for running the <webrtc-room> component in this Node process.
//
// What it sets up (once per process; node --test runs every test file in its own process):
// - jsdom + miniprogram-simulate (the WeChat team's component framework, j-component/exparser);
// - the WeChat logic-layer globals the component may use: `WXWebAssembly`, `wx` stand-ins
//   (request queue, live-pusher/live-player contexts, toast/modal no-ops), `getApp`;
// - the absence of what WeChat lacks: `WebAssembly`, `TextEncoder`, `TextDecoder`, `fetch`,
//   `FinalizationRegistry` and `WeakRef` are deleted from the global object (the real ones are
//   captured first, in `env.real`), and files of the mini-program package run in a WeChat-like
//   module wrapper: `window`, `document`, `process`, `Buffer`, ... are undefined there and
//   `require` only reaches files of the package (no Node built-ins, no npm packages);
// - stand-ins for the native tags <live-pusher> and <live-player> with their documented
//   properties, so a test can read what the runtime would be told (pusher url, player src, ...),
//   and helpers that fire `statechange` / `error` on them the way the runtime does;
// - renderPage(): a page-like wrapper using the component exactly as the integration guide does.
//
// Nothing here knows the shim's internals: everything is observed at the runtime boundary
// (setData, triggerEvent, wx.*, WXWebAssembly, the native tags' properties).
//
// Usage (see test/component-*.test.js):
//   const env = require('./support/wechat-env')
//   const page = env.renderPage({props: {template: 'grid'}})   // or {count: 2}, {componentPath, root}
//   await env.waitForCore()                                    // every WXWebAssembly.instantiate settled
//   await page.start({roomID, userID, ...})                    // setData, then selectComponent().start()
//   const req = env.pendingRequests()[0]                       // .url .method .query .body .aborted
//   await req.respond({statusCode: 200, data: {...}})          // or req.fail('request:fail timeout')
//   const off = env.onRequest((req) => ...)                    // sees each new request (e.g. a fake server)
//   const room = page.room                                     // page.rooms[i] with count > 1
//   room.pusher().url; room.players(); room.activePlayers()   // what the native tags are told
//   await room.pusherState(1020, msg); room.pusherUserList(['a']); room.pusherError(10001, '', {legacyDetails})
//   await room.playerState('a' | slot, 2004)
//   room.pusherCalls(); room.playerCalls()                     // LivePusher/PlayerContext calls that hit
//   room.setDataCalls                                          // [{data, json, chars, bytes}] by the component
//   room.roomEvents(); room.errorEvents()                      // RoomEvent details the page got
//   env.wasm.records[i].trapNext('handle'); env.wasm.trapAll() // inject wasm traps
//   env.logs, env.errors                                       // console lines / exceptions of component code
//   await env.cleanup()                                        // afterEach
// Timers are real; node:test's mock.timers.enable({apis: ['setTimeout']}) works with all of this
// (the harness itself only uses setImmediate).
// WXENV_VERBOSE=1 prints the component's console output and framework errors as they happen.

const fs = require('fs')
const os = require('os')
const path = require('path')
const vm = require('vm')
const zlib = require('zlib')
const Module = require('module')

const REPO_ROOT = path.resolve(__dirname, '..', '..')
const COMPONENT_DIR = path.join(REPO_ROOT, 'webrtc-room')
const COMPONENT_PATH = path.join(COMPONENT_DIR, 'webrtc-room') // without extension, as simulate wants

// ---------------------------------------------------------------------------------------------
// 1. Capture what WeChat does not have, before anything else can cache a reference to it.
// ---------------------------------------------------------------------------------------------
const REMOVED_GLOBALS = ['WebAssembly', 'TextEncoder', 'TextDecoder', 'fetch', 'FinalizationRegistry', 'WeakRef']
const real = {}
for (const name of REMOVED_GLOBALS) real[name] = globalThis[name]
Object.freeze(real)
const realSetImmediate = setImmediate
const realSetTimeout = setTimeout // captured: sleep() keeps real time under node:test mock timers

// ---------------------------------------------------------------------------------------------
// 2. jsdom. miniprogram-simulate needs a DOM (it was made for jest's jsdom environment).
//    jsdom's IterableWeakSet (used by every Document and by NodeIterators) calls `WeakRef` and
//    `FinalizationRegistry` lazily; we load that one module ourselves with the captured real
//    constructors bound as parameters, so jsdom keeps working after the globals are deleted.
//    whatwg-url and jsdom's XHR create their TextEncoder/TextDecoder at load time (below, before
//    the deletion), so they need nothing more.
// ---------------------------------------------------------------------------------------------
function loadModuleWithBindings(filename, bindings) {
  const names = Object.keys(bindings)
  const mod = new Module(filename, module)
  mod.filename = filename
  mod.paths = Module._nodeModulePaths(path.dirname(filename))
  const fn = vm.compileFunction(fs.readFileSync(filename, 'utf8'),
    ['exports', 'require', 'module', '__filename', '__dirname', ...names], {filename})
  fn.call(mod.exports, mod.exports, (r) => mod.require(r), mod, filename, path.dirname(filename),
    ...names.map((n) => bindings[n]))
  mod.loaded = true
  require.cache[filename] = mod
  return mod.exports
}

const jsdomDir = path.dirname(require.resolve('jsdom/package.json'))
loadModuleWithBindings(path.join(jsdomDir, 'lib/jsdom/living/helpers/iterable-weak-set.js'),
  {WeakRef: real.WeakRef, FinalizationRegistry: real.FinalizationRegistry})
const {JSDOM} = require('jsdom')
const dom = new JSDOM('<!doctype html><html><head></head><body></body></html>', {pretendToBeVisual: true})
// What j-component/exparser/simulate reach through globals. Node has its own Event/EventTarget;
// j-component's dispatchEvent must get jsdom's, so these are overwritten, not just filled in.
globalThis.window = dom.window
globalThis.document = dom.window.document
for (const k of ['Event', 'CustomEvent', 'EventTarget', 'Node', 'Element', 'HTMLElement',
  'DocumentFragment', 'Text', 'TouchEvent', 'getComputedStyle', 'requestAnimationFrame', 'cancelAnimationFrame']) {
  Object.defineProperty(globalThis, k, {value: dom.window[k], writable: true, configurable: true, enumerable: false})
}

const simulate = require('miniprogram-simulate') // also registers global Component/Behavior/wx
const jComponent = require('j-component')
const exparser = require('miniprogram-exparser')

// ---------------------------------------------------------------------------------------------
// 3. Package roots and the WeChat-like module wrapper for package files.
// ---------------------------------------------------------------------------------------------
const packageRoots = [] // absolute dirs; a mini-program package each (most recent first)

function addPackageRoot(dir) {
  const abs = path.resolve(dir)
  const i = packageRoots.indexOf(abs)
  if (i >= 0) packageRoots.splice(i, 1)
  packageRoots.unshift(abs)
  return abs
}

function isInside(dir, file) {
  const rel = path.relative(dir, file)
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel))
}

function rootOf(file) {
  for (const root of packageRoots) {
    if (isInside(root, file) && !file.split(path.sep).includes('node_modules') &&
      !isInside(path.join(REPO_ROOT, 'test'), file) && !isInside(path.join(REPO_ROOT, 'tools'), file)) return root
  }
  return null
}

// Names that the WeChat app-service module wrapper sets to undefined, plus Node-only ones.
const SHADOWED = ['window', 'document', 'frames', 'self', 'location', 'navigator', 'localStorage', 'history',
  'screen', 'alert', 'confirm', 'prompt', 'XMLHttpRequest', 'WebSocket', 'process', 'Buffer', 'global',
  'setImmediate', 'clearImmediate', 'structuredClone']
const wxGlobalObject = {} // WeChat's `global` is a plain shared object, not the global object
const moduleLoads = [] // {file, root}: every package file that ran, for assertions

const originalJsLoader = Module._extensions['.js']
Module._extensions['.js'] = function wechatJsLoader(mod, filename) {
  const root = rootOf(filename)
  if (!root) return originalJsLoader(mod, filename)
  moduleLoads.push({file: filename, root})
  const source = fs.readFileSync(filename, 'utf8')
  const fn = vm.compileFunction(source, ['require', 'module', 'exports', ...SHADOWED], {filename})
  const wxRequire = (request) => {
    if (typeof request !== 'string' || request === '') throw new Error(`require args is not a string: ${request}`)
    let target
    if (request.startsWith('/')) target = path.join(root, request)
    else target = path.resolve(path.dirname(filename), request)
    if (!path.extname(target)) target += '.js'
    if (!isInside(root, target) || path.extname(target) !== '.js' || !fs.existsSync(target)) {
      throw new Error(`module "${path.relative(root, target).split(path.sep).join('/')}" is not defined` +
        ` (required as '${request}' from ${path.relative(root, filename)}; WeChat's require only reaches .js files of the package)`)
    }
    return mod.require(target)
  }
  const shadowValues = SHADOWED.map((n) => (n === 'global' ? wxGlobalObject : undefined))
  fn.call(mod.exports, wxRequire, mod, mod.exports, ...shadowValues)
}

// ---------------------------------------------------------------------------------------------
// 4. Console and error capture.
// ---------------------------------------------------------------------------------------------
const logs = [] // {level, text, args, source}: console calls of component code and of the framework
const errors = [] // exceptions thrown by component code inside the framework (lifetimes, handlers, setData callbacks)
const VERBOSE = !!process.env.WXENV_VERBOSE
const origConsole = {}

// Who called console: 'component' (a package file), 'framework' (node_modules, or code the
// WXML compiler generated) or 'other' (tests, tools: printed as usual).
function consoleSource() {
  const stack = String(new Error().stack).split('\n').slice(3)
  for (const line of stack) {
    if (line.includes(__filename)) continue
    if (/\beval\b|<anonymous>|new Function/.test(line) && line.includes('node_modules')) return 'framework'
    const m = /\(?((?:\/|[A-Za-z]:\\)[^():]+):\d+:\d+\)?\s*$/.exec(line)
    if (!m) continue
    if (rootOf(m[1])) return 'component'
    if (m[1].split(path.sep).includes('node_modules')) return 'framework'
    return 'other'
  }
  return 'other'
}

for (const level of ['log', 'info', 'warn', 'error', 'debug']) {
  origConsole[level] = console[level].bind(console)
  console[level] = (...args) => {
    const source = consoleSource()
    if (source === 'other') return origConsole[level](...args)
    const text = args.map((a) => (a instanceof Error ? `${a.stack || a}` : typeof a === 'string' ? a : safeJson(a))).join(' ')
    logs.push({level, text, args, source})
    if (level === 'error' && args.some((a) => a instanceof Error)) errors.push(args.find((a) => a instanceof Error))
    if (VERBOSE) origConsole[level](...args) // otherwise recorded only: the core's log lines stay out of test output
  }
}
function safeJson(v) {
  try { return JSON.stringify(v) } catch (e) { return String(v) }
}
exparser.addGlobalErrorListener((err, info) => {
  errors.push(err)
  if (VERBOSE) origConsole.error('[component error]', info && info.message, err)
  return false
})

// ---------------------------------------------------------------------------------------------
// 5. WXWebAssembly.
// ---------------------------------------------------------------------------------------------
const wasmRecords = [] // one per instantiate call
const globalTraps = {} // export name -> remaining traps, for every instance, present and future
const pendingInstantiations = new Set()

class WasmRecord {
  constructor(packagePath, imports) {
    this.index = wasmRecords.length
    this.path = packagePath
    this.importModules = imports && typeof imports === 'object' ? Object.keys(imports) : []
    this.file = null
    this.root = null
    this.error = null
    this.instance = null // what the component got (exports wrapped)
    this.realInstance = null
    this.calls = {} // export name -> call count
    this.trapArmed = {} // export name -> remaining traps
    this.trapsFired = 0
  }

  // The next call(s) of raw export `exportName` (default `handle`) throw a real
  // WebAssembly.RuntimeError before entering the module, the way a trap surfaces in JS.
  trapNext(exportName = 'handle', times = 1) {
    this.trapArmed[exportName] = (this.trapArmed[exportName] || 0) + times
  }
}

function resolvePackageFile(packagePath, callerRoot) {
  if (typeof packagePath !== 'string') {
    throw new TypeError('WXWebAssembly.instantiate: the first argument must be a code-package path string, got ' +
      Object.prototype.toString.call(packagePath))
  }
  if (!packagePath.startsWith('/')) {
    throw new Error(`WXWebAssembly.instantiate: '${packagePath}' is not an absolute code-package path`)
  }
  if (!/\.wasm(\.br)?$/.test(packagePath)) {
    throw new Error(`WXWebAssembly.instantiate: '${packagePath}' is not a .wasm or .wasm.br file`)
  }
  // The package is the one of the code calling instantiate (found on the stack); several test
  // packages may hold a file at the same path.
  const roots = callerRoot ? [callerRoot] : packageRoots
  for (const root of roots) {
    const file = path.join(root, packagePath)
    if (isInside(root, file) && fs.existsSync(file) && fs.statSync(file).isFile()) return {root, file}
  }
  throw new Error(`WXWebAssembly.instantiate: no file '${packagePath}' in the code package` +
    ` (package root: ${roots.join(', ')})`)
}

function packageRootOfCaller() {
  const stack = String(new Error().stack).split('\n').slice(1)
  for (const line of stack) {
    const m = /\(?((?:\/|[A-Za-z]:\\)[^():]+):\d+:\d+\)?\s*$/.exec(line)
    if (!m || m[1] === __filename) continue
    const root = rootOf(m[1])
    if (root) return root
  }
  return null
}

function wrapExports(record, rawExports) {
  const out = {}
  for (const name of Object.keys(rawExports)) {
    const value = rawExports[name]
    if (typeof value !== 'function') { out[name] = value; continue }
    out[name] = function (...args) {
      record.calls[name] = (record.calls[name] || 0) + 1
      if (globalTraps[name] > 0) {
        globalTraps[name]--
        record.trapsFired++
        throw new real.WebAssembly.RuntimeError('unreachable (trap injected by the test environment)')
      }
      if (record.trapArmed[name] > 0) {
        record.trapArmed[name]--
        record.trapsFired++
        throw new real.WebAssembly.RuntimeError('unreachable (trap injected by the test environment)')
      }
      return value.apply(this, args)
    }
  }
  return Object.freeze(out)
}

const WXWebAssembly = {
  instantiate(packagePath, imports) {
    const record = new WasmRecord(packagePath, imports)
    wasmRecords.push(record)
    const callerRoot = packageRootOfCaller()
    record.callerRoot = callerRoot
    const p = (async () => {
      const {root, file} = resolvePackageFile(packagePath, callerRoot)
      record.root = root
      record.file = file
      let bytes = fs.readFileSync(file)
      if (file.endsWith('.br')) bytes = zlib.brotliDecompressSync(bytes)
      const {module: mod, instance} = await real.WebAssembly.instantiate(bytes, imports)
      record.realInstance = instance
      // iOS WeChat does not support exported Globals: tests can assert this stays empty.
      record.exportedGlobals = Object.keys(instance.exports).filter((k) => instance.exports[k] instanceof real.WebAssembly.Global)
      record.exportNames = Object.keys(instance.exports)
      record.instance = {exports: wrapExports(record, instance.exports)}
      return {module: mod, instance: record.instance}
    })()
    p.catch((e) => { record.error = e })
    const tracked = p.then(() => {}, () => {})
    pendingInstantiations.add(tracked)
    tracked.then(() => pendingInstantiations.delete(tracked))
    return p
  },
  Memory: real.WebAssembly.Memory,
  Table: real.WebAssembly.Table,
  Global: real.WebAssembly.Global,
}
Object.defineProperty(globalThis, 'WXWebAssembly', {value: WXWebAssembly, writable: true, configurable: true})

// ---------------------------------------------------------------------------------------------
// 6. wx stand-ins.
// ---------------------------------------------------------------------------------------------
const wx = globalThis.wx // simulate's mock API object; we replace what this component uses
const requests = [] // every wx.request, in order

class PendingRequest {
  constructor(opts) {
    this.index = requests.length
    this.url = opts.url
    this.method = (opts.method || 'GET').toUpperCase()
    this.data = opts.data
    this.header = opts.header
    this.dataType = opts.dataType || 'json'
    this.responseType = opts.responseType || 'text'
    this.options = opts
    this.aborted = false
    this.abortCount = 0
    this.settled = false // success or fail already delivered (or scheduled)
    this.outcome = null // 'success' | 'fail'
    const self = this
    this.task = {
      abort() {
        self.abortCount++
        if (self.aborted || self.settled) return
        self.aborted = true
        self._deliver('fail', {errMsg: 'request:fail abort'})
      },
      onHeadersReceived() {},
      offHeadersReceived() {},
      onChunkReceived() {},
      offChunkReceived() {},
    }
  }

  get pending() { return !this.settled }

  // The query string of the url as an object, decoded the way a server does (`+` is a space), so
  // a value that was not percent-encoded does not come back intact.
  get query() {
    return parseQuery(this.url)
  }

  // `data` as an object whether the shim passed an object or a JSON string.
  get body() {
    return typeof this.data === 'string' ? JSON.parse(this.data) : this.data
  }

  _deliver(kind, res) {
    this.settled = true
    this.outcome = kind
    const opts = this.options
    return new Promise((resolve) => realSetImmediate(() => {
      try {
        if (kind === 'success' && typeof opts.success === 'function') opts.success(res)
        if (kind === 'fail' && typeof opts.fail === 'function') opts.fail(res)
        if (typeof opts.complete === 'function') opts.complete(res)
      } catch (e) {
        errors.push(e)
      }
      resolve()
    }))
  }

  // Answer with success. Returns a promise that resolves once the callbacks ran and things settled.
  // A no-op (resolving to false) when the request was aborted or already answered.
  // As WeChat: with responseType 'arraybuffer' the runtime hands the raw body bytes whatever
  // dataType says, so a string `data` becomes the ArrayBuffer of its UTF-8 bytes (an object: of its
  // JSON) and an ArrayBuffer is handed as it is; otherwise dataType 'json' parses a string.
  async respond({statusCode = 200, data = {}, header = {}} = {}) {
    if (this.settled) { await flush(); return false }
    let body = data
    if (this.responseType === 'arraybuffer') {
      if (!(body instanceof ArrayBuffer)) body = arrayBufferOf(typeof body === 'string' ? body : JSON.stringify(body))
    } else if (this.dataType === 'json' && typeof body === 'string') {
      try { body = JSON.parse(body) } catch (e) { /* WeChat leaves it a string */ }
    }
    await this._deliver('success', {statusCode, data: body, header, cookies: [], errMsg: 'request:ok'})
    await flush()
    return true
  }

  // Answer with fail (transport error), e.g. 'request:fail timeout'.
  async fail(errMsg = 'request:fail') {
    if (this.settled) { await flush(); return false }
    await this._deliver('fail', {errMsg})
    await flush()
    return true
  }
}

// The UTF-8 bytes of `text` in an ArrayBuffer of their own (what the network layer hands).
function arrayBufferOf(text) {
  const b = Buffer.from(text, 'utf8')
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.length)
}

function parseQuery(url) {
  const q = url.indexOf('?')
  const out = {}
  if (q < 0) return out
  const dec = (x) => decodeURIComponent(x.replace(/\+/g, ' '))
  for (const part of url.slice(q + 1).split('#')[0].split('&')) {
    if (!part) continue
    const eq = part.indexOf('=')
    const k = dec(eq < 0 ? part : part.slice(0, eq))
    if (Object.prototype.hasOwnProperty.call(out, k)) throw new Error(`parseQuery: '${k}' appears twice in ${url}`)
    out[k] = eq < 0 ? '' : dec(part.slice(eq + 1))
  }
  return out
}

// Request hooks (env.onRequest): called synchronously with each new PendingRequest, after it was
// recorded, e.g. to route it to an in-process fake server. A hook that throws is recorded in
// `errors`. Hooks are removed by the function onRequest returns, and by cleanup().
const requestHooks = []

function onRequest(fn) {
  if (typeof fn !== 'function') throw new TypeError('onRequest: a function is required')
  requestHooks.push(fn)
  return () => {
    const i = requestHooks.indexOf(fn)
    if (i >= 0) requestHooks.splice(i, 1)
  }
}

wx.request = function request(opts) {
  if (!opts || typeof opts !== 'object' || typeof opts.url !== 'string') throw new TypeError('wx.request: url is required')
  const r = new PendingRequest(opts)
  requests.push(r)
  for (const hook of requestHooks.slice()) {
    try { hook(r) } catch (e) { errors.push(e) }
  }
  return r.task
}

// Live contexts. WeChat resolves the element by id (inside `component` when given) when a method runs.
const PUSHER_METHODS = ['start', 'stop', 'pause', 'resume', 'switchCamera', 'snapshot', 'toggleTorch', 'playBGM',
  'stopBGM', 'pauseBGM', 'resumeBGM', 'setBGMVolume', 'setMICVolume', 'startPreview', 'stopPreview', 'sendMessage',
  'getMaxZoom', 'setZoom', 'startAudioRecord', 'stopAudioRecord']
const PLAYER_METHODS = ['play', 'stop', 'mute', 'pause', 'resume', 'requestFullScreen', 'exitFullScreen', 'snapshot',
  'requestPictureInPicture', 'exitPictureInPicture']
const contexts = [] // {kind, id, component, calls: [{method, args, target}]}
const contextCalls = [] // flat list of every call, in order: {kind, id, method, target, context}

function shadowNodeOfCaller(caller) {
  if (!caller) return null
  return caller._exparserNode || null
}

function findInTree(node, pred) {
  let found = null
  walkTree(node, (n) => {
    if (!found && pred(n)) found = n
  })
  return found
}

function makeContext(kind, id, component) {
  const ctx = {kind, id, component: component || null, calls: []}
  contexts.push(ctx)
  const methods = kind === 'pusher' ? PUSHER_METHODS : PLAYER_METHODS
  const tag = kind === 'pusher' ? 'live-pusher' : 'live-player'
  const api = {}
  for (const method of methods) {
    api[method] = (options) => {
      const host = shadowNodeOfCaller(component)
      const scopes = host ? [host] : pages.filter((p) => p.attached).map((p) => p.root._exparserNode)
      let target = null
      for (const scope of scopes) {
        target = findInTree(scope, (n) => n.is === tag && (id == null || n.id === id))
        if (target) break
      }
      const call = {kind, id, method, args: options === undefined ? [] : [options], target, context: ctx}
      ctx.calls.push(call)
      contextCalls.push(call)
      if (options && typeof options === 'object') {
        realSetImmediate(() => {
          const res = target ? {errMsg: `operateLive${kind === 'pusher' ? 'Pusher' : 'Player'}:ok`}
            : {errMsg: `operateLive${kind === 'pusher' ? 'Pusher' : 'Player'}:fail not found`}
          try {
            if (target && typeof options.success === 'function') options.success(res)
            if (!target && typeof options.fail === 'function') options.fail(res)
            if (typeof options.complete === 'function') options.complete(res)
          } catch (e) { errors.push(e) }
        })
      }
    }
  }
  return api
}

wx.createLivePusherContext = (id, component) => makeContext('pusher', id, component)
wx.createLivePlayerContext = (id, component) => makeContext('player', id, component)
const uiCalls = [] // showToast / showModal / showLoading ...
for (const name of ['showToast', 'hideToast', 'showModal', 'showLoading', 'hideLoading']) {
  wx[name] = (opts = {}) => {
    uiCalls.push({name, opts})
    realSetImmediate(() => {
      try {
        const res = name === 'showModal' ? {errMsg: 'showModal:ok', confirm: true, cancel: false} : {errMsg: `${name}:ok`}
        if (typeof opts.success === 'function') opts.success(res)
        if (typeof opts.complete === 'function') opts.complete(res)
      } catch (e) { errors.push(e) }
    })
  }
}
const app = {globalData: {}}
globalThis.getApp = () => app
globalThis.getCurrentPages = () => []

// ---------------------------------------------------------------------------------------------
// 7. Native tag stand-ins (documented properties and defaults).
// ---------------------------------------------------------------------------------------------
const P = (type, value) => ({type, value})
const LIVE_PUSHER_PROPERTIES = {
  url: P(String, ''), mode: P(String, 'RTC'), autopush: P(Boolean, false), muted: P(Boolean, false),
  enableCamera: P(Boolean, true), autoFocus: P(Boolean, true), orientation: P(String, 'vertical'),
  beauty: P(Number, 0), whiteness: P(Number, 0), aspect: P(String, '9:16'), minBitrate: P(Number, 200),
  maxBitrate: P(Number, 1000), audioQuality: P(String, 'high'), waitingImage: P(String, ''),
  waitingImageHash: P(String, ''), zoom: P(Boolean, false), devicePosition: P(String, 'front'),
  backgroundMute: P(Boolean, false), mirror: P(Boolean, false), remoteMirror: P(Boolean, false),
  localMirror: P(String, 'auto'), audioReverbType: P(Number, 0), enableMic: P(Boolean, true),
  enableAgc: P(Boolean, false), enableAns: P(Boolean, false), audioVolumeType: P(String, 'auto'),
  videoWidth: P(Number, 360), videoHeight: P(Number, 640), beautyStyle: P(String, 'smooth'),
  filter: P(String, 'standard'), debug: P(Boolean, false),
}
const LIVE_PLAYER_PROPERTIES = {
  src: P(String, ''), mode: P(String, 'live'), autoplay: P(Boolean, false), muted: P(Boolean, false), muteVideo: P(Boolean, false),
  orientation: P(String, 'vertical'), objectFit: P(String, 'contain'), backgroundMute: P(Boolean, false),
  minCache: P(Number, 1), maxCache: P(Number, 3), soundMode: P(String, 'speaker'),
  autoPauseIfNavigate: P(Boolean, true), autoPauseIfOpenNative: P(Boolean, true),
  pictureInPictureMode: P(null, []), debug: P(Boolean, false),
}
simulate.load({id: 'live-pusher', tagName: 'live-pusher', template: '<slot/>', properties: LIVE_PUSHER_PROPERTIES})
simulate.load({id: 'live-player', tagName: 'live-player', template: '<slot/>', properties: LIVE_PLAYER_PROPERTIES})

// ---------------------------------------------------------------------------------------------
// 8. Per-component injection: `this.is` and setData recording, for components of a package.
// ---------------------------------------------------------------------------------------------
const setDataLog = [] // every setData by a package component: {component, data, json, chars, bytes, index}
const componentInstances = [] // callers of package components, in creation order

const originalRegister = jComponent.register
jComponent.register = function register(definition) {
  const p = definition && definition.path
  const root = p ? rootOf(p + '.js') : null
  if (root) {
    const is = path.relative(root, p).split(path.sep).join('/')
    const injected = jComponent.behavior({
      created() {
        // WeChat: `this.is` is the component's path in the package. (simulate gives a random id.)
        Object.defineProperty(this, 'is', {value: is, configurable: true, enumerable: false})
        const caller = this
        const origSetData = this.setData
        caller.__wxenv = {setData: []}
        componentInstances.push(caller)
        this.setData = function (data, callback) {
          let json
          try { json = JSON.stringify(data) } catch (e) { json = undefined }
          const rec = {component: caller, data: json === undefined ? data : JSON.parse(json), json,
            chars: json ? json.length : 0, bytes: json ? Buffer.byteLength(json) : 0, index: setDataLog.length}
          setDataLog.push(rec)
          caller.__wxenv.setData.push(rec)
          return origSetData.call(this, data, callback)
        }
      },
    })
    definition.behaviors = [injected, ...(definition.behaviors || [])]
  }
  return originalRegister.call(this, definition)
}

// ---------------------------------------------------------------------------------------------
// 9. Remove the globals WeChat does not have. From here on, component code cannot see them.
// ---------------------------------------------------------------------------------------------
// WXENV_TEXT_CODING=1 keeps TextEncoder / TextDecoder: a base library that has them (the glue
// detects them; tools/bench.js times the IM path both ways).
const KEPT_GLOBALS = process.env.WXENV_TEXT_CODING === '1' ? ['TextEncoder', 'TextDecoder'] : []
for (const name of REMOVED_GLOBALS) {
  if (KEPT_GLOBALS.includes(name)) continue
  delete globalThis[name]
  if (name in globalThis) throw new Error(`wechat-env: could not remove global ${name}`)
}

// ---------------------------------------------------------------------------------------------
// 10. Tree helpers, event firing.
// ---------------------------------------------------------------------------------------------
function walkTree(node, visit) {
  if (!node) return
  visit(node)
  if (node instanceof exparser.Component && node.shadowRoot instanceof exparser.Element) walkTree(node.shadowRoot, visit)
  const kids = node.childNodes || []
  for (const child of kids) if (child instanceof exparser.Element) walkTree(child, visit)
}

function nodesOf(hostNode, tag) {
  const out = []
  walkTree(hostNode && hostNode.shadowRoot, (n) => { if (n.is === tag) out.push(n) })
  return out
}

function propsOf(node) {
  const caller = exparser.Element.getMethodCaller(node)
  return JSON.parse(JSON.stringify(caller.data))
}

// Fire a native event the way the runtime does: an exparser event on the element, which the
// framework delivers to `bind<name>` handlers with `detail` and `currentTarget.dataset`.
function fireNative(node, name, detail) {
  exparser.Event.dispatchEvent(node, exparser.Event.create(name, detail, {bubbles: false, composed: false, capturePhase: false}))
}

// Old base libraries gave live-pusher `binderror` its payload as `e.details`. The framework's
// event object cannot carry that field, so this calls the bound handler directly with such an event.
function fireLegacyDetails(node, name, details) {
  const vt = node._vt || {}
  const bindings = Object.values(vt.event || {}).filter((b) => b.name === name && b.handler)
  if (!bindings.length) return false
  const host = node.ownerShadowRoot.getHostNode()
  const caller = exparser.Element.getMethodCaller(host)
  const target = {id: node.id, offsetLeft: 0, offsetTop: 0, dataset: node.dataset || {}}
  for (const b of bindings) {
    if (typeof caller[b.handler] !== 'function') continue
    try {
      caller[b.handler]({type: name, timeStamp: Date.now(), target, currentTarget: target, details})
    } catch (e) { errors.push(e) }
  }
  return true
}

function flush(turns = 4) {
  let p = Promise.resolve()
  for (let i = 0; i < turns; i++) p = p.then(() => new Promise((r) => realSetImmediate(r)))
  return p
}

function sleep(ms) {
  return new Promise((r) => realSetTimeout(r, ms))
}

async function waitFor(pred, {timeout = 3000, interval = 5, what = 'condition'} = {}) {
  const t0 = Date.now()
  for (;;) {
    const v = pred()
    if (v) return v
    if (Date.now() - t0 > timeout) throw new Error(`waitFor: timed out after ${timeout} ms waiting for ${what}`)
    await sleep(interval)
  }
}

// Resolves when every WXWebAssembly.instantiate call so far has settled, then lets things flush.
async function waitForCore() {
  for (let i = 0; i < 10; i++) {
    await flush()
    if (pendingInstantiations.size === 0) break
    await Promise.all([...pendingInstantiations])
  }
  await flush()
}

// ---------------------------------------------------------------------------------------------
// 11. Loading the component and the page wrapper.
// ---------------------------------------------------------------------------------------------
const loadedComponents = new Map() // componentPath -> id

function listWxml(dir, root) {
  const out = []
  const visit = (d) => {
    for (const e of fs.readdirSync(d, {withFileTypes: true})) {
      const f = path.join(d, e.name)
      if (e.isDirectory()) visit(f)
      else if (e.name.endsWith('.wxml')) out.push(path.relative(root, f).split(path.sep).join('/'))
    }
  }
  visit(dir)
  return out
}

// Loads the component at `componentPath` (absolute, no extension) in the package rooted at `root`.
function loadComponent({componentPath = COMPONENT_PATH, root = REPO_ROOT, tagName = 'webrtc-room'} = {}) {
  const key = `${componentPath}\0${root}`
  if (loadedComponents.has(key)) return loadedComponents.get(key)
  addPackageRoot(root)
  const id = simulate.load(componentPath, tagName, {
    rootPath: root,
    // wcc gets only the component's own wxml (the official compiler otherwise globs the whole root)
    compilerOptions: {wxmlList: listWxml(path.dirname(componentPath), root)},
  })
  loadedComponents.set(key, id)
  return id
}

// Copies the component folder into a fresh package at `<tmp>/<folder>` and returns where it is.
const tempDirs = []
process.on('exit', () => {
  for (const d of tempDirs) { try { fs.rmSync(d, {recursive: true, force: true}) } catch (e) { /* best effort */ } }
})

// A fresh temporary directory, removed when the process exits.
function tempDir(prefix = 'wxpkg-') {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix))
  tempDirs.push(d)
  return d
}

function copyComponent(folder = 'components/webrtc-room') {
  const root = tempDir()
  const dest = path.join(root, folder)
  fs.mkdirSync(path.dirname(dest), {recursive: true})
  fs.cpSync(COMPONENT_DIR, dest, {recursive: true})
  return {root, componentPath: path.join(dest, 'webrtc-room'), folder}
}

// The integration guide's usage, attribute for attribute.
const GUIDE_ATTRS = ['roomID', 'userID', 'userSig', 'sdkAppID', 'privateMapKey', 'template', 'beauty', 'muted', 'debug', 'enableIM']
const GUIDE_DEFAULTS = {roomID: 0, userID: '', userSig: '', sdkAppID: 0, privateMapKey: '', template: 'float',
  beauty: 0, muted: false, debug: false, enableIM: false}

const pages = []

class Page {
  constructor({props = {}, componentPath = COMPONENT_PATH, root = REPO_ROOT, count = 1, extraAttrs = []} = {}) {
    const compId = loadComponent({componentPath, root})
    const extra = [...new Set([...extraAttrs, ...Object.keys(props).filter((k) => !GUIDE_ATTRS.includes(k))])]
    const ids = count === 1 ? ['webrtcroom'] : Array.from({length: count}, (_, i) => `webrtcroom${i + 1}`)
    const pageData = {}
    const tags = ids.map((id, i) => {
      const prefix = count === 1 ? '' : `r${i + 1}_`
      for (const k of GUIDE_ATTRS) pageData[prefix + k] = GUIDE_DEFAULTS[k]
      for (const k of extra) pageData[prefix + k] = undefined
      const attrs = [...GUIDE_ATTRS, ...extra].map((k) => `${k}="{{${prefix}${k}}}"`).join(' ')
      return `<webrtc-room id="${id}" ${attrs} bindRoomEvent="onRoomEvent" bindIMEvent="onIMEvent"></webrtc-room>`
    })
    const prefixed = (i, obj) => {
      const out = {}
      for (const k of Object.keys(obj)) out[(count === 1 ? '' : `r${i + 1}_`) + k] = obj[k]
      return out
    }
    Object.assign(pageData, ...ids.map((_, i) => prefixed(i, props)))
    for (const k of Object.keys(pageData)) if (pageData[k] === undefined) delete pageData[k]
    const events = []
    this.events = events
    this.ids = ids
    this.count = count
    this._prefixed = prefixed
    const pageDefId = simulate.load({
      template: `<view class="page">${tags.join('')}</view>`,
      usingComponents: {'webrtc-room': compId},
      data: pageData,
      methods: {
        onRoomEvent(e) { events.push({name: 'RoomEvent', room: e.currentTarget && e.currentTarget.id, detail: e.detail}) },
        onIMEvent(e) { events.push({name: 'IMEvent', room: e.currentTarget && e.currentTarget.id, detail: e.detail}) },
      },
    })
    this.root = simulate.render(pageDefId)
    this.parent = document.createElement('div')
    document.body.appendChild(this.parent)
    this.root.attach(this.parent)
    this.attached = true
    this.rooms = ids.map((id) => new RoomHandle(this, id, ids.indexOf(id)))
    pages.push(this)
  }

  get instance() { return this.root.instance }
  get room() { return this.rooms[0] }

  roomEvents(roomId) {
    return this.events.filter((e) => e.name === 'RoomEvent' && (!roomId || e.room === roomId)).map((e) => e.detail)
  }

  imEvents() { return this.events.filter((e) => e.name === 'IMEvent').map((e) => e.detail) }

  // The page's setData; resolves after the callback ran and things settled.
  setData(data, roomIndex = 0) {
    return new Promise((resolve) => {
      this.instance.setData(this._prefixed(roomIndex, data), resolve)
    }).then(() => flush())
  }

  // The guide's flow: setData(props) and, in its callback, selectComponent('#webrtcroom').start().
  start(props = {}, roomIndex = 0) {
    const id = this.ids[roomIndex]
    return new Promise((resolve, reject) => {
      this.instance.setData(this._prefixed(roomIndex, props), () => {
        try {
          this.instance.selectComponent(`#${id}`).start()
          resolve()
        } catch (e) { reject(e) }
      })
    }).then(() => flush())
  }

  detach() {
    if (!this.attached) return
    this.root.detach()
    this.attached = false
    if (this.parent.parentNode) this.parent.parentNode.removeChild(this.parent)
  }
}

class RoomHandle {
  constructor(page, id, index) {
    this.page = page
    this.id = id
    this.index = index
  }

  get component() { return this.page.root.querySelector(`#${this.id}`) }
  get node() { return this.component._exparserNode }
  // The component's `this`.
  get instance() { return this.page.instance.selectComponent(`#${this.id}`) }
  get data() { return this.instance.data }
  get setDataCalls() { return this.instance.__wxenv.setData }
  get events() { return this.page.events.filter((e) => e.room === this.id) }
  roomEvents() { return this.page.roomEvents(this.id) }
  errorEvents() { return this.roomEvents().filter((d) => d && d.tag === 'error') }

  // Calls a component method, as a page would through selectComponent.
  async call(method, ...args) {
    const inst = this.instance
    if (typeof inst[method] !== 'function') throw new Error(`webrtc-room has no method ${method}`)
    const r = inst[method](...args)
    await flush()
    return r
  }

  setProps(data) { return this.page.setData(data, this.index) }
  start(props) { return this.page.start(props, this.index) }

  pusherNodes() { return nodesOf(this.node, 'live-pusher') }
  pusherNode() {
    const all = this.pusherNodes()
    if (all.length !== 1) throw new Error(`expected exactly one <live-pusher> in the room, found ${all.length}`)
    return all[0]
  }

  // What the runtime is told: the live-pusher's properties (or null when no pusher is rendered).
  pusher() {
    const all = this.pusherNodes()
    return all.length ? Object.assign(propsOf(all[0]), {$id: all[0].id, $dataset: Object.assign({}, all[0].dataset)}) : null
  }

  playerNodes() { return nodesOf(this.node, 'live-player') }

  // Every rendered live-player: its properties plus element id and dataset.
  players() {
    return this.playerNodes().map((n) => Object.assign(propsOf(n), {$id: n.id, $dataset: Object.assign({}, n.dataset)}))
  }

  // Players that are told to play something (non-empty src).
  activePlayers() { return this.players().filter((p) => p.src) }

  playerNode(slotOrUser) {
    const nodes = this.playerNodes()
    const n = typeof slotOrUser === 'number'
      ? nodes.find((x) => x.id === `player-${slotOrUser}`)
      : nodes.find((x) => x.dataset && x.dataset.user === slotOrUser)
    if (!n) throw new Error(`no live-player for ${JSON.stringify(slotOrUser)} (players: ${JSON.stringify(this.players().map((p) => [p.$id, p.$dataset.user]))})`)
    return n
  }

  player(slotOrUser) {
    const n = this.playerNode(slotOrUser)
    return Object.assign(propsOf(n), {$id: n.id, $dataset: Object.assign({}, n.dataset)})
  }

  async pusherState(code, message = '') {
    fireNative(this.pusherNode(), 'statechange', {code, message})
    await flush()
  }

  // A 1020 member-list notification for these users.
  pusherUserList(users, sdkAppID = 1400000000) {
    const userlist = users.map((u) => ({userid: u, playurl: `room://cloud.tencent.com?userid=${encodeURIComponent(u)}&sdkappid=${sdkAppID}`}))
    return this.pusherState(1020, JSON.stringify({userlist}))
  }

  async pusherError(errCode, errMsg = '', {legacyDetails = false} = {}) {
    const node = this.pusherNode()
    if (legacyDetails) {
      if (!fireLegacyDetails(node, 'error', {errCode, errMsg})) throw new Error('live-pusher has no binderror handler')
    } else {
      fireNative(node, 'error', {errCode, errMsg})
    }
    await flush()
  }

  async playerState(slotOrUser, code, message = '') {
    fireNative(this.playerNode(slotOrUser), 'statechange', {code, message})
    await flush()
  }

  // Context calls that reached an element of this room.
  _ownsNode(n) {
    let owned = false
    walkTree(this.node.shadowRoot, (x) => { if (x === n) owned = true })
    return owned
  }

  contextCallsOfRoom() {
    const inst = this.instance
    return contextCalls.filter((c) => c.context.component === inst || (c.target && this._ownsNode(c.target)))
  }

  // Names of the LivePusherContext methods called for this room's pusher (only calls that found it).
  pusherCalls() {
    return this.contextCallsOfRoom().filter((c) => c.kind === 'pusher' && c.target).map((c) => c.method)
  }

  // LivePlayerContext calls that reached a player of this room: [{slot, user, method}].
  playerCalls() {
    return this.contextCallsOfRoom().filter((c) => c.kind === 'player' && c.target).map((c) => ({
      slot: c.target.dataset && c.target.dataset.slot, elementId: c.target.id, user: c.target.dataset && c.target.dataset.user, method: c.method,
    }))
  }

  // Context calls of this room that found no element (WeChat silently does nothing for those).
  lostContextCalls() {
    const inst = this.instance
    return contextCalls.filter((c) => c.context.component === inst && !c.target).map((c) => ({kind: c.kind, id: c.id, method: c.method}))
  }
}

function renderPage(opts = {}) {
  return new Page(opts)
}

// Detach every page, forget requests/contexts/logs/errors (call in afterEach).
async function cleanup() {
  for (const p of pages.splice(0)) p.detach()
  await flush()
  requests.length = 0
  contexts.length = 0
  contextCalls.length = 0
  uiCalls.length = 0
  logs.length = 0
  errors.length = 0
  setDataLog.length = 0
  componentInstances.length = 0
  wasmRecords.length = 0
  for (const k of Object.keys(globalTraps)) delete globalTraps[k]
  requestHooks.length = 0
}

// Requests not yet answered (optionally only those whose url contains `urlPart`).
function pendingRequests(urlPart) {
  return requests.filter((r) => r.pending && (!urlPart || r.url.includes(urlPart)))
}

module.exports = {
  REPO_ROOT,
  COMPONENT_DIR,
  COMPONENT_PATH,
  REMOVED_GLOBALS,
  SHADOWED,
  real,
  simulate,
  exparser,
  jComponent,
  dom,
  WXWebAssembly,
  wasm: {
    records: wasmRecords,
    pending: pendingInstantiations,
    // Every instance, present and future: the next `times` calls of `exportName` trap.
    trapAll(exportName = 'handle', times = Infinity) { globalTraps[exportName] = times },
    clearTraps() { for (const k of Object.keys(globalTraps)) delete globalTraps[k] },
  },
  requests,
  arrayBufferOf,
  pendingRequests,
  onRequest,
  contexts,
  contextCalls,
  uiCalls,
  logs,
  errors,
  setDataLog,
  componentInstances,
  moduleLoads,
  packageRoots,
  addPackageRoot,
  loadComponent,
  copyComponent,
  tempDir,
  renderPage,
  cleanup,
  flush,
  sleep,
  waitFor,
  waitForCore,
  walkTree,
  fireNative,
  parseQuery,
  GUIDE_ATTRS,
  GUIDE_DEFAULTS,
  LIVE_PUSHER_PROPERTIES,
  LIVE_PLAYER_PROPERTIES,
}
