'use strict'
// protocol: 'trtc' in the WeChat-like runtime: the pusher URL, users and streams from pusher codes
// 1031-1034, one seat per stream, the poster over a stream without video, the trtc error codes,
// exit_room; and the default stays the 2019 flow.

const {test, afterEach, mock} = require('node:test')
const assert = require('node:assert/strict')
const env = require('./support/wechat-env')
const R = require('./support/room')
const T = require('./support/traces')

afterEach(async () => {
  mock.timers.reset()
  const errors = env.errors.slice()
  await env.cleanup()
  assert.deepEqual(errors.map(String), [], 'component code threw inside the framework')
})

const POSTER = 'https://example.com/poster.png'
const src = (user, stream) => `room://cloud.tencent.com/rtc?userid=${encodeURIComponent(user)}&streamtype=${stream}`

async function enterTrtc({template = 'grid', props = {}, start = {}} = {}) {
  const page = env.renderPage({props: {template, protocol: 'trtc', playerBackgroundImg: POSTER, ...props}})
  await env.waitForCore()
  await page.start({...R.BASE, ...start})
  await page.room.pusherState(1018, 'entered room')
  return page
}

const users = (room, code, userlist) => room.pusherState(code, JSON.stringify({userlist}))
const video = (room, userid, streamtype, hasvideo) => users(room, 1033, [{userid, streamtype, hasvideo}])
const tags = (room) => room.roomEvents().map((e) => e.tag)

// Whether the poster (a cover-view of class poster) is up inside the live-player of `slot`.
function posterIn(room, slot) {
  let up = false
  env.walkTree(room.playerNode(slot), (n) => { if (n.is === 'cover-view' && n.classList.contains('poster')) up = true })
  return up
}

test('trtc: start() hands the pusher the room://…/rtc URL, asks for no room signature; enter_room on 1018', async () => {
  const page = env.renderPage({props: {template: 'float', protocol: 'trtc', scene: 'live', strRoomID: 'class 7'}})
  await env.waitForCore()
  await page.start({...R.BASE})
  const url = page.room.pusher().url
  assert.ok(url.startsWith('room://cloud.tencent.com/rtc?sdkappid=1400000000&strroomid=class%207&userid=u-self&usersig=sig-self&appscene=live&'), url)
  assert.ok(url.includes('&privatemapkey=pmk-self&'), url)
  assert.deepEqual(R.sigRequests(), [])
  await page.room.pusherState(1018, 'entered room')
  assert.deepEqual(page.room.roomEvents(), [{tag: 'enter_room', code: 0, detail: {roomID: 'class 7'}}])
})

test('trtc: missing credentials give the same -9 as the 2019 flow', async () => {
  const page = env.renderPage({props: {protocol: 'trtc'}})
  await env.waitForCore()
  await page.start({...R.BASE, userSig: ''})
  const [err] = page.room.errorEvents()
  assert.equal(err.code, -9)
  assert.match(err.detail, /userSig not set/)
  assert.equal(page.room.pusher().url, '')
})

