'use strict'
// IM through the real component (shim + WXML + wasm core), with wx.request answered by a
// scripted in-process webim server (test/support/webim.js): login, create/join, both long polls,
// two users talking, the four send methods' callbacks, reconnect with backoff, kicked, group
// system notifications, logout on stop / exitRoom / detach, and userSig staying out of the logs.

const {test, afterEach, mock} = require('node:test')
const assert = require('node:assert/strict')
const env = require('./support/wechat-env')
const R = require('./support/room')
const WebIM = require('./support/webim')

let im = null

afterEach(async () => {
  mock.timers.reset()
  const errors = env.errors.slice()
  const violations = im ? im.violations.slice() : []
  await env.cleanup()
  im = null
  assert.deepEqual(errors.map(String), [], 'component code threw inside the framework')
  assert.deepEqual(violations, [], 'requests the webim server found off-protocol')
})

const ROOM = String(R.BASE.roomID)
const TEXT = '你好，世界 😀🎉'

function server(opts) {
  im = new WebIM(env, opts)
  return im
}

async function tick(ms) {
  mock.timers.tick(ms)
  await im.idle()
}

// IMEvent details of one room (optionally of one tag).
function imOf(room, tag) {
  return room.events.filter((e) => e.name === 'IMEvent').map((e) => e.detail).filter((d) => !tag || d.tag === tag)
}

// A succ/fail pair that records every call.
function cbs() {
  const calls = []
  return {
    calls,
    succ: (...args) => calls.push({ok: true, args}),
    fail: (...args) => calls.push({ok: false, args}),
  }
}

function once(c, what) {
  assert.equal(c.calls.length, 1, `${what}: exactly one callback, got ${JSON.stringify(c.calls)}`)
  return c.calls[0]
}

function assertFailed(c, code, what) {
  const call = once(c, what)
  assert.equal(call.ok, false, `${what}: fail, not succ (${JSON.stringify(call.args)})`)
  assert.equal(call.args[0], code, `${what}: code (${JSON.stringify(call.args)})`)
  return call
}

function assertSucceeded(c, what) {
  const call = once(c, what)
  assert.equal(call.ok, true, `${what}: succ, not fail (${JSON.stringify(call.args)})`)
  return call.args[0]
}

// Renders `count` rooms with enableIM (same roomID) and starts room i as users[i], answered by the
// server until both polls run. Returns the page.
async function online(users, {props = {}, start = {}, count = users.length} = {}) {
  const page = env.renderPage({count, props: {template: 'grid', enableIM: true, ...props}})
  await env.waitForCore()
  for (let i = 0; i < users.length; i++) {
    await page.start({...R.BASE, userID: users[i], userSig: `sig-${users[i]}`, ...start}, i)
    await im.idle()
  }
  for (const u of users) {
    assert.equal(im.held('longpolling', {user: u}).length, 1, `${u}: C2C poll running`)
    assert.equal(im.held('get_msg', {user: u}).length, 1, `${u}: big-group poll running`)
  }
  return page
}

// A message's data without the webim accessor prototypes (test/component-im-webim.test.js checks those).
function plain(v) {
  return JSON.parse(JSON.stringify(v))
}

function elemText(text) {
  return [{type: 'TIMTextElem', content: {text}}]
}

// ----- login, create, join -----

test('enableIM + start(): login with the 2019 query, create + join, both polls running', async () => {
  server()
  const userID = '张 三&x'
  const userSig = 'eJx+sig/=='
  const page = env.renderPage({props: {template: 'grid', enableIM: true}})
  await env.waitForCore()
  const t0 = Math.floor(Date.now() / 1000)
  await page.start({...R.BASE, userID, userSig})
  await im.idle()
  const t1 = Math.floor(Date.now() / 1000)
  const room = page.room

  const [login, ...moreLogins] = im.calls('login')
  assert.equal(moreLogins.length, 0, 'one login')
  assert.equal(login.req.method, 'POST')
  const prefix = `${WebIM.HOST}/v4/openim/login?websdkappid=537048168&v=1.7.0&identifier=${encodeURIComponent(userID)}` +
    `&usersig=${encodeURIComponent(userSig)}&contenttype=json&sdkappid=1400000000&accounttype=1&apn=1&reqtime=`
  assert.ok(login.req.url.startsWith(prefix), login.req.url)
  const m = /&reqtime=(\d+)&reqSeq=1$/.exec(login.req.url)
  assert.ok(m, login.req.url)
  assert.ok(Number(m[1]) >= t0 && Number(m[1]) <= t1, `reqtime ${m[1]} is unix seconds`)
  assert.equal(login.query.identifier, userID)
  assert.equal(login.query.usersig, userSig)
  assert.deepEqual(login.body, {State: 'Online'})

  const events = imOf(room)
  assert.deepEqual(events.map((e) => [e.tag, e.code]), [['login_event', 0], ['join_group_event', 0]])
  assert.equal(events[0].detail.ErrorCode, 0)

  const u = im.users.get(userID)
  assert.deepEqual(im.calls('create_group').map((e) => e.body),
    [{Type: 'AVChatRoom', Name: ROOM, MemberList: [], GroupId: ROOM, Owner_Account: userID, ApplyJoinOption: 'FreeAccess'}])
  assert.deepEqual(im.calls('apply_join_group').map((e) => e.body), [{GroupId: ROOM}])
  assert.equal(im.calls('getlongpollingid').length, 1)
  const [c2c] = im.held('longpolling')
  assert.deepEqual(c2c.body, {Timeout: 60, Cookie: {NotifySeq: 0, NoticeSeq: 0, LongPollingId: u.session.pollingId}})
  const [group] = im.held('get_msg')
  assert.equal(group.req.url.split('?')[0], `${WebIM.HOST}/v1/group_open_long_polling_http_noauth_svc/get_msg`)
  assert.deepEqual(group.body, {StartSeq: 0, HoldTime: 90, Key: [...u.session.groupKeys.keys()][0]})
  // every later call is authenticated with the login's TinyId / A2Key, never the userSig
  for (const e of im.calls().slice(1)) {
    assert.equal(e.query.tinyid, String(u.tinyId), e.req.url)
    assert.equal(e.query.a2, u.session.a2, e.req.url)
    assert.ok(!e.req.url.includes('usersig'), e.req.url)
  }
  const seqs = im.calls().map((e) => Number(e.query.reqSeq))
  assert.deepEqual(seqs, seqs.map((_, i) => i + 1), 'reqSeq counts 1, 2, 3, ...')
  assert.equal(im.calls().length, 7, 'login, the profile read, getlongpollingid, create, join and the two polls; nothing else')
})

