'use strict'
// End to end: the real component (shim + wasm core) in the WeChat-like environment, the real
// signing service (usersig-server) and the emulator of Tencent's endpoints (emulator), both on
// loopback. wx.request performs real HTTP (loopback only); the <live-pusher>/<live-player>
// stand-ins follow the emulator's media API (test/support/e2e.js). Each page does the integration
// guide's flow: its own wx.request to the signing service, then setData(..., () => start()).

const {test, before, after, afterEach} = require('node:test')
const assert = require('node:assert/strict')
const env = require('./support/wechat-env')
const E = require('./support/e2e')

let svc = null
let net = null
const media = []

before(async () => {
  svc = await E.startServices({hold: 2, mediaHold: 2})
  net = E.realRequests()
}, {timeout: 600000})

after(async () => {
  for (const m of media.splice(0)) await m.detach()
  if (net) net.uninstall()
  await E.stopAll()
})

afterEach(async () => {
  for (const m of media.splice(0)) await m.detach()
  const errors = env.errors.slice()
  await env.cleanup()
  assert.deepEqual(net.refused, [], 'only loopback was asked')
  assert.deepEqual(errors.map(String), [], 'component code threw inside the framework')
})

const newRoom = () => 100000 + Math.floor(Math.random() * 800000)
const playURL = (roomID, user) => `room://cloud.tencent.com?sdkappid=${svc.sdkAppID}&roomid=${roomID}&userid=${encodeURIComponent(user)}`

// A page for `userID` in `roomID` with apiBase pointing at the emulator; runs the guide's flow.
// `userSig` replaces what the signing service answered (a forged one, for instance).
async function join(userID, roomID, {props = {}, userSig} = {}) {
  const page = env.renderPage({props: {template: 'grid', apiBase: svc.emu.url, ...props}})
  const m = E.attachMedia(page.room, svc.emu.url)
  media.push(m)
  await env.waitForCore()
  await new Promise((resolve, reject) => {
    globalThis.wx.request({
      url: `${svc.sign.url}/usersig`,
      method: 'POST',
      data: {userID, roomID},
      success: (res) => {
        if (res.statusCode !== 200) return reject(new Error(`signing service: ${res.statusCode} ${JSON.stringify(res.data)}`))
        const {privateMapKey, sdkAppID} = res.data
        page.start({roomID, userID, sdkAppID, privateMapKey, userSig: userSig || res.data.userSig}).then(resolve, reject)
      },
      fail: (res) => reject(new Error(res.errMsg)),
    })
  })
  return {page, room: page.room, media: m, userID}
}

// The slot showing `user` in `room`'s view, or null.
function slotOf(room, user) {
  const m = room.data.m || []
  const i = m.findIndex((s) => s && s.id === user)
  return i < 0 ? null : {index: i, ...m[i]}
}

const tags = (p) => p.room.roomEvents().map((e) => e.tag)

function imOf(p, tag) {
  return p.page.imEvents().filter((e) => e.tag === tag)
}

function send(p, method, ...args) {
  return new Promise((resolve, reject) => {
    p.room.instance[method](...args, (msg) => resolve(msg), (code, info) => reject(new Error(`${method} failed: ${code} ${JSON.stringify(info)}`)))
  })
}