test('trtc: cameras and a screen share take seats; video off shows the poster and mutes the player\'s video; 1032 frees', async () => {
  const page = await enterTrtc()
  const room = page.room
  await users(room, 1031, [{userid: 'a'}, {userid: 'b'}])
  assert.deepEqual(R.seats(room), ['', '', ''], 'nobody publishes yet')
  await users(room, 1033, [{userid: 'a', streamtype: 'main', hasvideo: true}, {userid: 'b', streamtype: 'main', hasvideo: true}])
  assert.deepEqual(room.activePlayers().map((p) => [p.$dataset.user, p.src]), [['a', src('a', 'main')], ['b', src('b', 'main')]])
  await video(room, 'b', 'aux', true)
  assert.deepEqual(room.activePlayers().map((p) => p.src), [src('a', 'main'), src('b', 'main'), src('b', 'aux')])
  assert.deepEqual(room.roomEvents().filter((e) => e.tag === 'member_join').map((e) => e.detail),
    [{userID: 'a', streamType: 'main'}, {userID: 'b', streamType: 'main'}, {userID: 'b', streamType: 'aux'}])

  assert.ok(!posterIn(room, 0))
  const calls = room.setDataCalls.length
  await video(room, 'a', 'main', false)
  assert.equal(room.setDataCalls.length, calls + 1, 'one setData')
  assert.equal(room.player(0).src, src('a', 'main'), 'a keeps the seat')
  assert.equal(room.player(0).muteVideo, true)
  assert.ok(posterIn(room, 0), 'the poster covers it')
  await users(room, 1034, [{userid: 'a', hasaudio: false}])
  assert.equal(room.player(0).src, src('a', 'main'), 'neither video nor audio: still seated')

  await users(room, 1032, [{userid: 'b'}])
  assert.deepEqual(room.activePlayers().map((p) => p.src), [src('a', 'main')])
  assert.deepEqual(room.roomEvents().filter((e) => e.tag === 'member_leave').map((e) => e.detail),
    [{userID: 'b', streamType: 'main'}, {userID: 'b', streamType: 'aux'}])
  assert.deepEqual(room.roomEvents().filter((e) => e.tag === 'remote_user_leave'), [{tag: 'remote_user_leave', code: 1032, detail: {userID: 'b'}}])
  assert.deepEqual(room.errorEvents(), [])
})

test('trtc bigsmall: the share takes the big view, the camera comes back after it', async () => {
  const page = await enterTrtc({template: 'bigsmall'})
  const room = page.room
  await users(room, 1031, [{userid: 'a'}])
  await video(room, 'a', 'main', true)
  assert.equal(room.player(0).src, src('a', 'main'))
  await video(room, 'a', 'aux', true)
  assert.equal(room.player(0).src, src('a', 'aux'))
  assert.deepEqual(room.errorEvents(), [], 'no -8 for the waiting camera')
  await video(room, 'a', 'aux', false)
  assert.equal(room.player(0).src, src('a', 'main'))
})

test('trtc: enableVideo / enableAudio of a remote user reach every player of the user', async () => {
  const page = await enterTrtc()
  const room = page.room
  await users(room, 1031, [{userid: 'a'}])
  await video(room, 'a', 'main', true)
  await video(room, 'a', 'aux', true)
  await room.call('enableVideo', false, 'a')
  assert.deepEqual(room.players().map((p) => p.muteVideo), [true, true])
  assert.ok(posterIn(room, 0) && posterIn(room, 1))
  assert.deepEqual(room.playerCalls(), [], 'players keep playing (the sound)')
  await room.call('enableAudio', false, 'a')
  assert.deepEqual(room.players().map((p) => p.muted), [true, true])
  await room.call('enableVideo', true, 'a')
  assert.deepEqual(room.players().map((p) => p.muteVideo), [false, false])
  assert.ok(!posterIn(room, 0))
})

test('trtc: malformed 1031-1034 messages are warnings, the room lives on', async () => {
  const page = await enterTrtc()
  const room = page.room
  await room.pusherState(1031, 'not json')
  await room.pusherState(1033, JSON.stringify({userlist: 'a'}))
  await users(room, 1033, [{userid: 'ghost', streamtype: 'main', hasvideo: true}, {userid: 'ghost', streamtype: 'weird'}])
  const warnings = room.roomEvents().filter((e) => e.tag === 'warning')
  assert.equal(warnings.length, 3)
  assert.ok(warnings.every((w) => w.code === -1))
  await users(room, 1031, [{userid: 'a'}])
  await video(room, 'a', 'main', true)
  assert.deepEqual(R.seats(room), ['a', '', ''])
})