test('no IM request without enableIM', async () => {
  server()
  const page = env.renderPage({props: {template: 'grid'}})
  await env.waitForCore()
  await page.start({...R.BASE})
  await im.idle()
  assert.equal(im.calls().length, 0)
  assert.deepEqual(imOf(page.room), [])
})

for (const code of [10025, 10021]) {
  test(`create_group ${code} (group exists) still joins: join_group_event 0 and both polls`, async () => {
    server()
    im.next('create_group', () => {
      im.createGroup(ROOM, code === 10025 ? 'alice' : 'someone-else')
      return {ErrorCode: code}
    })
    const page = await online(['alice'])
    assert.deepEqual(imOf(page.room).map((e) => [e.tag, e.code]), [['login_event', 0], ['join_group_event', 0]])
    assert.equal(im.calls('apply_join_group').length, 1)
  })
}

test('second user of the room: the server answers 10021 / 10025 and both join', async () => {
  server()
  const page = await online(['alice', 'bob'])
  assert.equal(im.calls('create_group', {user: 'bob'})[0].reply.ErrorCode, 10021)
  for (const room of page.rooms) {
    assert.deepEqual(imOf(room).map((e) => [e.tag, e.code]), [['login_event', 0], ['join_group_event', 0]])
  }
  // alice again (restart): her own group -> 10025
  await page.rooms[0].call('stop')
  await im.idle()
  await page.start({}, 0)
  await im.idle()
  assert.equal(im.calls('create_group', {user: 'alice'})[1].reply.ErrorCode, 10025)
  assert.deepEqual(imOf(page.rooms[0]).slice(2).map((e) => [e.tag, e.code]), [['login_event', 0], ['join_group_event', 0]])
})

test('create_group with another error: join_group_event carries it, no join', async () => {
  server()
  im.next('create_group', {ErrorCode: 10036})
  const page = env.renderPage({props: {template: 'grid', enableIM: true}})
  await env.waitForCore()
  await page.start({...R.BASE})
  await im.idle()
  assert.deepEqual(imOf(page.room).map((e) => [e.tag, e.code]), [['login_event', 0], ['join_group_event', 10036]])
  assert.equal(im.calls('apply_join_group').length, 0)
  assert.equal(im.held('get_msg').length, 0)
})

test('apply_join_group 10013 (already a member): leaves, joins again with a poll key, group messages flow', async () => {
  server()
  im.next('apply_join_group', (e) => {
    im.groups.get(ROOM).members.add(e.user)
    return {ErrorCode: 10013}
  })
  const page = env.renderPage({props: {template: 'grid', enableIM: true}})
  await env.waitForCore()
  await page.start({...R.BASE})
  await im.idle()
  assert.deepEqual(imOf(page.room).map((e) => [e.tag, e.code]), [['login_event', 0], ['join_group_event', 0]])
  const c = cbs()
  await page.room.call('sendGroupTextMsg', 'hi', c.succ, c.fail)
  await im.idle()
  assertSucceeded(c, 'group send after 10013')
  assert.equal(im.calls('quit_group').length, 1, 'left the group once')
  assert.equal(im.calls('apply_join_group').length, 2, 'and joined again')
  assert.ok(im.calls('get_msg').length >= 1, 'the big-group poll runs with the new key')
})

test('login refused: login_event carries the server code and nothing else is requested', async () => {
  server()
  im.sigs.set(R.BASE.userID, 'the-right-sig')
  const page = env.renderPage({props: {template: 'grid', enableIM: true}})
  await env.waitForCore()
  await page.start({...R.BASE, userSig: 'a-wrong-sig'})
  await im.idle()
  assert.deepEqual(imOf(page.room).map((e) => [e.tag, e.code]), [['login_event', 70009]])
  assert.deepEqual(im.calls().map((e) => e.command), ['login'])
  const c = cbs()
  await page.room.call('sendC2CTextMsg', 'bob', 'hi', c.succ, c.fail)
  assertFailed(c, -4, 'send without a session')
})

// ----- two users -----

