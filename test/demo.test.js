'use strict'
// The demo pages themselves (pages/index/index.*, pages/room/room.*), loaded from the project as
// WeChat would run them (test/support/pages.js turns their Page({...}) into a miniprogram-simulate
// component; the room page's usingComponents resolves to the real webrtc-room/ folder), against the
// real signing service (usersig-server) and the emulator of Tencent's endpoints, both on loopback
// (test/support/e2e.js).
//
// The demo's settings: pages/config.js is set the way a developer sets it (SIGN_URL and API_BASE)
// by assigning the fields of the very module object the pages get from require('../config.js'),
// before the page files run (room.js reads API_BASE and ENABLE_IM when it is loaded, SIGN_URL in
// onLoad). Nothing on disk changes.
//
// DEMO_ROOT=/path/to/a/copy node --test test/demo.test.js runs the same tests against another copy
// of the project (e.g. one with a page broken on purpose, to see these tests fail).

const {test, before, after, afterEach} = require('node:test')
const assert = require('node:assert/strict')
const net = require('net')
const path = require('path')
const env = require('./support/wechat-env')
const E = require('./support/e2e')
const P = require('./support/pages')

if (process.env.DEMO_ROOT) P.useRoot(process.env.DEMO_ROOT)

const TARGET_DIR = process.env.CARGO_TARGET_DIR || path.join(env.REPO_ROOT, 'target')
let svc = null
let http = null
let cfg = null
let SIGN_URL = ''
const media = []

before(async () => {
  svc = await E.startServices({hold: 2, mediaHold: 2})
  http = E.realRequests()
  cfg = P.config()
  // As README / the build command say: point the demo at the local signing service and emulator.
  cfg.SIGN_URL = SIGN_URL = `${svc.sign.url}/usersig`
  cfg.API_BASE = svc.emu.url
  P.install()
}, {timeout: 600000})

after(async () => {
  for (const m of media.splice(0)) await m.detach()
  await P.closeAll()
  if (http) http.uninstall()
  await E.stopAll()
})

afterEach(async () => {
  for (const m of media.splice(0)) await m.detach()
  await P.closeAll()
  P.reset()
  cfg.SIGN_URL = SIGN_URL
  const errors = env.errors.slice()
  const refused = http.refused.splice(0)
  await env.cleanup()
  assert.deepEqual(refused, [], 'only loopback was asked')
  assert.deepEqual(errors.map((e) => String(e && e.stack || e)), [], 'page or component code threw inside the framework')
})

const newRoom = () => String(100000 + Math.floor(Math.random() * 800000))
const playURL = (roomID, user) => `room://cloud.tencent.com?sdkappid=${svc.sdkAppID}&roomid=${roomID}&userid=${encodeURIComponent(user)}`
const text = (w) => (w.dom ? w.dom.textContent : '').trim()

// The node of the page whose text is `label` among `selector`.
function byText(page, selector, label) {
  const n = page.$$(selector).find((w) => text(w) === label)
  if (!n) throw new Error(`no ${selector} reads ${JSON.stringify(label)} (there are: ${page.$$(selector).map(text).join(', ')})`)
  return n
}

// ---- index page ----------------------------------------------------------------------------------

// A user on the index page: types the room number (and a user ID when given), picks a layout
// (when given) and presses Enter.
async function enterOnIndex({roomNo, userID, layout, device = 'phone', trtc = false}) {
  const page = P.open('pages/index/index', {}, {device})
  await env.flush()
  const [roomInput, userInput] = page.$$('.input')
  await page.fire(roomInput, 'input', {value: roomNo})
  if (userID !== undefined) await page.fire(userInput, 'input', {value: userID})
  if (layout !== undefined) await page.fire('.layouts', 'change', {value: layout})
  if (trtc) await page.fire('.mode', 'change', {value: true})
  await page.tap('.enter')
  return page
}

