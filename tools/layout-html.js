'use strict'
// Renders the component's real WXML and WXSS through the WeChat-like runtime (test/support/wechat-env.js,
// miniprogram-simulate) into standalone HTML pages: one per layout template and number of remote users.
//
// The host page is the demo's own room page (pages/room/room.wxml and its WXSS), so the control bar
// the demo puts into the layout's named slot is there too. The room is driven the way a phone does it:
// start(), the room signature is answered, the pusher reports 1002/1018, a 1020 member list seats the
// remote users and each player reports 2004 (playing). The resulting DOM is serialized with the
// component's WXSS (classes scoped the way the runtime scopes them, rpx turned into vw) and the page's
// WXSS. <live-pusher> and <live-player>, native views on a phone, are drawn as labelled boxes.
//
//   node tools/layout-html.js OUT.json   writes [{template, remote, html, seated, roomEvents, props?}]
//
// It runs in a process of its own: the WeChat-like runtime removes globals (fetch, TextDecoder,
// WebAssembly, ...) that a browser driver needs; tools/layout-pictures.js and the browser test call it.

const fs = require('fs')
const path = require('path')
const env = require('../test/support/wechat-env')
const R = require('../test/support/room')

const ROOT = env.REPO_ROOT
const TEMPLATES = ['bigsmall', 'float', 'grid']
const REMOTE_COUNTS = [0, 1, 2, 3]
const USERS = ['alice', 'bob', 'carol']

// WXSS units: 750rpx is the screen width.
function rpxToVw (css) {
  return css.replace(/(-?\d*\.?\d+)rpx\b/g, (all, n) => `${+(Number(n) * 100 / 750).toFixed(4)}vw`)
}

// The runtime (j-component) turns rpx in style attributes into as many px, right for a 750px-wide
// screen only; WeChat's rule is 750rpx = the screen's width, which vw expresses at any width.
require('j-component/src/tool/utils').transformRpx = rpxToVw

// The component's WXSS scoped as the runtime scopes it (class `x` becomes `webrtc-room--x`; simulate's
// own WXSS compiler does this), `:host` being the component's tag.
function componentCss () {
  const wxss = require('miniprogram-simulate/src/wxss')
  const source = fs.readFileSync(path.join(env.COMPONENT_DIR, 'webrtc-room.wxss'), 'utf8')
  return wxss.compile(rpxToVw(source), {prefix: 'webrtc-room'}).replace(/:host\b/g, 'webrtc-room')
}

// The page's WXSS: WeChat's `page` element is the document body here.
function pageCss () {
  return ['app.wxss', 'pages/room/room.wxss']
    .map((f) => rpxToVw(fs.readFileSync(path.join(ROOT, f), 'utf8')).replace(/(^|[\s,}])page(?=[\s,{.:])/g, '$1body'))
    .join('\n')
}

// What WeChat's built-in tags look like without any WXSS (their documented default sizes), and the
// native media views drawn as labelled boxes.
const BASE_CSS = `
html, body { margin: 0; padding: 0; }
body { font-family: "Liberation Sans", Arial, sans-serif; overflow: hidden; }
body > * { display: block; }
wx-view, wx-cover-view, wx-cover-image, webrtc-room { display: block; }
wx-cover-view { overflow: hidden; white-space: nowrap; line-height: 1.2; }
wx-image { display: inline-block; overflow: hidden; width: 320px; height: 240px; }
live-pusher, live-player { display: block; position: relative; width: 300px; height: 225px; box-sizing: border-box;
  border: 2px solid rgba(255, 255, 255, 0.85); color: #fff; font-size: 13px; line-height: 1.35; }
live-pusher { background: repeating-linear-gradient(45deg, #1d4e89 0 12px, #22599c 12px 24px); }
live-player { background: repeating-linear-gradient(-45deg, #1f6f50 0 12px, #237d5a 12px 24px); }
live-pusher::before, live-player::before { content: attr(data-label); position: absolute; left: 50%; top: 50%;
  transform: translate(-50%, -50%); white-space: pre; text-align: center; font-weight: bold;
  text-shadow: 0 1px 2px #000; pointer-events: none; }
`

// The demo's room page; properties it does not set (e.g. smallViewWidth) are added to its
// <webrtc-room> tag, bound to page data of the same name.
function demoPageTemplate (extraProps) {
  const wxml = fs.readFileSync(path.join(ROOT, 'pages/room/room.wxml'), 'utf8')
  const attrs = extraProps.filter((k) => !new RegExp(`\\s${k}=`).test(wxml)).map((k) => ` ${k}="{{${k}}}"`).join('')
  return wxml.replace('<webrtc-room ', `<webrtc-room${attrs} `)
}

function nodeOfDom (root, selector) {
  const el = root.querySelector(selector)
  return el && el._exparserNode
}

function nativeNodes (host, tag) {
  const out = []
  env.walkTree(host.shadowRoot, (n) => { if (n.is === tag) out.push(n) })
  return out
}