test('group text in Chinese + emoji from A reaches B intact as big_group_msg_notify', async () => {
  server()
  const page = await online(['alice', 'bob'], {props: {userName: 'Alice Nick'}})
  im.users.get('alice').nick = 'Alice 🌸' // the server-side profile nick
  const [a, b] = page.rooms
  const c = cbs()
  await a.call('sendGroupTextMsg', TEXT, c.succ, c.fail)
  await im.idle()
  const [sent] = im.calls('send_group_msg')
  assert.deepEqual(sent.body.MsgBody, [{MsgType: 'TIMTextElem', MsgContent: {Text: TEXT}}], 'sent as written, one element')
  assert.equal(sent.body.GroupId, ROOM)
  assert.equal(sent.body.MsgPriority, 'COMMON')
  const msg = assertSucceeded(c, 'sendGroupTextMsg')
  assert.deepEqual(msg.sess, {type: 'GROUP', id: R.BASE.roomID, name: R.BASE.roomID}, "2019's own message: the roomID number")
  assert.equal(msg.isSend, true)
  assert.equal(msg.fromAccount, 'alice')
  assert.deepEqual(plain(msg.elems), elemText(TEXT))

  const item = im.groups.get(ROOM).items[0]
  const notes = imOf(b, 'big_group_msg_notify')
  assert.equal(notes.length, 1, JSON.stringify(imOf(b)))
  assert.equal(notes[0].code, 0)
  assert.equal(notes[0].detail.length, 1)
  const got = notes[0].detail[0]
  assert.equal(got.fromAccount, 'alice')
  assert.equal(got.fromAccountNick, 'Alice 🌸')
  assert.equal(got.isSend, false)
  assert.deepEqual(got.sess, {type: 'GROUP', id: ROOM, name: ROOM})
  assert.equal(got.time, item.MsgTimeStamp)
  assert.equal(got.seq, item.MsgSeq)
  assert.equal(got.random, sent.body.Random)
  assert.deepEqual(plain(got.elems), elemText(TEXT))
  // A's own message comes back through its big-group poll, marked isSend
  const own = imOf(a, 'big_group_msg_notify')
  assert.equal(own.length, 1)
  assert.equal(own[0].detail[0].isSend, true)
  // the polls carried on with the Key and NextSeq of the reply
  assert.equal(im.held('get_msg', {user: 'bob'}).length, 1)
  assert.equal(im.held('get_msg', {user: 'bob'})[0].body.StartSeq, item.MsgSeq + 1)
})

for (const mode of ['inline', 'notify']) {
  test(`C2C text and custom from B reach A as msg_notify (server ${mode === 'inline' ? 'Event 9' : 'Event 1 + getmsg'})`, async () => {
    server({c2cMode: mode})
    const page = await online(['alice', 'bob'])
    const [a, b] = page.rooms
    const c1 = cbs()
    await b.call('sendC2CTextMsg', 'alice', TEXT + ' <b>&"', c1.succ, c1.fail)
    await im.idle()
    const c2 = cbs()
    const custom = {data: '{"cmd":"上麦","n":1}', desc: '描述 😀', ext: 'ext🎉'}
    await b.call('sendC2CCustomMsg', 'alice', custom, c2.succ, c2.fail)
    await im.idle()
    const m1 = assertSucceeded(c1, 'sendC2CTextMsg')
    const m2 = assertSucceeded(c2, 'sendC2CCustomMsg')
    assert.deepEqual(m1.sess, {type: 'C2C', id: 'alice', name: 'alice'})
    assert.deepEqual(plain(m2.elems), [{type: 'TIMCustomElem', content: custom}])
    const sent = im.calls('sendmsg').map((e) => e.body)
    assert.deepEqual(sent.map((s) => s.MsgBody), [
      [{MsgType: 'TIMTextElem', MsgContent: {Text: TEXT + ' <b>&"'}}],
      [{MsgType: 'TIMCustomElem', MsgContent: {Data: custom.data, Desc: custom.desc, Ext: custom.ext}}],
    ])
    assert.ok(sent[1].MsgSeq > sent[0].MsgSeq, 'MsgSeq increases')

    const inbox = im.users.get('alice').inbox
    const got = imOf(a, 'msg_notify').flatMap((e) => e.detail)
    assert.equal(got.length, 2, JSON.stringify(imOf(a)))
    got.forEach((g, i) => {
      assert.deepEqual(g.sess, {type: 'C2C', id: 'bob', name: 'bob'})
      assert.equal(g.isSend, false)
      assert.equal(g.fromAccount, 'bob')
      assert.equal(g.fromAccountNick, 'bob')
      assert.equal(g.seq, inbox[i].MsgSeq)
      assert.equal(g.random, inbox[i].MsgRandom)
      assert.equal(g.time, inbox[i].MsgTimeStamp)
    })
    assert.deepEqual(plain(got[0].elems), elemText(TEXT + ' <b>&"'))
    assert.deepEqual(plain(got[1].elems), [{type: 'TIMCustomElem', content: custom}])
    assert.deepEqual(imOf(b, 'msg_notify'), [], 'nothing for the sender')
    // A's poll carried on, acknowledging what it got
    const [poll] = im.held('longpolling', {user: 'alice'})
    assert.ok(poll, 'A polls again')
    if (mode === 'inline') assert.equal(poll.body.Cookie.NoticeSeq, 2)
    else assert.equal(poll.body.Cookie.NotifySeq, 2)
  })
}

