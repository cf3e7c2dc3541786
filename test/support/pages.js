'use strict'
// The demo's pages (pages/index, pages/room) as miniprogram-simulate components, in the WeChat-like
// environment of ./wechat-env. Nothing here is a test wrapper around the component: the page's own
// .js, .wxml, .wxss and .json are loaded, and its `Page({...})` definition is turned into a
// component definition the way WeChat runs a page:
//   data                 -> data
//   every function       -> methods (so `bindtap="enter"` and `this.sign(...)` reach them)
//   other fields         -> copied onto the instance
//   attached             -> onLoad(query), onShow(), onReady()
//   detached             -> onUnload() (the page is popped or relaunched away)
// `usingComponents` comes from the page's JSON, resolved against the package root by
// miniprogram-simulate (so `/webrtc-room/webrtc-room` is the real component folder of that root).
//
// wx stand-ins for what the pages use, recording every call in `ui` (in order):
//   navigateTo / navigateBack / reLaunch / redirectTo   -> a page stack per device (`nav`): two
//       users of one room are two phones, so every page is opened on a device (open(..., {device}))
//       and a navigation call acts on the device of the page whose code made it (known because
//       every page method runs through a recording wrapper). navigateBack pops (detaches) the top
//       page, as WeChat unloads it; with nothing below it fails ("navigateBack:fail cannot
//       navigate back at first page.") like WeChat; reLaunch/redirectTo detach the device's
//       pages. navigateTo only records (opening the next page is the test's job).
//   showModal            -> stays open until closeModal() (or auto-closes with `autoCloseModal`)
//   showToast / showLoading / hideLoading / hideToast / setNavigationBarTitle / setKeepScreenOn
//   getApp               -> the App({...}) of app.js when loadApp() ran, else wechat-env's.
//
//   const P = require('./support/pages')
//   P.install()                                        // once: wx stand-ins
//   const cfg = P.config()                             // pages/config.js's module object
//   const page = P.open('pages/room/room', {roomID: '1234', userID: 'alice'}, {device: 'alice'})
//   page.data; await page.call('hangUp'); await page.tap(node or '.enter'); await page.fire(node, 'input', {value})
//   page.details('onRoomEvent')                        // event details the page's handlers got
//   await page.background()                            // onHide + onShow, as after the app was in the background
//   page.room                                          // a RoomView: data, pusher(), players(), pusherCalls(), shownAt('bar')
//   P.ui (every call: {name, opts, device}) / P.named('navigateTo') / P.toasts() / P.nav.log / P.stack(device)
//   P.modals / P.openModal() / await P.closeModal()
//   await P.closeAll(); P.reset()                      // detach every page still open, forget the records
//
// One limitation: miniprogram-simulate compiles all WXML of a package root once and caches it by
// root. The pages must be loaded before wechat-env's renderPage()/loadComponent() compiles the same
// root with only the component's WXML (so do not mix both in one test file, or use another root).

const fs = require('fs')
const path = require('path')
const env = require('./wechat-env')

const simulate = env.simulate
const exparser = env.exparser
const realSetImmediate = setImmediate

let ROOT = env.REPO_ROOT

// ----- the package root ---------------------------------------------------------------------------

// Which copy of the project the pages come from (default: this repository). Must be called
// before the first page is loaded; a later call with another root throws.
let rootLocked = false
function useRoot(dir) {
  const abs = path.resolve(dir)
  if (rootLocked && abs !== ROOT) throw new Error('pages: the package root is fixed once a page was loaded')
  ROOT = abs
  env.addPackageRoot(ROOT)
  return ROOT
}

function root() { return ROOT }

// pages/config.js as the pages will see it: the very module object `require('../config.js')`
// returns inside the package (Node's module cache), so assigning its fields before a page file
// runs is what the page reads. (room.js reads API_BASE and ENABLE_IM when room.js itself runs,
// SIGN_URL when onLoad signs; index.js reads SIGN_URL when index.js runs.)
function config() {
  env.addPackageRoot(ROOT)
  return require(path.join(ROOT, 'pages', 'config.js'))
}

// ----- wx stand-ins -------------------------------------------------------------------------------