test('trtc: -100018 and -3301 report the raw code and leave; -1303 / -1304 report and stay', async () => {
  for (const code of [-100018, -3301]) {
    const page = await enterTrtc()
    await page.room.pusherState(code, 'refused')
    const [err] = page.room.errorEvents()
    assert.equal(err.code, code)
    assert.ok(page.room.pusherCalls().includes('stop'))
    assert.equal(page.room.data.pushURL, '')
    await env.cleanup()
  }
  for (const code of [-1303, -1304]) {
    const page = await enterTrtc()
    await page.room.pusherState(code, 'encoder')
    assert.equal(page.room.errorEvents()[0].code, code)
    assert.notEqual(page.room.data.pushURL, '')
    await env.cleanup()
  }
})

test('trtc: exitRoom() is exit_room, and the pusher\'s 1019 after it no error; an unasked 1019 is -10', async () => {
  const page = await enterTrtc()
  const room = page.room
  await room.call('exitRoom')
  assert.deepEqual(room.roomEvents().filter((e) => e.tag === 'exit_room'), [{tag: 'exit_room', code: 0, detail: {roomID: R.BASE.roomID}}])
  await room.pusherState(1019, 'reason[0]')
  assert.deepEqual(room.errorEvents(), [])
  await room.call('start')
  await room.pusherState(1018)
  await room.pusherState(1019, 'kicked')
  assert.deepEqual(room.errorEvents().map((e) => e.code), [-10])
  assert.deepEqual(tags(room).filter((t) => t === 'enter_room').length, 2)
})

test('legacy stays the default: no protocol property means the 2019 signature request', async () => {
  const page = env.renderPage({props: {template: 'grid'}})
  await env.waitForCore()
  assert.equal(page.room.data.protocol, 'legacy')
  await page.start({...R.BASE})
  assert.equal(R.sigRequests().length, 1)
  assert.equal(page.room.pusher().url, '')
})

test('churn-trtc (test/traces): seats per input, the share ahead of the waiting camera, one -8 per waiting stream', async () => {
  const trace = T.loadTrace('churn-trtc')
  const seen = []
  const run = await T.replay(trace, {
    between: async (i, room) => { if (trace.events[i].pusher >= 1031) seen.push(R.seats(room).join(',')) },
  })
  assert.deepEqual(seen, [
    ',,', // 1031 a, b: nobody publishes yet
    'a,,', 'a,,', 'a,b,', 'a,b,', // cameras and microphones
    'a,b,', 'a,b,c', 'a,b,c', 'a,b,c', // c, d join; d waits (-8)
    'a,b,c', 'a,b,c', // a's camera off and on: a keeps the seat
    'a,b,c', // b shares: the share waits (-8), ahead of d
    'a,b,b', // c leaves: the share takes the seat, not d
    'a,b,d', // the share ends: d at last
    'a,b,d', ',b,d', ',,',
  ])
  assert.deepEqual(run.room.errorEvents().map((e) => [e.code, e.detail.replace(/.*not shown: /, '')]), [[-8, 'd'], [-8, 'b (screen)']])
  assert.ok(run.steps.every((s) => s.setData.length <= 1))
  assert.equal(run.room.pusher().url, '')
})

test('trtc bigsmall: the poster hides once the camera plays and shows again when its video goes away', async () => {
  mock.timers.enable({apis: ['setTimeout']})
  const page = await enterTrtc({template: 'bigsmall'})
  const room = page.room
  await users(room, 1031, [{userid: 'a'}])
  await video(room, 'a', 'main', true)
  await room.playerState(0, 2004)
  mock.timers.tick(600)
  await env.flush()
  assert.equal(room.data.m[0].live, true)
  assert.ok(!posterIn(room, 0), 'playing: no poster')
  await video(room, 'a', 'main', false)
  assert.ok(posterIn(room, 0), 'no video: the poster')
  assert.equal(room.player(0).muteVideo, true)
  await video(room, 'a', 'main', true)
  assert.ok(!posterIn(room, 0))
})