test('getmsg follows SyncFlag 1 until the server says 2; every message once, in order', async () => {
  server({c2cMode: 'notify', getmsgBatch: 3})
  const page = await online(['alice', 'bob'])
  const [a] = page.rooms
  // 7 messages reach the server while A's poll is away
  im.next('longpolling', 'freeze', {user: 'alice'})
  await im.timeOutPolls('alice')
  for (let i = 0; i < 7; i++) {
    await page.rooms[1].call('sendC2CTextMsg', 'alice', `m${i}`)
  }
  const held = im.held('longpolling', {user: 'alice'})
  assert.equal(held.length, 1)
  await im.release(held[0])
  await im.idle()
  const texts = imOf(a, 'msg_notify').flatMap((e) => e.detail).map((m) => m.elems[0].content.text)
  assert.deepEqual(texts, ['m0', 'm1', 'm2', 'm3', 'm4', 'm5', 'm6'])
})

test('two C2C messages in one poll reply are delivered once each (NoticeSeq acknowledges the last)', async () => {
  server()
  const page = await online(['alice', 'bob'])
  const [a, b] = page.rooms
  // A's next poll is away while two messages arrive; they come back in one Event 9
  im.next('longpolling', 'freeze', {user: 'alice'})
  await im.timeOutPolls('alice')
  await b.call('sendC2CTextMsg', 'alice', 'x1')
  await b.call('sendC2CTextMsg', 'alice', 'x2')
  await im.idle()
  const [frozen] = im.held('longpolling', {user: 'alice'})
  await im.release(frozen)
  await im.idle()
  assert.equal(frozen.reply.EventArray[0].C2cMsgArray.length, 2, 'one reply carried both')
  const texts = imOf(a, 'msg_notify').flatMap((e) => e.detail).map((m) => m.elems[0].content.text)
  assert.deepEqual(texts, ['x1', 'x2'])
  assert.equal(im.held('longpolling', {user: 'alice'})[0].body.Cookie.NoticeSeq, 2)
})

test('group custom message from B reaches A; several group messages in one poll reply', async () => {
  server()
  const page = await online(['alice', 'bob'])
  const [a, b] = page.rooms
  const c = cbs()
  const custom = {data: JSON.stringify({cmd: 'notify', text: '大家好'}), desc: 'd', ext: ''}
  await b.call('sendGroupCustomMsg', custom, c.succ, c.fail)
  await im.idle()
  assertSucceeded(c, 'sendGroupCustomMsg')
  const got = imOf(a, 'big_group_msg_notify').flatMap((e) => e.detail)
  assert.equal(got.length, 1)
  assert.equal(got[0].fromAccount, 'bob')
  assert.deepEqual(plain(got[0].elems), [{type: 'TIMCustomElem', content: custom}])
  // an empty reply (the hold elapsed) just polls again
  im.next('get_msg', 'freeze', {user: 'alice'})
  await im.emptyGroupPolls('alice')
  await im.idle()
  assert.equal(im.calls('get_msg', {user: 'alice'}).length, 3)
  const [poll] = im.held('get_msg', {user: 'alice'})
  assert.ok(poll && poll.frozen)
  // two messages while A's poll is away arrive in one reply, both delivered, in 2019's (reverse) order
  await im.groupMessage(ROOM, 'web-user', [{MsgType: 'TIMTextElem', MsgContent: {Text: 'one'}}], {nick: '网友'})
  await im.groupMessage(ROOM, 'web-user', [{MsgType: 'TIMTextElem', MsgContent: {Text: 'two'}}])
  await im.release(poll)
  await im.idle()
  assert.equal(poll.reply.RspMsgList.length, 2, 'one reply carried both')
  const texts = imOf(a, 'big_group_msg_notify').flatMap((e) => e.detail).map((m) => m.elems[0].content.text)
  assert.deepEqual(texts.slice(1), ['two', 'one'])
  void b
})

// ----- the send methods' callbacks -----

test('send checks: -1 no receiver, -2 empty, -3 over the byte limit; exactly one fail each', async () => {
  server()
  const page = await online(['alice', 'bob'])
  const a = page.rooms[0]
  const cases = [
    [-1, 'sendC2CTextMsg', '', 'hi'],
    [-1, 'sendC2CTextMsg', null, 'hi'],
    [-1, 'sendC2CCustomMsg', '', {data: 'x'}],
    [-2, 'sendC2CTextMsg', 'bob', ''],
    [-2, 'sendC2CCustomMsg', 'bob', {desc: 'only a desc', ext: 'e'}],
    [-2, 'sendGroupTextMsg', ''],
    [-2, 'sendGroupCustomMsg', {data: ''}],
    [-3, 'sendC2CTextMsg', 'bob', '你'.repeat(4000) + 'x'], // 12001 bytes
    [-3, 'sendC2CCustomMsg', 'bob', {data: 'x'.repeat(12001)}],
    [-3, 'sendGroupTextMsg', '😀'.repeat(2224) + 'abc'], // 8899 bytes
    [-3, 'sendGroupCustomMsg', {data: 'é'.repeat(4449) + 'x'}], // 8899 bytes
  ]
  for (const [code, method, ...args] of cases) {
    const c = cbs()
    await a.call(method, ...args, c.succ, c.fail)
    assertFailed(c, code, `${method}(${JSON.stringify(args).slice(0, 40)})`)
  }
  await im.idle()
  assert.equal(im.calls('sendmsg').length + im.calls('send_group_msg').length, 0, 'nothing refused was sent')
  // exactly at the limits: sent
  const ok = [
    ['sendC2CTextMsg', 'bob', '你'.repeat(4000)],
    ['sendC2CCustomMsg', 'bob', {data: 'x'.repeat(12000), desc: 'd'.repeat(100)}],
    ['sendGroupTextMsg', '😀'.repeat(2224) + 'ab'],
    ['sendGroupCustomMsg', {data: 'é'.repeat(4449)}],
  ]
  for (const [method, ...args] of ok) {
    const c = cbs()
    await a.call(method, ...args, c.succ, c.fail)
    await im.idle()
    assertSucceeded(c, `${method} at the limit`)
  }
  assert.equal(im.calls('sendmsg').length + im.calls('send_group_msg').length, 4)
})