const ui = [] // {name, opts, at}
const nav = {stacks: new Map(), log: []} // device -> open PageHandles (bottom first); log: {name, device, url, ok}
let active = null // the PageHandle whose method is running (innermost)
const modals = [] // {opts, open, close(res)}
let autoCloseModal = false

function stackOf(device) {
  if (!nav.stacks.has(device)) nav.stacks.set(device, [])
  return nav.stacks.get(device)
}

// The page a wx call came from: the one whose method is running.
function callerPage(name) {
  if (!active) {
    const e = new Error(`wx.${name} was called outside any page method: no page to act on`)
    env.errors.push(e)
    return null
  }
  return active
}

function record(name, opts) {
  const r = {name, opts: opts || {}, at: Date.now(), page: active, device: active ? active.device : null}
  ui.push(r)
  return r
}

function later(fn) {
  realSetImmediate(() => {
    try { fn() } catch (e) { env.errors.push(e) }
  })
}

// Runs the callbacks later, as WeChat does, on behalf of the page that made the call (so a
// wx.reLaunch in navigateBack's `fail` acts on that page's device).
function answer(opts, ok, res) {
  const page = active
  later(() => {
    const prev = active
    active = page
    try {
      if (ok && typeof opts.success === 'function') opts.success(res)
      if (!ok && typeof opts.fail === 'function') opts.fail(res)
      if (typeof opts.complete === 'function') opts.complete(res)
    } finally {
      active = prev
    }
  })
}