test('index: the page shows three layouts, a random valid user ID and the signing URL of pages/config.js', async () => {
  const page = P.open('pages/index/index')
  await env.flush()
  assert.match(page.data.userID, /^user_[a-z0-9]{1,6}$/)
  const labels = page.$$('.layout').map(text)
  assert.deepEqual(labels, ['1v12 people: the other fills the screen', 'floatingup to 4: you fill the screen', '4-person gridup to 4: 2 x 2 tiles'])
  assert.deepEqual(page.data.layouts.map((l) => l.value), ['bigsmall', 'float', 'grid'])
  // the default layout is marked
  assert.deepEqual(page.$$('.layout').map((w) => w.dom.className.includes('chosen')), [true, false, false])
  assert.match(text(page.$('.foot')), new RegExp(SIGN_URL.replace(/[.?]/g, '\\$&')))
  assert.deepEqual(P.named('navigateTo'), [], 'nothing happens before Enter')
})

for (const layout of ['bigsmall', 'float', 'grid']) {
  test(`index: room number + layout ${layout} + Enter opens /pages/room/room with roomID, template and userID`, async () => {
    const page = await enterOnIndex({roomNo: '4321', layout})
    assert.deepEqual(page.$$('.layout').map((w) => w.dom.className.includes('chosen')),
      ['bigsmall', 'float', 'grid'].map((l) => l === layout), 'the picked layout is marked')
    const nav = P.named('navigateTo')
    assert.equal(nav.length, 1, JSON.stringify(P.ui.map((u) => u.name)))
    assert.equal(nav[0].url, `/pages/room/room?roomID=4321&template=${layout}&userID=${page.data.userID}`)
    assert.deepEqual(P.nav.log.map((l) => [l.name, l.ok]), [['navigateTo', true]], 'a page of app.json')
    assert.deepEqual(P.toasts(), [])
  })
}

test('index: a typed user ID is used, spaces around the inputs are trimmed', async () => {
  await enterOnIndex({roomNo: ' 987654321 ', userID: ' bob_2-x ', layout: 'grid'})
  assert.deepEqual(P.named('navigateTo').map((o) => o.url), ['/pages/room/room?roomID=987654321&template=grid&userID=bob_2-x'])
})

for (const roomNo of ['', '0', '0123', '12a4', '1234567890', '-5', '1.5', '12 34', '１２３']) {
  test(`index: room number ${JSON.stringify(roomNo)} is refused with a message, nothing opens`, async () => {
    await enterOnIndex({roomNo, layout: 'float'})
    assert.deepEqual(P.named('navigateTo'), [])
    assert.deepEqual(P.toasts().map((t) => t.title), ['Room number: 1-9 digits, no leading 0'])
  })
}

for (const userID of ['', 'has space', 'a'.repeat(33), '张三', 'a&b=c']) {
  test(`index: user ID ${JSON.stringify(userID)} is refused with a message, nothing opens`, async () => {
    await enterOnIndex({roomNo: '1234', userID})
    assert.deepEqual(P.named('navigateTo'), [])
    assert.deepEqual(P.toasts().map((t) => t.title), ['User ID: up to 32 of A-Z a-z 0-9 _ -'])
  })
}

test('index: a double tap on Enter opens one room', async () => {
  const page = await enterOnIndex({roomNo: '1234'})
  await page.tap('.enter')
  assert.equal(P.named('navigateTo').length, 1)
})

test('index: after a refused room number, the corrected number opens the room at once', {
}, async () => {
  const page = await enterOnIndex({roomNo: '0123'})
  await page.fire(page.$$('.input')[0], 'input', {value: '123'})
  await page.tap('.enter')
  assert.deepEqual(P.named('navigateTo').map((o) => o.url), [`/pages/room/room?roomID=123&template=bigsmall&userID=${page.data.userID}`])
})

// ---- room page against the real services -------------------------------------------------------