test('send fails with -4 on a server error and on a transport error, once, never succ', async () => {
  server()
  const page = await online(['alice', 'bob'])
  const a = page.rooms[0]
  im.next('send_group_msg', {ErrorCode: 10017, ErrorInfo: 'muted'})
  im.next('sendmsg', {transport: 'request:fail timeout'})
  im.next('sendmsg', {http: 502, data: '<html>bad gateway</html>'})
  const g = cbs()
  await a.call('sendGroupTextMsg', 'hi', g.succ, g.fail)
  const t = cbs()
  await a.call('sendC2CTextMsg', 'bob', 'hi', t.succ, t.fail)
  const h = cbs()
  await a.call('sendC2CCustomMsg', 'bob', {data: 'x'}, h.succ, h.fail)
  await im.idle()
  const call = assertFailed(g, -4, 'server error')
  assert.equal(call.args[1].ErrorCode, 10017, 'the server reply is the second argument')
  assertFailed(t, -4, 'transport error')
  assertFailed(h, -4, 'HTTP 502 without JSON')
  assert.deepEqual(imOf(page.rooms[1], 'msg_notify'), [])
})

test('send before login and before join: -4 (C2C works once logged in, group only after join)', async () => {
  server()
  im.hold('login')
  const page = env.renderPage({props: {template: 'grid', enableIM: true}})
  await env.waitForCore()
  await page.start({...R.BASE})
  await im.idle()
  const room = page.room
  const c1 = cbs()
  await room.call('sendC2CTextMsg', 'bob', 'hi', c1.succ, c1.fail)
  assertFailed(c1, -4, 'C2C before login')
  const c2 = cbs()
  await room.call('sendGroupTextMsg', 'hi', c2.succ, c2.fail)
  assertFailed(c2, -4, 'group before login')
  im.hold('create_group')
  await im.release(im.held('login')[0])
  await im.idle()
  const c3 = cbs()
  await room.call('sendGroupTextMsg', 'hi', c3.succ, c3.fail)
  assertFailed(c3, -4, 'group before join')
  const c4 = cbs()
  await room.call('sendC2CTextMsg', 'bob', 'hi', c4.succ, c4.fail)
  await im.idle()
  assertSucceeded(c4, 'C2C after login, before join')
  await im.release(im.held('create_group')[0])
  await im.idle()
  const c5 = cbs()
  await room.call('sendGroupTextMsg', 'hi', c5.succ, c5.fail)
  await im.idle()
  assertSucceeded(c5, 'group after join')
  assert.equal(im.calls('send_group_msg').length, 1, 'the refused group sends never reached the server')
})

test('callbacks passed before the core loaded are answered', async () => {
  server()
  const page = env.renderPage({props: {template: 'grid', enableIM: true, ...R.BASE}})
  const inst = page.room.instance
  const c1 = cbs()
  inst.sendGroupTextMsg('early', c1.succ, c1.fail)
  inst.start()
  const c2 = cbs()
  inst.sendC2CTextMsg('bob', 'early', c2.succ, c2.fail)
  const c3 = cbs()
  inst.sendC2CTextMsg('', 'early', c3.succ, c3.fail)
  assert.deepEqual([c1.calls, c2.calls, c3.calls], [[], [], []], 'not answered before the core exists')
  await env.waitForCore()
  await im.idle()
  assertFailed(c1, -4, 'group send queued before load')
  assertFailed(c2, -4, 'C2C send queued before load (login still pending)')
  assertFailed(c3, -1, 'C2C without receiver queued before load')
  assert.deepEqual(imOf(page.room).map((e) => [e.tag, e.code]), [['login_event', 0], ['join_group_event', 0]])
})

for (const how of ['detach', 'stop', 'exitRoom']) {
  test(`a send pending at ${how} fails exactly once; the late reply changes nothing`, async () => {
    server()
    const page = await online(['alice', 'bob'])
    const a = page.rooms[0]
    im.hold('sendmsg')
    im.hold('send_group_msg')
    const c = cbs()
    await a.call('sendC2CTextMsg', 'bob', 'hi', c.succ, c.fail)
    const g = cbs()
    await a.call('sendGroupTextMsg', 'hi', g.succ, g.fail)
    await im.idle()
    const held = [...im.held('sendmsg'), ...im.held('send_group_msg')]
    assert.equal(held.length, 2)
    assert.deepEqual([c.calls, g.calls], [[], []])
    if (how === 'detach') page.detach()
    else await a.call(how)
    await im.idle()
    assertFailed(c, -4, `C2C send pending at ${how}`)
    assertFailed(g, -4, `group send pending at ${how}`)
    for (const e of held) {
      assert.equal(e.req.aborted, true, `${e.command} aborted`)
      assert.equal(await im.release(e), false)
      // a runtime that delivered the answer anyway must not reach a callback either
      e.req.options.success({statusCode: 200, data: WebIM.ok({MsgTime: 1}), errMsg: 'request:ok'})
    }
    await im.idle()
    assert.equal(c.calls.length, 1)
    assert.equal(g.calls.length, 1)
  })
}