let installed = false
function install() {
  if (installed) return
  installed = true
  const wx = globalThis.wx
  const simple = ['showToast', 'hideToast', 'showLoading', 'hideLoading', 'setNavigationBarTitle', 'setKeepScreenOn']
  for (const name of simple) {
    wx[name] = (opts = {}) => {
      record(name, opts)
      answer(opts, true, {errMsg: `${name}:ok`})
    }
  }
  wx.showModal = (opts = {}) => {
    record('showModal', opts)
    const m = {
      opts,
      page: active,
      open: true,
      close(res = {confirm: true, cancel: false}) {
        if (!m.open) return false
        m.open = false
        const prev = active
        active = m.page // the callbacks run for the page that opened the modal
        try {
          answer(opts, true, Object.assign({errMsg: 'showModal:ok'}, res))
        } finally {
          active = prev
        }
        return true
      },
    }
    modals.push(m)
    if (autoCloseModal) m.close()
  }
  const known = (url) => typeof url === 'string' && appPages().includes(url.replace(/^\//, '').split('?')[0])
  wx.navigateTo = (opts = {}) => {
    record('navigateTo', opts)
    const page = callerPage('navigateTo')
    const ok = !!page && known(opts.url) && opts.url.startsWith('/')
    nav.log.push({name: 'navigateTo', device: page && page.device, url: opts.url, ok})
    answer(opts, ok, {errMsg: ok ? 'navigateTo:ok' : `navigateTo:fail page "${opts.url}" is not found`})
  }
  wx.redirectTo = (opts = {}) => {
    record('redirectTo', opts)
    const page = callerPage('redirectTo')
    const ok = !!page && known(opts.url)
    nav.log.push({name: 'redirectTo', device: page && page.device, url: opts.url, ok})
    if (ok) page.detach()
    answer(opts, ok, {errMsg: ok ? 'redirectTo:ok' : `redirectTo:fail page "${opts.url}" is not found`})
  }
  wx.navigateBack = (opts = {}) => {
    record('navigateBack', opts)
    const page = callerPage('navigateBack')
    const stack = page ? stackOf(page.device) : []
    const delta = Math.max(1, opts.delta || 1)
    const ok = stack.length > 1
    nav.log.push({name: 'navigateBack', device: page && page.device, ok})
    if (ok) for (let i = 0; i < delta && stack.length > 1; i++) stack[stack.length - 1].detach()
    answer(opts, ok, {errMsg: ok ? 'navigateBack:ok' : 'navigateBack:fail cannot navigate back at first page.'})
  }
  wx.reLaunch = (opts = {}) => {
    record('reLaunch', opts)
    const page = callerPage('reLaunch')
    const ok = !!page && known(opts.url)
    nav.log.push({name: 'reLaunch', device: page && page.device, url: opts.url, ok})
    if (ok) for (const p of stackOf(page.device).slice().reverse()) p.detach()
    answer(opts, ok, {errMsg: ok ? 'reLaunch:ok' : `reLaunch:fail page "${opts.url}" is not found`})
  }
}

// ----- App ----------------------------------------------------------------------------------------

let app = null
// Runs app.js with a captured `App({...})`, makes getApp() return it and calls onLaunch(options).
function loadApp(launchOptions = {}) {
  env.addPackageRoot(ROOT)
  const file = path.join(ROOT, 'app.js')
  let def = null
  const prev = globalThis.App
  globalThis.App = (d) => { def = d }
  try {
    delete require.cache[file]
    require(file)
  } finally {
    globalThis.App = prev
  }
  if (!def) throw new Error('app.js did not call App({...})')
  app = Object.assign({globalData: {}}, def)
  globalThis.getApp = () => app
  if (typeof app.onLaunch === 'function') app.onLaunch.call(app, launchOptions)
  return app
}

// ----- pages --------------------------------------------------------------------------------------

const loaded = new Map() // route -> {id, wxmlList}
const pendingQueries = [] // the query of the page being rendered (onLoad's argument)
let creating = null // the PageHandle being rendered

function wxmlFiles() {
  const out = []
  const visit = (d) => {
    for (const e of fs.readdirSync(d, {withFileTypes: true})) {
      const f = path.join(d, e.name)
      if (e.isDirectory()) { if (e.name !== 'node_modules') visit(f) } else if (e.name.endsWith('.wxml')) out.push(path.relative(ROOT, f).split(path.sep).join('/'))
    }
  }
  // The pages of app.json and every folder a page's usingComponents names (here: webrtc-room/).
  const appJson = JSON.parse(fs.readFileSync(path.join(ROOT, 'app.json'), 'utf8'))
  const dirs = new Set()
  for (const p of appJson.pages) {
    dirs.add(path.dirname(path.join(ROOT, p)))
    const json = readJson(path.join(ROOT, p + '.json')) || {}
    for (const v of Object.values(json.usingComponents || {})) {
      dirs.add(path.dirname(v.startsWith('/') ? path.join(ROOT, v) : path.resolve(path.dirname(path.join(ROOT, p)), v)))
    }
  }
  for (const d of dirs) visit(d)
  return [...new Set(out)]
}

function appPages() {
  return JSON.parse(fs.readFileSync(path.join(ROOT, 'app.json'), 'utf8')).pages
}

function readJson(file) {
  try { return JSON.parse(fs.readFileSync(file, 'utf8')) } catch (e) { return null }
}

const handles = new WeakMap() // page instance (the method caller) -> PageHandle

// Each page function runs with `active` set to its page and is recorded (name, event detail).
function wrap(name, f) {
  return function (...args) {
    const handle = handles.get(this) || null
    if (handle) handle.calls.push({method: name, detail: args[0] && typeof args[0] === 'object' && 'detail' in args[0] ? args[0].detail : undefined})
    const prev = active
    active = handle || active
    try {
      return f.apply(this, args)
    } finally {
      active = prev
    }
  }
}

// Page({...}) -> a component definition (see the top of this file).
function pageToComponent(def, route) {
  const data = {}
  const methods = {}
  const fields = {}
  for (const [k, v] of Object.entries(def)) {
    if (k === 'data') Object.assign(data, JSON.parse(JSON.stringify(v || {})))
    else if (typeof v === 'function') methods[k] = wrap(k, v)
    else fields[k] = v
  }
  return {
    data,
    methods,
    lifetimes: {
      created() {
        Object.assign(this, JSON.parse(JSON.stringify(fields)))
        this.route = route
        if (creating) handles.set(this, creating)
      },
      attached() {
        const query = pendingQueries.length ? pendingQueries.shift() : {}
        this.options = query
        if (typeof this.onLoad === 'function') this.onLoad(query)
        if (typeof this.onShow === 'function') this.onShow()
        if (typeof this.onReady === 'function') this.onReady()
      },
      detached() {
        if (typeof this.onUnload === 'function') this.onUnload()
      },
    },
  }
}

// Loads `route` (e.g. 'pages/room/room') once: its wxml is compiled with the official compiler
// (together with every other page's and the component's), its JSON's usingComponents are
// resolved and registered by miniprogram-simulate, and its .js runs with a global `Page`.
function load(route) {
  if (loaded.has(route)) return loaded.get(route).id
  rootLocked = true
  env.addPackageRoot(ROOT)
  const abs = path.join(ROOT, route)
  const json = readJson(abs + '.json')
  if (!json) throw new Error(`pages: no ${route}.json under ${ROOT}`)
  const prevPage = globalThis.Page
  const prevComponent = globalThis.Component
  let captured = 0
  // simulate runs the page's .js and expects it to call Component(); the page calls Page().
  globalThis.Page = (def) => {
    captured++
    return prevComponent(pageToComponent(def, route))
  }
  let id
  try {
    id = simulate.load(abs, route.replace(/[^a-z0-9]+/gi, '-'), {
      rootPath: ROOT,
      compilerOptions: {wxmlList: wxmlFiles()},
    })
  } finally {
    globalThis.Page = prevPage
  }
  if (captured !== 1) throw new Error(`pages: ${route}.js called Page() ${captured} times`)
  loaded.set(route, {id, json})
  return id
}

let openCount = 0

class PageHandle {
  constructor(route, query, {device = 'phone'} = {}) {
    const id = load(route)
    this.route = route
    this.query = query
    this.device = device
    this.calls = [] // {method, detail}: every page function the framework or the page itself called
    this.index = openCount++
    this._room = null
    pendingQueries.push(Object.assign({}, query))
    creating = this
    try {
      this.root = simulate.render(id)
    } finally {
      creating = null
    }
    this.parent = document.createElement('div')
    document.body.appendChild(this.parent)
    this.attached = true
    stackOf(device).push(this)
    const prev = active
    active = this // onLoad / onShow run inside attach
    try {
      this.root.attach(this.parent)
    } finally {
      active = prev
    }
  }

  // The detail of every call of page function `method` (e.g. 'onRoomEvent').
  details(method) { return this.calls.filter((c) => c.method === method).map((c) => c.detail) }

  get instance() { return this.root.instance }
  get data() { return this.instance.data }
  get node() { return this.root._exparserNode }

  // Calls a page method as the framework would (e.g. a handler with an event object).
  async call(method, ...args) {
    const f = this.instance[method]
    if (typeof f !== 'function') throw new Error(`${this.route} has no method ${method}`)
    const r = f.apply(this.instance, args) // the wrapper sets `active`
    await env.flush()
    return r
  }

  // The app goes to the background and comes back: WeChat calls the page's onHide, then onShow.
  async background() {
    for (const m of ['onHide', 'onShow']) if (typeof this.instance[m] === 'function') await this.call(m)
  }

  // The page's own nodes (its shadow tree), e.g. '.btn.end'.
  $(selector) { return this.root.querySelector(selector) }
  $$(selector) { return this.root.querySelectorAll(selector) }

  // A user's tap on a node of the page's template (what `bindtap` reacts to).
  async tap(selector) {
    const n = typeof selector === 'string' ? this.$(selector) : selector
    if (!n) throw new Error(`${this.route}: nothing matches ${selector}`)
    n.dispatchEvent('tap')
    await env.flush()
  }

  // A native component's event with a detail (input's `input`, radio-group's `change`).
  async fire(selector, name, detail) {
    const n = typeof selector === 'string' ? this.$(selector) : selector
    if (!n) throw new Error(`${this.route}: nothing matches ${selector}`)
    n.dispatchEvent(name, {detail})
    await env.flush()
  }

  // The <webrtc-room> of the room page.
  get room() {
    if (!this._room) this._room = new RoomView(this, 'webrtcroom')
    return this._room
  }

  detach() {
    if (!this.attached) return
    this.attached = false
    const stack = stackOf(this.device)
    const i = stack.indexOf(this)
    if (i >= 0) stack.splice(i, 1)
    const prev = active
    active = this // onUnload runs inside detach
    try {
      this.root.detach()
    } finally {
      active = prev
    }
    if (this.parent.parentNode) this.parent.parentNode.removeChild(this.parent)
  }
}

function open(route, query = {}, opts = {}) {
  install()
  return new PageHandle(route, query, opts)
}

// The pages open on `device`, bottom first.
function stack(device = 'phone') { return stackOf(device).slice() }

// ----- the component inside a page ----------------------------------------------------------------

function walk(node, visit) { env.walkTree(node, visit) }

function propsOf(node) {
  return JSON.parse(JSON.stringify(exparser.Element.getMethodCaller(node).data))
}

// What the native tags of one <webrtc-room> are told, and events fired at them (the shape
// test/support/e2e.js's attachMedia needs: page.attached, pusher(), players(), activePlayers(),
// pusherState(), playerState()).
class RoomView {
  constructor(page, id) {
    this.page = page
    this.id = id
  }

  get instance() { return this.page.instance.selectComponent(`#${this.id}`) }
  get node() { const i = this.instance; return i ? i._exparserNode : null }
  get data() { return this.instance.data }

  nodes(tag) {
    const out = []
    const host = this.node
    if (host) walk(host.shadowRoot, (n) => { if (n.is === tag) out.push(n) })
    return out
  }

  pusher() {
    const all = this.nodes('live-pusher')
    if (all.length > 1) throw new Error(`expected one <live-pusher>, found ${all.length}`)
    return all.length ? Object.assign(propsOf(all[0]), {$id: all[0].id}) : null
  }

  players() {
    return this.nodes('live-player').map((n) => Object.assign(propsOf(n), {$id: n.id, $dataset: Object.assign({}, n.dataset)}))
  }

  activePlayers() { return this.players().filter((p) => p.src) }

  async pusherState(code, message = '') {
    const [n] = this.nodes('live-pusher')
    if (!n) throw new Error('no <live-pusher>')
    env.fireNative(n, 'statechange', {code, message})
    await env.flush()
  }

  async playerState(slot, code, message = '') {
    const n = this.nodes('live-player').find((x) => x.id === `player-${slot}`)
    if (!n) throw new Error(`no player-${slot}`)
    env.fireNative(n, 'statechange', {code, message})
    await env.flush()
  }

  owns(n) {
    let found = false
    const host = this.node
    if (host) walk(host.shadowRoot, (x) => { if (x === n) found = true })
    return found
  }

  // LivePusherContext methods that reached this room's pusher.
  pusherCalls() {
    return env.contextCalls.filter((c) => c.kind === 'pusher' && c.target && this.owns(c.target)).map((c) => c.method)
  }

  // Where the page's node matching `className` (e.g. the control bar, class `bar`) is shown: the
  // composed DOM (what is on screen) is searched inside this component; the answer is the
  // ancestors' tags and classes from the component down, e.g. ['wx-view.webrtc-room--box',
  // 'live-pusher.webrtc-room--fill'], or null when the node is not rendered (no slot took it).
  shownAt(className) {
    const host = this.page.root.dom.querySelector('webrtc-room')
    if (!host) return null
    const cls = `${this.page.root.dom.tagName.toLowerCase()}--${className}`
    const el = host.getElementsByClassName(cls)[0]
    if (!el) return null
    const chain = []
    for (let x = el.parentElement; x && x !== host; x = x.parentElement) chain.unshift(`${x.tagName.toLowerCase()}${x.className ? '.' + String(x.className).split(/\s+/).join('.') : ''}`)
    return chain
  }
}

// ----- reading what was recorded ------------------------------------------------------------------

const since = (mark) => ui.slice(mark || 0)
const named = (name, mark) => since(mark).filter((c) => c.name === name).map((c) => c.opts)
function toasts(mark) { return named('showToast', mark) }
function openModal() { return modals.find((m) => m.open) || null }
async function closeModal(res) {
  const m = openModal()
  if (!m) throw new Error('no modal is open')
  m.close(res)
  await env.flush()
  return m.opts
}
function setAutoCloseModal(on) { autoCloseModal = !!on }

async function closeAll() {
  for (const st of nav.stacks.values()) for (const p of st.slice().reverse()) p.detach()
  for (const m of modals) m.open = false
  await env.flush()
}

// Forgets what was recorded (after closeAll).
function reset() {
  ui.length = 0
  nav.log.length = 0
  nav.stacks.clear()
  modals.length = 0
  pendingQueries.length = 0
  autoCloseModal = false
}

module.exports = {
  useRoot,
  root,
  config,
  install,
  loadApp,
  load,
  open,
  stack,
  PageHandle,
  RoomView,
  ui,
  nav,
  modals,
  since,
  named,
  toasts,
  openModal,
  closeModal,
  setAutoCloseModal,
  closeAll,
  reset,
}