test('two users in one room see each other through the emulator, and a leave empties the slot', {timeout: 30000}, async () => {
  const roomID = newRoom()
  const a = await join('alice', roomID)
  const b = await join('bob', roomID)
  for (const [me, other] of [[a, 'bob'], [b, 'alice']]) {
    await env.waitFor(() => {
      const s = slotOf(me.room, other)
      return s && s.src === playURL(roomID, other) && me.media.fired2004.some((f) => f.user === other && f.src === s.src)
    }, {timeout: 10000, what: `${me.userID} shows ${other} playing`})
    assert.ok(tags(me).includes('enter_room'), JSON.stringify(me.room.roomEvents()))
    assert.ok(me.room.roomEvents().some((e) => e.tag === 'member_join' && e.detail.userID === other))
    assert.deepEqual(me.room.errorEvents(), [])
    const pusher = me.room.pusher()
    assert.ok(pusher.url.startsWith(`room://cloud.tencent.com?sdkappid=${svc.sdkAppID}&roomid=${roomID}&userid=${me.userID}&roomsig=`), pusher.url)
    assert.ok(JSON.parse(new URL(pusher.url.replace('room://', 'http://')).searchParams.get('roomsig')).RoomSig, 'roomsig carries the emulator ticket')
    const player = me.room.players().find((p) => p.$dataset.user === other)
    assert.equal(player.src, playURL(roomID, other))
  }
  // The signature and the IM-less flow went to the emulator only.
  assert.ok(env.requests.every((r) => r.url.startsWith(svc.emu.url) || r.url.startsWith(svc.sign.url)))
  assert.equal(env.requests.filter((r) => r.url.includes('/v4/openim/jsonvideoapp')).length, 2)

  await a.room.call('exitRoom')
  await env.waitFor(() => b.room.data.m.every((s) => !s || !s.id), {timeout: 10000, what: 'bob\'s slots empty'})
  assert.ok(b.room.roomEvents().some((e) => e.tag === 'member_leave' && e.detail.userID === 'alice'))
  assert.equal(a.room.pusher() ? a.room.pusher().url : '', '')
  const played = await E.jsonRequest(`${svc.emu.url}/media/play?src=${encodeURIComponent(playURL(roomID, 'alice'))}`)
  assert.equal(played.status, 404, 'alice no longer pushes')
})

test('enableIM: group text (Chinese + emoji) and custom messages A→B, and a C2C text B→A', {timeout: 40000}, async () => {
  const roomID = newRoom()
  const a = await join('im-alice', roomID, {props: {enableIM: true}})
  const b = await join('im-bob', roomID, {props: {enableIM: true}})
  for (const p of [a, b]) {
    await env.waitFor(() => imOf(p, 'join_group_event').length, {timeout: 10000, what: `${p.userID} joined the IM group`})
    assert.equal(imOf(p, 'login_event')[0].code, 0)
    assert.equal(imOf(p, 'join_group_event')[0].code, 0, JSON.stringify(imOf(p, 'join_group_event')))
  }
  const text = '大家好 👋 你好世界 🎉🇨🇳'
  const sent = await send(a, 'sendGroupTextMsg', text)
  assert.equal(sent.elems[0].content.text, text)
  const groupTexts = () => imOf(b, 'big_group_msg_notify').flatMap((e) => e.detail)
  await env.waitFor(() => groupTexts().some((m) => m.elems[0].type === 'TIMTextElem'), {timeout: 10000, what: 'bob gets the group text'})
  const got = groupTexts().find((m) => m.elems[0].type === 'TIMTextElem')
  assert.equal(got.elems[0].content.text, text)
  assert.equal(got.fromAccount, 'im-alice')
  assert.deepEqual({...got.sess}, {type: 'GROUP', id: String(roomID), name: String(roomID)})
  assert.equal(got.isSend, false)

  const custom = {data: JSON.stringify({cmd: 'raise-hand', who: '张三'}), desc: '举手 ✋', ext: 'x'}
  await send(a, 'sendGroupCustomMsg', custom)
  await env.waitFor(() => groupTexts().some((m) => m.elems[0].type === 'TIMCustomElem'), {timeout: 10000, what: 'bob gets the custom message'})
  const c = groupTexts().find((m) => m.elems[0].type === 'TIMCustomElem')
  assert.deepEqual({...c.elems[0].content}, custom)

  const dm = '私信 😀 ok'
  await send(b, 'sendC2CTextMsg', 'im-alice', dm)
  await env.waitFor(() => imOf(a, 'msg_notify').length, {timeout: 10000, what: 'alice gets the C2C text'})
  const m = imOf(a, 'msg_notify')[0].detail[0]
  assert.equal(m.elems[0].content.text, dm)
  assert.deepEqual({...m.sess}, {type: 'C2C', id: 'im-bob', name: 'im-bob'})
  assert.equal(m.fromAccount, 'im-bob')
  // The sender's own group messages come back on its big-group poll too (as with Tencent).
  await env.waitFor(() => imOf(a, 'big_group_msg_notify').flatMap((e) => e.detail).some((x) => x.isSend), {timeout: 10000, what: 'alice sees her own group message'})
  assert.deepEqual(imOf(a, 'kicked'), [])
})