test('send methods without callbacks, or with only succ, do not throw', async () => {
  server()
  const page = await online(['alice', 'bob'])
  const a = page.rooms[0]
  await a.call('sendGroupTextMsg', 'no callbacks')
  await a.call('sendC2CTextMsg', '', 'no receiver, no callbacks')
  const s = []
  await a.call('sendGroupTextMsg', '', () => s.push('succ'))
  await im.idle()
  assert.deepEqual(s, [], 'succ is not called for a refused message')
  assert.equal(im.calls('send_group_msg').length, 1)
})

test('send arguments the core cannot decode still get their fail callback', async () => {
  server()
  const page = await online(['alice', 'bob'])
  const a = page.rooms[0]
  const cases = [
    ['sendC2CCustomMsg', 'bob', 'not an object'],
    ['sendGroupTextMsg', {text: 'an object'}],
    ['sendC2CTextMsg', ['bob'], 'hi'],
  ]
  for (const [method, ...args] of cases) {
    const c = cbs()
    await a.call(method, ...args, c.succ, c.fail)
    await im.idle()
    once(c, `${method}(${JSON.stringify(args)})`)
    assert.equal(c.calls[0].ok, false)
  }
})

// ----- connection, backoff, kicked -----

test('connection_event: 0 on the first poll reply; 60008 polls again silently', async () => {
  server()
  const page = await online(['alice'])
  const a = page.rooms[0]
  assert.deepEqual(imOf(a, 'connection_event'), [], 'nothing before a poll came back')
  await im.timeOutPolls('alice')
  await im.idle()
  assert.deepEqual(imOf(a, 'connection_event').map((e) => e.code), [0])
  const before = imOf(a).length
  for (let i = 0; i < 3; i++) {
    await im.timeOutPolls('alice')
    await im.idle()
  }
  assert.equal(imOf(a).length, before, 'no IMEvent for 60008')
  const polls = im.calls('longpolling', {user: 'alice'})
  assert.equal(polls.length, 5)
  assert.equal(im.held('longpolling', {user: 'alice'}).length, 1)
  const lpid = im.users.get('alice').session.pollingId
  for (const p of polls) assert.deepEqual(p.body.Cookie, {NotifySeq: 0, NoticeSeq: 0, LongPollingId: lpid})
  assert.equal(im.calls('getlongpollingid').length, 1, 'the LongPollingId is reused')
})

test('a failed C2C poll: connection_event 9999, retry after 1 s doubling, then 1 on recovery', async () => {
  mock.timers.enable({apis: ['setTimeout']})
  server()
  const page = await online(['alice'])
  const a = page.rooms[0]
  const polls = () => im.calls('longpolling', {user: 'alice'}).length
  await im.failPolls('alice', 'c2c', {transport: 'request:fail timeout'})
  await im.idle()
  assert.deepEqual(imOf(a, 'connection_event').map((e) => e.code), [9999])
  assert.equal(polls(), 1, 'no immediate re-poll')
  await tick(999)
  assert.equal(polls(), 1, 'not before 1 s')
  await tick(1)
  assert.equal(polls(), 2, 're-polled after 1 s')
  // fails again (server error this time): 2 s, silently (still off)
  await im.failPolls('alice', 'c2c', {ErrorCode: 80002, ErrorInfo: 'busy'})
  await tick(1999)
  assert.equal(polls(), 2)
  await tick(1)
  assert.equal(polls(), 3)
  await im.failPolls('alice', 'c2c', {transport: 'request:fail'})
  await tick(3999)
  assert.equal(polls(), 3)
  await tick(1)
  assert.equal(polls(), 4, '4 s after the third failure')
  assert.deepEqual(imOf(a, 'connection_event').map((e) => e.code), [9999], 'off is reported once')
  await im.timeOutPolls('alice')
  assert.deepEqual(imOf(a, 'connection_event').map((e) => e.code), [9999, 1], 'reconnected')
  assert.equal(im.held('longpolling', {user: 'alice'}).length, 1, 'polling again at once')
  // the backoff starts over
  await im.failPolls('alice', 'c2c', {transport: 'request:fail'})
  await tick(1000)
  assert.equal(polls(), 6)
  // the big-group poll was never disturbed
  assert.equal(im.calls('get_msg', {user: 'alice'}).length, 1)
})

test('the backoff is capped at 30 s', async () => {
  mock.timers.enable({apis: ['setTimeout']})
  server()
  await online(['alice'])
  const polls = () => im.calls('longpolling', {user: 'alice'}).length
  const waits = []
  for (let i = 0; i < 8; i++) {
    await im.failPolls('alice', 'c2c', {transport: 'request:fail'})
    const n = polls()
    let waited = 0
    while (polls() === n && waited < 120000) { await tick(500); waited += 500 }
    waits.push(waited)
  }
  assert.deepEqual(waits, [1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000])
})