// A user goes through the demo: index page (room number, layout, Enter), then the room page
// opened with the query of the URL the index page navigated to, on the same device.
async function joinViaIndex(userID, roomNo, layout, {trtc = false} = {}) {
  const mark = P.ui.length
  const index = await enterOnIndex({roomNo, userID, layout, device: userID, trtc})
  const nav = P.named('navigateTo', mark)
  assert.equal(nav.length, 1, `${userID}: the index page navigated`)
  const [route] = nav[0].url.slice(1).split('?')
  const page = P.open(route, env.parseQuery(nav[0].url), {device: userID})
  const m = E.attachMedia(page.room, svc.emu.url)
  media.push(m)
  return {index, page, room: page.room, media: m, userID, roomNo}
}

const slotOf = (room, user) => (room.data.m || []).findIndex((s) => s && s.id === user)
const imDetails = (page, tag) => page.details('onIMEvent').filter((d) => d && d.tag === tag)
const roomEvents = (page) => page.details('onRoomEvent')

test('room: signs with the service, start() enters, two users see each other; the control bar drives the component; Hi reaches the other page; hang up leaves', {timeout: 60000}, async () => {
  const roomNo = newRoom()
  const a = await joinViaIndex('alice', roomNo, 'grid')

  // onLoad: title, keep-screen-on, loading, then the signing request.
  assert.deepEqual(P.named('setNavigationBarTitle').map((o) => o.title), [`Room ${roomNo}`])
  assert.deepEqual(P.named('setKeepScreenOn').map((o) => o.keepScreenOn), [true])
  assert.equal(P.named('showLoading').length, 1)
  await env.waitFor(() => a.page.data.userSig, {timeout: 5000, what: 'the page got a userSig'})
  const signReq = env.requests.filter((r) => r.url === SIGN_URL)
  assert.equal(signReq.length, 1)
  assert.equal(signReq[0].method, 'POST')
  assert.deepEqual(signReq[0].body, {userID: 'alice', roomID: Number(roomNo)})
  assert.equal(a.page.data.sdkAppID, svc.sdkAppID)
  assert.ok(a.page.data.privateMapKey, 'the service\'s privateMapKey is kept')
  assert.equal(P.named('hideLoading').length, 1)
  // The page's properties reached the component.
  for (const k of ['roomID', 'userID', 'userSig', 'sdkAppID', 'privateMapKey', 'template', 'beauty', 'enableIM', 'apiBase']) {
    assert.deepEqual(a.room.data[k], a.page.data[k], `component property ${k}`)
  }
  // usingComponents of room.json resolved to the project's webrtc-room/ folder, core and all.
  assert.equal(a.room.instance.is, 'webrtc-room/webrtc-room')
  assert.ok(env.moduleLoads.some((l) => l.file === path.join(P.root(), 'webrtc-room', 'webrtc-room.js')))
  assert.ok(env.wasm.records.some((r) => r.file === path.join(P.root(), 'webrtc-room', 'core', 'room_bg.wasm.br')))
  assert.equal(a.room.data.apiBase, svc.emu.url)
  assert.equal(a.room.data.template, 'grid')
  assert.equal(a.room.data.enableIM, true)

  // start() ran: the room signature went to the emulator and the pusher got a room:// URL.
  await env.waitFor(() => (a.room.pusher() || {}).url, {timeout: 8000, what: 'alice\'s pusher URL'})
  assert.ok(env.requests.some((r) => r.url.startsWith(`${svc.emu.url}/v4/openim/jsonvideoapp`)), 'start() asked the emulator for the room signature')
  assert.ok(a.room.pusher().url.startsWith(`room://cloud.tencent.com?sdkappid=${svc.sdkAppID}&roomid=${roomNo}&userid=alice&roomsig=`), a.room.pusher().url)
  await env.waitFor(() => roomEvents(a.page).some((d) => d.tag === 'enter_room'), {timeout: 8000, what: 'alice: enter_room'})

  // The control bar is on screen, in the grid layout's slot.
  const shown = a.room.shownAt('bar')
  assert.ok(shown, 'the control bar is rendered inside <webrtc-room>')
  assert.equal(shown[0], 'wx-view.webrtc-room--box')
  assert.deepEqual(a.page.$$('.btn').map(text), ['Front', 'Beauty', 'Mic', 'Log', 'Hi', 'Hang up'])

  // Bob joins the same room (float layout) from his own phone.
  const b = await joinViaIndex('bob', roomNo, 'float')
  assert.equal(b.room.data.template, 'float')
  for (const [me, other] of [[a, 'bob'], [b, 'alice']]) {
    await env.waitFor(() => {
      const i = slotOf(me.room, other)
      return i >= 0 && me.room.data.m[i].src === playURL(roomNo, other) && me.media.fired2004.some((f) => f.user === other)
    }, {timeout: 10000, what: `${me.userID} shows ${other} in a slot`})
    const player = me.room.players().find((p) => p.$dataset.user === other)
    assert.equal(player.src, playURL(roomNo, other))
    assert.ok(roomEvents(me.page).some((d) => d.tag === 'member_join' && d.detail.userID === other))
    assert.deepEqual(roomEvents(me.page).filter((d) => d.tag === 'error'), [])
  }
  assert.equal(b.room.shownAt('bar')[0], 'wx-view.webrtc-room--box')
  assert.ok(b.room.shownAt('bar').some((x) => x.startsWith('live-pusher')), 'float: the bar is over the local video')

  // Switch camera: the pusher context's switchCamera reaches alice's pusher; the label follows.
  await a.page.tap(byText(a.page, '.btn', 'Front'))
  await env.waitFor(() => a.room.pusherCalls().includes('switchCamera'), {timeout: 3000, what: 'switchCamera on the pusher'})
  assert.equal(a.page.data.frontCamera, false)
  assert.ok(byText(a.page, '.btn', 'Back'))
  assert.ok(!b.room.pusherCalls().includes('switchCamera'), 'only alice\'s camera')

  // Beauty / Mic / Log toggle the component's properties and what the native tags are told.
  assert.equal(a.room.data.beauty, 5)
  assert.equal(a.room.pusher().beauty, 5)
  await a.page.tap(byText(a.page, '.btn', 'Beauty'))
  assert.equal(a.room.data.beauty, 0)
  assert.equal(a.room.pusher().beauty, 0)
  assert.ok(!byText(a.page, '.btn', 'Beauty').dom.className.includes('on'))
  await a.page.tap(byText(a.page, '.btn', 'Beauty'))
  assert.equal(a.room.pusher().beauty, 5)

  assert.equal(a.room.pusher().muted, false)
  await a.page.tap(byText(a.page, '.btn', 'Mic'))
  assert.equal(a.room.data.muted, true)
  assert.equal(a.room.pusher().muted, true)
  await a.page.tap(byText(a.page, '.btn', 'Muted'))
  assert.equal(a.room.data.muted, false)
  assert.equal(a.room.pusher().muted, false)

  await a.page.tap(byText(a.page, '.btn', 'Log'))
  assert.equal(a.room.data.debug, true)
  assert.equal(a.room.pusher().debug, true)
  assert.ok(a.room.players().every((p) => p.debug === true), 'players show their debug panel too')
  assert.equal(b.room.data.debug, false, 'bob\'s component is untouched')
  await a.page.tap(byText(a.page, '.btn', 'Log'))
  assert.equal(a.room.data.debug, false)
  // The call is still up after the toggles.
  assert.ok(a.room.pusher().url.startsWith('room://'))
  assert.ok(slotOf(a.room, 'bob') >= 0)

  // Hi: a group message; bob's page shows it as a toast, alice's does not show her own.
  for (const p of [a, b]) {
    await env.waitFor(() => imDetails(p.page, 'join_group_event').length, {timeout: 10000, what: `${p.userID} joined the IM group`})
    assert.equal(imDetails(p.page, 'join_group_event')[0].code, 0)
  }
  const mark = P.ui.length
  await a.page.tap(byText(a.page, '.btn', 'Hi'))
  await env.waitFor(() => P.toasts(mark).length, {timeout: 10000, what: 'a toast for the group message'})
  await env.sleep(300) // let alice's own copy of the message arrive too, if it is toasted
  const toasts = P.since(mark).filter((u) => u.name === 'showToast')
  assert.deepEqual(toasts.map((t) => [t.device, t.opts.title]), [['bob', 'alice: Hi from alice 👋']])

  // Hang up: exitRoom, then back to the index page; bob's slot for alice empties.
  // (The component would also leave when the page unloads: a spy on its exitRoom tells them apart.)
  const order = []
  const inst = a.room.instance
  const exitRoom = inst.exitRoom
  inst.exitRoom = function (...args) { order.push(['exitRoom', a.page.attached]); return exitRoom.apply(this, args) }
  const backs = P.nav.log.length
  await a.page.tap(byText(a.page, '.btn', 'Hang up'))
  order.push(...P.nav.log.slice(backs).map((l) => [l.name, l.device, l.ok]))
  assert.deepEqual(order, [['exitRoom', true], ['navigateBack', 'alice', true]])
  assert.equal(a.page.attached, false, 'the room page is gone')
  assert.deepEqual(P.stack('alice').map((p) => p.route), ['pages/index/index'])
  assert.deepEqual(P.stack('bob').map((p) => p.route), ['pages/index/index', 'pages/room/room'])
  await env.waitFor(() => slotOf(b.room, 'alice') < 0, {timeout: 10000, what: 'bob no longer shows alice'})
  assert.ok(roomEvents(b.page).some((d) => d.tag === 'member_leave' && d.detail.userID === 'alice'))
  const played = await E.jsonRequest(`${svc.emu.url}/media/play?src=${encodeURIComponent(playURL(roomNo, 'alice'))}`)
  assert.equal(played.status, 404, 'alice no longer pushes')
  assert.equal(P.modals.length, 0, 'no error was shown')
})