async function fire (node, name, detail) {
  env.fireNative(node, name, detail)
  await env.flush()
}

// One rendered room: the demo page with `template`, `remote` remote users announced.
async function renderRoom (template, remote, props = {}) {
  const users = USERS.slice(0, remote)
  const compId = env.loadComponent()
  const noop = () => {}
  const pageId = env.simulate.load({
    template: demoPageTemplate(Object.keys(props)),
    usingComponents: {'webrtc-room': compId},
    data: {...R.BASE, template, beauty: 5, muted: false, debug: false, enableIM: false, apiBase: '', frontCamera: true, ...props},
    methods: {onRoomEvent: noop, onIMEvent: noop, switchCamera: noop, toggleBeauty: noop, toggleMute: noop,
      toggleDebug: noop, sayHi: noop, hangUp: noop},
  })
  const root = env.simulate.render(pageId)
  const roomEvents = []
  const parent = document.createElement('div')
  document.body.appendChild(parent)
  root.attach(parent)
  try {
    const host = nodeOfDom(root, '#webrtcroom')
    host.addListener('RoomEvent', (e) => roomEvents.push(e.detail))
    await env.waitForCore()
    root.instance.selectComponent('#webrtcroom').start()
    await env.flush()
    await R.theSigRequest().respond({statusCode: 200, data: R.SIG_REPLY})
    const [pusher] = nativeNodes(host, 'live-pusher')
    await fire(pusher, 'statechange', {code: 1002, message: 'push started'})
    await fire(pusher, 'statechange', {code: 1018, message: 'entered room'})
    if (users.length) {
      const userlist = users.map((u) => ({userid: u, playurl: R.playURL(u)}))
      await fire(pusher, 'statechange', {code: 1020, message: JSON.stringify({userlist})})
    }
    const players = nativeNodes(host, 'live-player').filter((n) => env.exparser.Element.getMethodCaller(n).data.src)
    for (const p of players) await fire(p, 'statechange', {code: 2004, message: 'playing'})
    // bigsmall keeps its poster over the big player for a moment after 2004 (a real-time timer).
    const comp = root.instance.selectComponent('#webrtcroom')
    if (template === 'bigsmall' && players.length) {
      await env.waitFor(() => comp.data.m[0] && comp.data.m[0].live, {what: 'the big player to be shown'})
    }

    // Labels and ids for the boxes (the DOM of the runtime carries classes and styles, not ids).
    env.walkTree(root._exparserNode, (n) => {
      const el = n.$$
      if (!el || !el.setAttribute) return
      if (n.id) el.setAttribute('data-id', n.id)
      if (n.is === 'live-pusher') el.setAttribute('data-label', 'live-pusher\nyou')
      if (n.is === 'live-player') {
        const d = n.dataset || {}
        el.setAttribute('data-slot', String(d.slot))
        el.setAttribute('data-label', `live-player ${d.slot}\n${d.user}`)
      }
    })
    const seated = (comp.data.m || []).map((s) => (s && s.id) || '')
    const html = '<!doctype html>\n<html><head><meta charset="utf-8">' +
      '<meta name="viewport" content="width=device-width, initial-scale=1">' +
      `<title>webrtc-room ${template}, ${remote} remote</title>` +
      `<style>${BASE_CSS}\n${componentCss()}\n${pageCss()}</style></head>` +
      `<body>${parent.innerHTML}</body></html>\n`
    return {template, remote, users, seated, roomEvents, html}
  } finally {
    root.detach()
    parent.remove()
    await env.cleanup()
  }
}

// bigsmall's small window placed by the page in rpx, vw and vh (not pictured; the browser test measures it).
const UNITS_CASE = {template: 'bigsmall', remote: 1,
  props: {smallViewLeft: '20rpx', smallViewTop: '5vw', smallViewWidth: '300rpx', smallViewHeight: '50vh'}}

async function renderAll () {
  const out = []
  for (const template of TEMPLATES) {
    for (const remote of REMOTE_COUNTS) out.push(await renderRoom(template, remote))
  }
  const {template, remote, props} = UNITS_CASE
  out.push({...(await renderRoom(template, remote, props)), props})
  return out
}

module.exports = {TEMPLATES, REMOTE_COUNTS, USERS, UNITS_CASE, renderRoom, renderAll, rpxToVw}

if (require.main === module) {
  const outFile = process.argv[2]
  if (!outFile) {
    console.error('usage: node tools/layout-html.js OUT.json')
    process.exit(2)
  }
  renderAll().then((rooms) => {
    fs.writeFileSync(outFile, JSON.stringify(rooms))
    if (env.errors.length) {
      console.error('component errors while rendering:', env.errors.map(String).join('\n'))
      process.exit(1)
    }
  }, (err) => {
    console.error(err && err.stack || err)
    process.exit(1)
  })
}