test('a failed big-group poll retries with the same StartSeq and Key', async () => {
  mock.timers.enable({apis: ['setTimeout']})
  server()
  const page = await online(['alice', 'bob'])
  await page.rooms[1].call('sendGroupTextMsg', 'first')
  await im.idle()
  const [before] = im.held('get_msg', {user: 'alice'})
  await im.failPolls('alice', 'group', {transport: 'request:fail timeout'})
  assert.deepEqual(imOf(page.rooms[0], 'connection_event').map((e) => e.code), [0, 9999])
  await tick(1000)
  const [after] = im.held('get_msg', {user: 'alice'})
  assert.ok(after && after !== before)
  assert.deepEqual(after.body, before.body)
  await page.rooms[1].call('sendGroupTextMsg', 'second')
  await im.idle()
  const texts = imOf(page.rooms[0], 'big_group_msg_notify').flatMap((e) => e.detail).map((m) => m.elems[0].content.text)
  assert.deepEqual(texts, ['first', 'second'])
  assert.deepEqual(imOf(page.rooms[0], 'connection_event').map((e) => e.code), [0, 9999, 1])
})

test('kicked (91101): IMEvent kicked, both polls stop for good, no logout, sends fail -4', async () => {
  mock.timers.enable({apis: ['setTimeout']})
  server()
  const page = await online(['alice', 'bob'])
  const a = page.rooms[0]
  const groupPoll = im.held('get_msg', {user: 'alice'})[0]
  await im.kick('alice')
  await im.idle()
  const kicked = imOf(a, 'kicked')
  assert.equal(kicked.length, 1, JSON.stringify(imOf(a)))
  assert.equal(kicked[0].code, 91101)
  assert.equal(groupPoll.req.aborted, true, 'the big-group poll is aborted')
  const n = im.calls('', {user: 'alice'}).length
  await tick(120000)
  await page.rooms[1].call('sendGroupTextMsg', 'anyone?')
  await page.rooms[1].call('sendC2CTextMsg', 'alice', 'anyone?')
  await im.idle()
  assert.equal(im.calls('', {user: 'alice'}).length, n, 'no request from alice after kicked')
  assert.deepEqual(imOf(a, 'big_group_msg_notify'), [])
  const c = cbs()
  await a.call('sendC2CTextMsg', 'bob', 'hi', c.succ, c.fail)
  assertFailed(c, -4, 'send after kicked')
  await a.call('stop')
  await im.idle()
  assert.equal(im.calls('longpollinglogout').length, 0, 'the session is someone else\'s now: no logout')
})

test('a second login of the same userID (two rooms) kicks the first', async () => {
  server()
  const page = env.renderPage({count: 2, props: {template: 'grid', enableIM: true}})
  await env.waitForCore()
  await page.start({...R.BASE, userID: 'alice'}, 0)
  await im.idle()
  await page.start({...R.BASE, userID: 'alice'}, 1)
  await im.idle()
  assert.deepEqual(imOf(page.rooms[0], 'kicked').map((e) => e.code), [91101])
  assert.deepEqual(imOf(page.rooms[1], 'kicked'), [])
  assert.equal(im.held('longpolling').length, 1)
})

// ----- group system notifications and group info -----

test('group_system_notifys (code = ReportType) and group_info_change_notify keep their tags', async () => {
  server()
  const page = await online(['alice', 'bob'])
  const b = page.rooms[1]
  await im.groupSystem(ROOM, 255, {UserDefinedField: '自定义 😀'})
  await im.groupSystem(ROOM, 4, {Operator_Account: 'admin'}, {via: 'c2c'})
  await im.groupInfoChange(ROOM, {GroupName: '新名字', GroupNotification: '公告'})
  await im.groupInfoChange(ROOM, {GroupIntroduction: 'intro'}, {event: 6})
  const events = imOf(b).filter((e) => !['login_event', 'join_group_event', 'connection_event', 'big_group_msg_notify'].includes(e.tag))
  assert.deepEqual(events.map((e) => [e.tag, e.code]), [
    ['group_system_notifys', 255],
    ['group_system_notifys', 4],
    ['group_info_change_notify', 0],
    ['group_info_change_notify', 0],
  ])
  assert.equal(events[0].detail.ReportType, 255)
  assert.equal(events[0].detail.GroupId, ROOM)
  assert.equal(events[0].detail.UserDefinedField, '自定义 😀')
  assert.equal(events[1].detail.ReportType, 4)
  assert.equal(events[1].detail.GroupId, ROOM)
  assert.equal(events[1].detail.Operator_Account, 'admin')
  assert.equal(events[2].detail.GroupId, ROOM)
  assert.equal(events[2].detail.GroupName, '新名字')
  assert.equal(events[2].detail.GroupNotification, '公告')
  assert.equal(events[3].detail.GroupIntroduction, 'intro')
  assert.deepEqual(imOf(b, 'error'), [], 'not reported as error events (2019 lost the tags)')
  // system notices are not messages; the two group-info tips also arrive as tip messages (as 2019)
  const tips = imOf(b, 'big_group_msg_notify').flatMap((e) => e.detail)
  assert.deepEqual(tips.map((m) => [m.subType, m.elems[0].type, m.elems[0].content.opType]),
    [[2, 'TIMGroupTipElem', 6], [2, 'TIMGroupTipElem', 6]])
})