test('room: opened with nothing below it (e.g. compiled straight into the room page), hang up relaunches the index page', {timeout: 30000}, async () => {
  const roomNo = newRoom()
  const page = P.open('pages/room/room', {roomID: roomNo, userID: 'solo', template: 'bigsmall'}, {device: 'solo'})
  media.push(E.attachMedia(page.room, svc.emu.url))
  await env.waitFor(() => (page.room.pusher() || {}).url, {timeout: 8000, what: 'the pusher URL'})
  assert.ok(page.room.shownAt('bar'), 'bigsmall: the bar is shown')
  await page.tap(byText(page, '.btn', 'Hang up'))
  await env.flush()
  assert.deepEqual(P.nav.log.map((l) => [l.name, l.ok, l.url]), [['navigateBack', false, undefined], ['reLaunch', true, '/pages/index/index']])
  assert.equal(page.attached, false)
})

test('room: an unknown layout in the query falls back to float; a bad roomID is refused before signing', {timeout: 20000}, async () => {
  const page = P.open('pages/room/room', {roomID: 'abc', userID: 'carol', template: 'mosaic'}, {device: 'carol'})
  assert.equal(page.data.template, 'float')
  assert.equal(page.data.roomID, 0)
  await env.waitFor(() => P.openModal(), {timeout: 5000, what: 'a modal'})
  const m = P.openModal().opts
  assert.equal(m.title, 'Cannot enter')
  assert.match(m.content, /valid room number/)
  assert.equal(env.requests.filter((r) => r.url.startsWith(SIGN_URL)).length, 0, 'nothing was signed')
})