test('enableIM: the nick a page sets (userName) shows on the other page\'s messages; login_event carries it', {timeout: 40000}, async () => {
  const roomID = newRoom()
  const nick = '爱丽丝 🌸'
  const a = await join('nick-alice', roomID, {props: {enableIM: true, userName: nick}})
  const b = await join('nick-bob', roomID, {props: {enableIM: true, userName: 'Bob'}})
  for (const p of [a, b]) {
    await env.waitFor(() => imOf(p, 'join_group_event').length, {timeout: 10000, what: `${p.userID} joined the IM group`})
  }
  assert.deepEqual(imOf(a, 'login_event').map((e) => [e.code, e.detail.identifierNick]), [[0, nick]])
  assert.deepEqual(imOf(b, 'login_event').map((e) => [e.code, e.detail.identifierNick]), [[0, 'Bob']])
  await send(a, 'sendGroupTextMsg', '大家好')
  await send(b, 'sendGroupTextMsg', 'hi')
  const from = (p, user) => imOf(p, 'big_group_msg_notify').flatMap((e) => e.detail).find((m) => m.getFromAccount() === user)
  await env.waitFor(() => from(b, 'nick-alice') && from(a, 'nick-bob'), {timeout: 10000, what: 'each gets the other\'s message'})
  assert.equal(from(b, 'nick-alice').getFromAccountNick(), nick)
  assert.equal(from(b, 'nick-alice').fromAccountNick, nick)
  assert.equal(from(a, 'nick-bob').getFromAccountNick(), 'Bob')
  // The nick is the server's profile: alice on another component, without userName, reads it back.
  await a.room.call('exitRoom')
  const again = await join('nick-alice', roomID, {props: {enableIM: true}})
  await env.waitFor(() => imOf(again, 'login_event').length, {timeout: 10000, what: 'alice logged in again'})
  assert.deepEqual(imOf(again, 'login_event').map((e) => [e.code, e.detail.identifierNick]), [[0, nick]])
})

test('a forged userSig is refused by the emulator: RoomEvent error -9, nothing pushed', {timeout: 20000}, async () => {
  const TLSSigAPIv2 = require('tls-sig-api-v2')
  const forged = new TLSSigAPIv2.Api(svc.sdkAppID, 'not-the-application-key').genUserSig('mallory', 3600)
  const roomID = newRoom()
  const p = await join('mallory', roomID, {userSig: forged})
  await env.waitFor(() => p.room.errorEvents().length, {timeout: 8000, what: 'an error RoomEvent'})
  const [err] = p.room.errorEvents()
  assert.equal(err.code, -9)
  assert.match(JSON.stringify(err.detail), /70009/, 'the emulator\'s TLS code is in the detail')
  assert.equal(env.requests.filter((r) => r.url.includes('/v4/openim/jsonvideoapp')).length, 2, 'tried, and retried once')
  const pusher = p.room.pusher()
  assert.equal(pusher ? pusher.url : '', '')
  assert.equal(p.media.session, null)
})

// ----- protocol: 'trtc' -------------------------------------------------------------------------

const trtcSrc = (user, stream) => `room://cloud.tencent.com/rtc?userid=${encodeURIComponent(user)}&streamtype=${stream}`
const seatOf = (room, user, stream) => (room.data.m || []).findIndex((s) => s && s.id === user && s.src === trtcSrc(user, stream))
const shows = (p, user, stream) => {
  const i = seatOf(p.room, user, stream)
  return i >= 0 && p.media.fired2004.some((f) => f.slot === i && f.src === trtcSrc(user, stream))
}
const roomEvents = (p, tag) => p.room.roomEvents().filter((e) => e.tag === tag)