// ----- leaving -----

for (const how of ['stop', 'exitRoom', 'detach']) {
  test(`${how}(): longpollinglogout with the LongPollingId, polls aborted, nothing pending, late replies ignored`, async () => {
    mock.timers.enable({apis: ['setTimeout']})
    server()
    const page = await online(['alice', 'bob'])
    const [a, b] = page.rooms
    const s = im.users.get('alice').session
    const polls = [...im.held('longpolling', {user: 'alice'}), ...im.held('get_msg', {user: 'alice'})]
    const eventsBefore = a.events.length
    if (how === 'detach') {
      // detach only alice's room: a page with one room each
      page.detach()
    } else {
      await a.call(how)
    }
    await im.idle()
    const logout = im.calls('longpollinglogout', {user: 'alice'})
    assert.equal(logout.length, 1)
    assert.deepEqual(logout[0].body, {LongPollingId: s.pollingId})
    assert.equal(logout[0].query.tinyid, String(im.users.get('alice').tinyId))
    assert.equal(logout[0].query.a2, s.a2)
    for (const p of polls) assert.equal(p.req.aborted, true, `${p.command} aborted`)
    if (how === 'detach') {
      assert.deepEqual(env.pendingRequests().map((r) => r.url), [], 'no request left pending after detach')
    } else {
      assert.deepEqual(env.pendingRequests().filter((r) => im.calls('', {user: 'alice'}).some((e) => e.req === r)).map((r) => r.url), [])
    }
    // late answers and new messages reach nobody
    for (const p of polls) {
      p.req.options.success({statusCode: 200, data: WebIM.ok({EventArray: [{Event: 9, C2cMsgArray: [
        {From_Account: 'bob', To_Account: 'alice', MsgSeq: 1, MsgRandom: 1, MsgTimeStamp: 1, NoticeSeq: 1,
          MsgBody: [{MsgType: 'TIMTextElem', MsgContent: {Text: 'late'}}]}]}], RspMsgList: []}), errMsg: 'request:ok'})
    }
    if (how !== 'detach') {
      await b.call('sendC2CTextMsg', 'alice', 'after')
      await b.call('sendGroupTextMsg', 'after')
    }
    await tick(120000)
    assert.equal(a.events.length - eventsBefore, 0, `no IMEvent after ${how}: ${JSON.stringify(a.events.slice(eventsBefore))}`)
    const after = im.log.filter((e) => e.user === 'alice' && e.command !== 'longpollinglogout' && !polls.includes(e) &&
      im.log.indexOf(e) > im.log.indexOf(logout[0]))
    assert.deepEqual(after.map((e) => e.command), [], 'no alice request after the logout')
  })
}

test('stop() during login: the login is aborted, nothing follows, start() logs in afresh', async () => {
  server()
  im.hold('login')
  const page = env.renderPage({props: {template: 'grid', enableIM: true}})
  await env.waitForCore()
  await page.start({...R.BASE})
  await im.idle()
  const [first] = im.held('login')
  await page.room.call('stop')
  await im.idle()
  assert.equal(first.req.aborted, true)
  assert.equal(im.calls('longpollinglogout').length, 0, 'not logged in: no logout')
  first.req.options.success({statusCode: 200, data: WebIM.ok({TinyId: 1, A2Key: 'late'}), errMsg: 'request:ok'})
  await im.idle()
  assert.deepEqual(imOf(page.room), [], 'the late login reply is ignored')
  assert.equal(im.calls().length, 1)
  await page.start({})
  await im.idle()
  assert.deepEqual(imOf(page.room).map((e) => [e.tag, e.code]), [['login_event', 0], ['join_group_event', 0]])
  assert.equal(im.calls('login')[1].query.reqSeq, '1')
})

// ----- userSig in logs -----

test('userSig never reaches a log line unless debug is on', async () => {
  mock.timers.enable({apis: ['setTimeout']})
  const sig = 'SECRETsig0123456789'
  const run = async (debug) => {
    server()
    const page = env.renderPage({props: {template: 'grid', enableIM: true, debug}})
    await env.waitForCore()
    im.next('create_group', {ErrorCode: 10036, ErrorInfo: 'quota'})
    await page.start({...R.BASE, userSig: sig})
    await im.idle()
    await page.room.call('sendC2CTextMsg', 'bob', '')
    await page.room.call('sendGroupTextMsg', 'not joined')
    await im.failPolls(R.BASE.userID, 'c2c', {transport: 'request:fail timeout'})
    await tick(1000)
    await page.room.call('stop')
    im.sigs.set(R.BASE.userID, 'other')
    await page.start({})
    await im.idle()
    const lines = env.logs.map((l) => l.text)
    const events = JSON.stringify(page.events)
    im.stop()
    await env.cleanup()
    return {lines, events}
  }
  const quiet = await run(false)
  assert.ok(quiet.lines.length > 0, 'warnings were logged')
  assert.deepEqual(quiet.lines.filter((t) => t.includes(sig)), [])
  assert.ok(!quiet.events.includes(sig), 'no IMEvent carries the userSig')
  const loud = await run(true)
  assert.ok(loud.lines.some((t) => t.includes(sig)), 'with debug the login URL is logged (the check can see it)')
})