test('room: back from the background (pusher 5000, then onHide/onShow), the user is in the room again', {
  timeout: 30000,
}, async () => {
  const roomNo = newRoom()
  const a = await joinViaIndex('alice', roomNo, 'grid')
  const b = await joinViaIndex('bob', roomNo, 'grid')
  await env.waitFor(() => slotOf(b.room, 'alice') >= 0, {timeout: 10000, what: 'bob shows alice'})
  await a.room.pusherState(5000, 'the mini program was suspended')
  await env.waitFor(() => slotOf(b.room, 'alice') < 0, {timeout: 10000, what: 'alice left while in the background'})
  await a.page.background()
  await env.waitFor(() => slotOf(b.room, 'alice') >= 0, {timeout: 10000, what: 'bob shows alice again'})
  assert.ok(a.page.attached)
})

test('room: after RoomEvent -11 (the core crashed and was restarted) the page enters again or leaves', {
  timeout: 30000,
}, async () => {
  const a = await joinViaIndex('alice', newRoom(), 'float')
  await env.waitFor(() => (a.room.pusher() || {}).url, {timeout: 8000, what: 'alice\'s pusher URL'})
  for (const r of env.wasm.records) r.trapNext('handle')
  await a.room.pusherState(1020, JSON.stringify({userlist: []}))
  await env.waitFor(() => P.openModal(), {timeout: 5000, what: 'a modal'})
  assert.equal(P.openModal().opts.title, 'Error -11')
  await P.closeModal()
  await env.waitFor(() => !a.page.attached || (a.room.pusher() || {}).url, {timeout: 8000, what: 'in the room again, or gone'})
})