test('trtc: two users see each other\'s camera, a screen share shows as its own stream, a leave frees both seats', {timeout: 40000}, async () => {
  const roomID = newRoom()
  const props = {protocol: 'trtc'}
  const a = await join('t-alice', roomID, {props})
  const b = await join('t-bob', roomID, {props})
  for (const [me, other] of [[a, 't-bob'], [b, 't-alice']]) {
    await env.waitFor(() => shows(me, other, 'main'), {timeout: 10000, what: `${me.userID} shows ${other}'s camera playing`})
    assert.ok(me.room.pusher().url.startsWith(`room://cloud.tencent.com/rtc?sdkappid=${svc.sdkAppID}&roomid=${roomID}&userid=${me.userID}&usersig=`), me.room.pusher().url)
    assert.deepEqual(roomEvents(me, 'enter_room').map((e) => e.detail), [{roomID}])
    assert.ok(roomEvents(me, 'remote_user_join').some((e) => e.code === 1031 && e.detail.userID === other))
    assert.ok(roomEvents(me, 'remote_video').some((e) => e.code === 1033 && e.detail.userID === other && e.detail.streamType === 'main' && e.detail.available))
    assert.ok(roomEvents(me, 'remote_audio').some((e) => e.detail.userID === other && e.detail.available))
    assert.ok(roomEvents(me, 'member_join').some((e) => e.detail.userID === other && e.detail.streamType === 'main'))
    assert.deepEqual(me.room.errorEvents(), [])
  }
  assert.equal(env.requests.filter((r) => r.url.includes('/v4/openim/jsonvideoapp')).length, 0, 'no room-signature request in trtc mode')

  // bob shares his screen: alice gets a second seat for it, playing the aux stream.
  assert.equal((await b.media.stream('aux', true)).status, 200)
  await env.waitFor(() => shows(a, 't-bob', 'aux'), {timeout: 10000, what: 'alice shows bob\'s screen share playing'})
  assert.ok(roomEvents(a, 'remote_video').some((e) => e.detail.userID === 't-bob' && e.detail.streamType === 'aux' && e.detail.available))
  assert.ok(roomEvents(a, 'member_join').some((e) => e.detail.userID === 't-bob' && e.detail.streamType === 'aux'))
  assert.ok(seatOf(a.room, 't-bob', 'main') >= 0, 'the camera keeps its seat')

  // bob turns his camera off: the seat stays, the poster covers it.
  await b.media.stream('main', false)
  await env.waitFor(() => a.room.data.m[seatOf(a.room, 't-bob', 'main')].novideo === true, {timeout: 10000, what: 'the poster over bob\'s camera'})
  const player = a.room.players().find((p) => p.src === trtcSrc('t-bob', 'main'))
  assert.equal(player.muteVideo, true)

  // bob leaves: both of his seats free on alice's side.
  await b.room.call('exitRoom')
  assert.deepEqual(roomEvents(b, 'exit_room').map((e) => e.detail), [{roomID}])
  await env.waitFor(() => a.room.data.m.every((s) => !s || !s.id), {timeout: 10000, what: 'alice\'s seats empty'})
  assert.ok(roomEvents(a, 'remote_user_leave').some((e) => e.code === 1032 && e.detail.userID === 't-bob'))
  assert.deepEqual(roomEvents(a, 'member_leave').map((e) => e.detail.streamType).sort(), ['aux', 'main'])
  assert.deepEqual(b.room.errorEvents(), [], 'the 1019 after exitRoom() is no error')
  assert.deepEqual(a.room.errorEvents(), [])
})

test('trtc: a forged userSig is refused by the emulator: RoomEvent error -100018', {timeout: 20000}, async () => {
  const TLSSigAPIv2 = require('tls-sig-api-v2')
  const forged = new TLSSigAPIv2.Api(svc.sdkAppID, 'not-the-application-key').genUserSig('t-mallory', 3600)
  const p = await join('t-mallory', newRoom(), {props: {protocol: 'trtc'}, userSig: forged})
  await env.waitFor(() => p.room.errorEvents().length, {timeout: 8000, what: 'an error RoomEvent'})
  const [err] = p.room.errorEvents()
  assert.equal(err.code, -100018)
  assert.match(String(err.detail), /userSig/)
  assert.equal(p.media.pushRefused[0].data.error, 'bad_usersig')
  assert.equal(p.room.pusher() ? p.room.pusher().url : '', '', 'the component left the room')
})