// ---- room page: errors ------------------------------------------------------------------------------

// A loopback port nothing listens on.
async function closedPort() {
  const srv = net.createServer()
  await new Promise((r) => srv.listen(0, '127.0.0.1', r))
  const {port} = srv.address()
  await new Promise((r) => srv.close(r))
  return port
}

// Opens the room page (over the index page, as in the demo) and waits for its modal.
async function openRoomExpectingModal(userID, roomNo) {
  const index = P.open('pages/index/index', {}, {device: userID})
  const page = P.open('pages/room/room', {roomID: roomNo, userID, template: 'grid'}, {device: userID})
  media.push(E.attachMedia(page.room, svc.emu.url))
  await env.waitFor(() => P.openModal(), {timeout: 10000, what: 'a modal'})
  return {index, page, modal: P.openModal().opts}
}

// The modal stays until the user closes it; only then the page leaves (navigateBack).
async function closeModalAndExpectLeave(page, userID) {
  assert.equal(page.attached, true, 'the page waits for the modal')
  assert.deepEqual(P.nav.log.filter((l) => l.name === 'navigateBack'), [])
  await P.closeModal()
  assert.deepEqual(P.nav.log.map((l) => [l.name, l.device, l.ok]), [['navigateBack', userID, true]])
  assert.equal(page.attached, false)
  assert.deepEqual(P.stack(userID).map((p) => p.route), ['pages/index/index'])
  assert.equal(P.modals.length, 1, 'one modal')
}

test('room: signing service down: a modal names the URL that failed, start() never runs, the page leaves when it closes', {timeout: 20000}, async () => {
  const url = `http://127.0.0.1:${await closedPort()}/usersig`
  cfg.SIGN_URL = url
  const {page, modal} = await openRoomExpectingModal('dave', newRoom())
  assert.equal(modal.title, 'Signing failed')
  assert.equal(modal.showCancel, false)
  assert.ok(modal.content.includes(`Could not get a userSig from ${url}: `), modal.content)
  assert.match(modal.content, /request:fail/)
  assert.match(modal.content, /pages\/config\.js/)
  assert.equal(P.named('hideLoading').length, 1, 'the loading indicator is hidden')
  assert.equal(page.data.userSig, '')
  assert.ok(!env.requests.some((r) => r.url.startsWith(svc.emu.url)), 'the component was not started')
  assert.equal((page.room.pusher() || {}).url || '', '')
  await closeModalAndExpectLeave(page, 'dave')
})

test('room: SIGN_URL with a typo: the service\'s 404 is reported with the URL, the page leaves', {timeout: 20000}, async () => {
  const url = `${svc.sign.url}/usersign`
  cfg.SIGN_URL = url
  const {page, modal} = await openRoomExpectingModal('erin', newRoom())
  assert.equal(modal.title, 'Signing failed')
  assert.ok(modal.content.startsWith(`Could not get a userSig from ${url}: HTTP status 404`), modal.content)
  assert.ok(!env.requests.some((r) => r.url.startsWith(svc.emu.url)), 'the component was not started')
  await closeModalAndExpectLeave(page, 'erin')
})

test('room: a service that answers 200 without a userSig is refused', {timeout: 20000}, async () => {
  // A loopback service that answers JSON 200 with something else than a signature.
  const srv = require('http').createServer((req, res) => { res.setHeader('content-type', 'application/json'); res.end('{"ok":true}') })
  await new Promise((r) => srv.listen(0, '127.0.0.1', r))
  try {
    const url = `http://127.0.0.1:${srv.address().port}/usersig`
    cfg.SIGN_URL = url
    const {page, modal} = await openRoomExpectingModal('frank', newRoom())
    assert.ok(modal.content.startsWith(`Could not get a userSig from ${url}: the answer has no userSig`), modal.content)
    await closeModalAndExpectLeave(page, 'frank')
  } finally {
    await new Promise((r) => srv.close(r))
  }
})

test('room: a signing service with the wrong key: RoomEvent error -9, a modal, nothing pushed, the page leaves', {timeout: 30000}, async () => {
  // The real service, configured with another key than the application's (the emulator's).
  const wrong = await E.startProcess(path.join(TARGET_DIR, 'debug', 'usersig-server'), ['--bind', '127.0.0.1:0'], {USERSIG_SDKAPPID: String(svc.sdkAppID), USERSIG_SECRET_KEY: 'not-the-application-key-0123456789'})
  try {
    cfg.SIGN_URL = `${wrong.url}/usersig`
    const {page, modal} = await openRoomExpectingModal('mallory', newRoom())
    assert.ok(page.data.userSig, 'the (wrong) service did sign')
    const errs = roomEvents(page).filter((d) => d.tag === 'error')
    assert.deepEqual(errs.map((d) => d.code), [-9])
    assert.equal(modal.title, 'Error -9')
    assert.ok(modal.content.startsWith('The room signature could not be obtained.\n'), modal.content)
    assert.match(modal.content, /70009/, 'the emulator\'s reason is in the modal')
    assert.equal((page.room.pusher() || {}).url || '', '', 'nothing pushed')
    await closeModalAndExpectLeave(page, 'mallory')
  } finally {
    await wrong.stop()
  }
})

test('room: leaving while the signature is pending aborts the request; no modal, no start', {timeout: 20000}, async () => {
  // A service that never answers (bounded: closed at the end).
  const held = []
  const srv = require('http').createServer((req, res) => { held.push(res) })
  await new Promise((r) => srv.listen(0, '127.0.0.1', r))
  try {
    cfg.SIGN_URL = `http://127.0.0.1:${srv.address().port}/usersig`
    P.open('pages/index/index', {}, {device: 'gina'})
    const page = P.open('pages/room/room', {roomID: newRoom(), userID: 'gina'}, {device: 'gina'})
    await env.waitFor(() => held.length, {timeout: 5000, what: 'the request reached the service'})
    page.detach() // the user pressed back
    await env.waitFor(() => P.named('hideLoading').length, {timeout: 3000, what: 'hideLoading'})
    const req = env.requests.find((r) => r.url.startsWith(cfg.SIGN_URL))
    assert.equal(req.aborted, true)
    await env.sleep(100)
    assert.equal(P.modals.length, 0)
    assert.ok(!env.requests.some((r) => r.url.startsWith(svc.emu.url)))
  } finally {
    for (const r of held) r.destroy()
    srv.closeAllConnections && srv.closeAllConnections()
    await new Promise((r) => srv.close(r))
  }
})

// What a user on a base library older than 2.14 gets: no WXWebAssembly, so the component reports
// RoomEvent -11 saying what it needs, and the demo shows it and leaves when it is closed.
test('room: on a base library without WXWebAssembly the page shows the component\'s -11 naming 2.14 and leaves', {
  timeout: 20000,
}, async () => {
  const saved = Object.getOwnPropertyDescriptor(globalThis, 'WXWebAssembly')
  delete globalThis.WXWebAssembly
  try {
    const {page, modal} = await openRoomExpectingModal('dave', newRoom())
    assert.equal(modal.title, 'Error -11')
    assert.match(modal.content, /base library 2\.14\.0 or newer/, 'the demo says what is needed')
    assert.match(modal.content, /core could not be loaded from \/webrtc-room\/core\/room_bg\.wasm\.br \(WeChat base library 2\.14 or newer is needed\)/,
      'the component\'s own detail is shown')
    await closeModalAndExpectLeave(page, 'dave')
  } finally {
    Object.defineProperty(globalThis, 'WXWebAssembly', saved)
  }
})

// ---- app.js -----------------------------------------------------------------------------------------

test('app: onLaunch warns on a base library older than 2.14.0 only', async () => {
  const wx = globalThis.wx
  const saved = wx.getAppBaseInfo
  try {
    for (const [v, warn] of [['2.13.9', true], ['2.9.10', true], ['2.14.0', false], ['2.30.1', false], ['3.0.0', false]]) {
      P.reset()
      wx.getAppBaseInfo = () => ({SDKVersion: v})
      const app = P.loadApp()
      assert.equal(globalThis.getApp(), app)
      await env.flush()
      assert.equal(P.modals.length, warn ? 1 : 0, v)
      if (warn) assert.match(P.modals[0].opts.content, new RegExp(`this one is ${v.replace(/\./g, '\\.')}`))
    }
  } finally {
    wx.getAppBaseInfo = saved
  }
})

test('index + room: the protocol switch opens the room in trtc mode; two users see each other without a room signature', {timeout: 40000}, async () => {
  const roomNo = newRoom()
  const a = await joinViaIndex('t-alice', roomNo, 'grid', {trtc: true})
  assert.match(P.named('navigateTo')[0].url, /&protocol=trtc$/)
  const b = await joinViaIndex('t-bob', roomNo, 'float', {trtc: true})
  for (const [me, other] of [[a, 't-bob'], [b, 't-alice']]) {
    assert.equal(me.room.data.protocol, 'trtc')
    await env.waitFor(() => {
      const i = slotOf(me.room, other)
      return i >= 0 && me.media.fired2004.some((f) => f.user === other)
    }, {timeout: 10000, what: `${me.userID} shows ${other}`})
    assert.ok(me.room.pusher().url.startsWith(`room://cloud.tencent.com/rtc?sdkappid=${svc.sdkAppID}&roomid=${roomNo}&userid=${me.userID}&usersig=`))
  }
  assert.ok(!env.requests.some((r) => r.url.includes('/v4/openim/jsonvideoapp')), 'no room signature in trtc mode')
  await a.page.tap('.end')
  await env.waitFor(() => slotOf(b.room, 't-alice') < 0, {timeout: 10000, what: 'alice left bob\'s view'})
  assert.ok(roomEvents(a.page).some((d) => d.tag === 'exit_room'))
  assert.deepEqual(P.modals.filter((m) => m.open), [], 'no error shown')
})
