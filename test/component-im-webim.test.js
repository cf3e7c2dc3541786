'use strict'
// IM as a drop-in for pages written for the 2019 component: every message (big_group_msg_notify,
// msg_notify, a send's succ) answers webim's accessor methods with the values and types 2019's SDK
// gave for the same server reply; group tips arrive as TIP messages; batches come in 2019's order;
// login_event carries identifierNick/headurl; the folder's webim_wx.js has the 2019 constants and
// Tool helpers 2019's demo page and component used; getmsg continuation and the longpolling Timeout follow the server.
//
// The expected values below are plain data: what 2019's webim 1.7.0 reported for the same wire
// reply (its Msg, Session, Elem and content objects), worked out from its source for each case.

const {test, afterEach, mock} = require('node:test')
const assert = require('node:assert/strict')
const path = require('node:path')
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

function imOf(room, tag) {
  return room.events.filter((e) => e.name === 'IMEvent').map((e) => e.detail).filter((d) => !tag || d.tag === tag)
}

// Rooms started as `users` (same roomID), with a per-user userName when given; both polls running.
async function online(users, {names = {}, mode} = {}) {
  server(mode ? {c2cMode: mode} : undefined)
  const page = env.renderPage({count: users.length, props: {template: 'grid', enableIM: true}, extraAttrs: ['userName']})
  await env.waitForCore()
  for (let i = 0; i < users.length; i++) {
    const u = users[i]
    await page.start({...R.BASE, userID: u, userSig: `sig-${u}`, userName: names[u] || ''}, i)
    await im.idle()
  }
  return page
}

function sendAndGet(room, method, ...args) {
  const calls = []
  return room.call(method, ...args, (m) => calls.push(['succ', m]), (...f) => calls.push(['fail', f]))
    .then(() => im.idle())
    .then(() => {
      assert.equal(calls.length, 1, `${method}: one callback`)
      assert.equal(calls[0][0], 'succ', `${method}: ${JSON.stringify(calls[0][1])}`)
      return calls[0][1]
    })
}

// Everything a 2019 message handler reads, through the accessors only.
function read(msg) {
  const sess = msg.getSession()
  return {
    session: [sess.type(), sess.id(), sess.name()],
    from: msg.getFromAccount(),
    nick: msg.getFromAccountNick(),
    isSend: msg.getIsSend(),
    subType: msg.getSubType(),
    type: msg.getType(),
    seq: msg.getSeq(),
    random: msg.getRandom(),
    time: msg.getTime(),
    elems: msg.getElems().map((e) => [e.getType(), readContent(e.getType(), e.getContent())]),
  }
}

function readContent(type, c) {
  switch (type) {
    case 'TIMTextElem': return {text: c.getText()}
    case 'TIMFaceElem': return {index: c.getIndex(), data: c.getData()}
    case 'TIMCustomElem': return {data: c.getData(), desc: c.getDesc(), ext: c.getExt()}
    case 'TIMGroupTipElem': return {
      opType: c.getOpType(),
      opUserId: c.getOpUserId(),
      groupId: c.getGroupId(),
      groupName: c.getGroupName(),
      userIdList: c.getUserIdList(),
      groupMemberNum: c.getGroupMemberNum(),
      groupInfo: c.getGroupInfoList().map((i) => [i.getType(), i.getValue()]),
      memberInfo: c.getMemberInfoList().map((m) => [m.getUserId(), m.getShutupTime()]),
    }
  }
  throw new Error(`unexpected element ${type}`)
}

// The server-assigned numbers of a message are checked against the server's own record; the
// rest is fixed data.
function expectMsg(msg, expected, {seq, random, time}) {
  const got = read(msg)
  assert.deepEqual(got, {...expected, seq, random, time})
  // the plain fields are still there, same values (no own methods added to the object)
  assert.equal(msg.fromAccount, got.from)
  assert.equal(msg.subType, got.subType)
  assert.deepEqual(Object.keys(msg).sort(), ['elems', 'fromAccount', 'fromAccountNick', 'isSend', 'random', 'seq', 'sess', 'subType', 'time'])
}

// ----- messages answer both ways -----

test('group text (Chinese + emoji), custom and face: 2019 accessor values, on the sender\'s succ too', async () => {
  const page = await online(['alice', 'bob'], {names: {alice: '小爱 🌸'}})
  const [a, b] = page.rooms
  const sent = await sendAndGet(a, 'sendGroupTextMsg', TEXT)
  const [wire] = im.calls('send_group_msg')
  // 2019's own message: session by the roomID property (a number), common sub type, local seq
  const own = read(sent)
  assert.deepEqual({...own, seq: typeof own.seq, random: own.random, time: typeof own.time}, {
    session: ['GROUP', 1234, 1234], from: 'alice', nick: '小爱 🌸', isSend: true, subType: 0, type: 0,
    seq: 'number', random: wire.body.Random, time: 'number', elems: [['TIMTextElem', {text: TEXT}]],
  })
  const custom = {data: '{"cmd":"上麦"}', desc: '描述', ext: '😀'}
  await sendAndGet(a, 'sendGroupCustomMsg', custom)
  await im.groupMessage(ROOM, 'web-user', [{MsgType: 'TIMFaceElem', MsgContent: {Index: 3, Data: '[微笑]'}}], {nick: '网友'})

  const got = imOf(b, 'big_group_msg_notify').flatMap((e) => e.detail)
  const items = im.groups.get(ROOM).items
  assert.equal(got.length, 3)
  const numbers = (i) => ({seq: items[i].MsgSeq, random: items[i].MsgRandom, time: items[i].MsgTimeStamp})
  expectMsg(got[0], {session: ['GROUP', ROOM, ROOM], from: 'alice', nick: '小爱 🌸', isSend: false, subType: 0, type: 0,
    elems: [['TIMTextElem', {text: TEXT}]]}, numbers(0))
  expectMsg(got[1], {session: ['GROUP', ROOM, ROOM], from: 'alice', nick: '小爱 🌸', isSend: false, subType: 0, type: 0,
    elems: [['TIMCustomElem', custom]]}, numbers(1))
  expectMsg(got[2], {session: ['GROUP', ROOM, ROOM], from: 'web-user', nick: '网友', isSend: false, subType: 0, type: 0,
    elems: [['TIMFaceElem', {index: 3, data: '[微笑]'}]]}, numbers(2))
  // the sender gets its own messages back through the poll, isSend true
  const back = imOf(a, 'big_group_msg_notify').flatMap((e) => e.detail)
  assert.deepEqual(back.map((m) => [m.getIsSend(), m.getFromAccount()]), [[true, 'alice'], [true, 'alice'], [false, 'web-user']])
})

for (const mode of ['inline', 'notify']) {
  test(`C2C text and custom (${mode === 'inline' ? 'Event 9' : 'Event 1 + getmsg'}): 2019 accessor values both sides`, async () => {
    const page = await online(['alice', 'bob'], {names: {bob: 'Bob'}, mode})
    const [a, b] = page.rooms
    const custom = {data: '{"n":1}', desc: '', ext: 'x'}
    const s1 = await sendAndGet(b, 'sendC2CTextMsg', 'alice', TEXT)
    const s2 = await sendAndGet(b, 'sendC2CCustomMsg', 'alice', custom)
    const wire = im.calls('sendmsg').map((e) => e.body)
    expectMsg(s1, {session: ['C2C', 'alice', 'alice'], from: 'bob', nick: 'Bob', isSend: true, subType: 0, type: 0,
      elems: [['TIMTextElem', {text: TEXT}]]}, {seq: wire[0].MsgSeq, random: wire[0].MsgRandom, time: wire[0].MsgTimeStamp})
    expectMsg(s2, {session: ['C2C', 'alice', 'alice'], from: 'bob', nick: 'Bob', isSend: true, subType: 0, type: 0,
      elems: [['TIMCustomElem', custom]]}, {seq: wire[1].MsgSeq, random: wire[1].MsgRandom, time: wire[1].MsgTimeStamp})

    const inbox = im.users.get('alice').inbox
    const got = imOf(a, 'msg_notify').flatMap((e) => e.detail)
    assert.equal(got.length, 2)
    // 2019: a C2C message's nick is the sender's id; the session is the peer
    const numbers = (i) => ({seq: inbox[i].MsgSeq, random: inbox[i].MsgRandom, time: inbox[i].MsgTimeStamp})
    expectMsg(got[0], {session: ['C2C', 'bob', 'bob'], from: 'bob', nick: 'bob', isSend: false, subType: 0, type: 0,
      elems: [['TIMTextElem', {text: TEXT}]]}, numbers(0))
    expectMsg(got[1], {session: ['C2C', 'bob', 'bob'], from: 'bob', nick: 'bob', isSend: false, subType: 0, type: 0,
      elems: [['TIMCustomElem', custom]]}, numbers(1))
  })
}

// ----- group tips -----

// [tip body on the wire, event, what 2019's TIMGroupTipElem content reported]
const TIPS = [
  [{OpType: 1, Operator_Account: 'amy', List_Account: ['amy', '小明'], MemberNum: 5}, 4,
    {opType: 1, opUserId: 'amy', userIdList: ['amy', '小明'], groupMemberNum: 5, groupInfo: [], memberInfo: []}],
  [{OpType: 2, Operator_Account: 'amy', List_Account: ['amy'], MemberNum: 4}, 4,
    {opType: 2, opUserId: 'amy', userIdList: ['amy'], groupMemberNum: 4, groupInfo: [], memberInfo: []}],
  [{OpType: 3, Operator_Account: 'admin', List_Account: ['cat', 'dan']}, 6,
    {opType: 3, opUserId: 'admin', userIdList: ['cat', 'dan'], groupMemberNum: null, groupInfo: [], memberInfo: []}],
  [{OpType: 4, Operator_Account: 'admin', List_Account: ['dan']}, 4,
    {opType: 4, opUserId: 'admin', userIdList: ['dan'], groupMemberNum: null, groupInfo: [], memberInfo: []}],
  [{OpType: 5, Operator_Account: 'admin', List_Account: ['dan']}, 4,
    {opType: 5, opUserId: 'admin', userIdList: ['dan'], groupMemberNum: null, groupInfo: [], memberInfo: []}],
  [{OpType: 6, Operator_Account: 'admin', MsgGroupNewInfo: {GroupFaceUrl: 'https://x/f.png', GroupName: '新房间', Owner_Account: '',
    GroupNotification: '公告 😀', GroupIntroduction: 'intro'}}, 4,
  {opType: 6, opUserId: 'admin', userIdList: [], groupMemberNum: null, memberInfo: [],
    groupInfo: [[1, 'https://x/f.png'], [2, '新房间'], [4, '公告 😀'], [5, 'intro']]}],
  [{OpType: 7, Operator_Account: 'admin', List_Account: ['eve', 'fay'],
    MsgMemberInfo: [{User_Account: 'eve', ShutupTime: 600}, {User_Account: 'fay', ShutupTime: 0}]}, 4,
  {opType: 7, opUserId: 'admin', userIdList: ['eve', 'fay'], groupMemberNum: null, groupInfo: [],
    memberInfo: [['eve', 600], ['fay', 0]]}],
]

test('every group tip type reaches the page as a TIP message with a TIMGroupTipElem', async () => {
  const page = await online(['alice'])
  const [a] = page.rooms
  for (const [body, event] of TIPS) await im.groupTip(ROOM, body, {event, from: body.Operator_Account})
  const got = imOf(a, 'big_group_msg_notify').flatMap((e) => e.detail)
  assert.equal(got.length, TIPS.length)
  const items = im.groups.get(ROOM).items
  got.forEach((msg, i) => {
    const from = TIPS[i][0].Operator_Account
    expectMsg(msg, {session: ['GROUP', ROOM, ROOM], from, nick: from, isSend: false, subType: 2, type: 2,
      elems: [['TIMGroupTipElem', {groupId: ROOM, groupName: ROOM, ...TIPS[i][2]}]]},
    {seq: items[i].MsgSeq, random: items[i].MsgRandom, time: items[i].MsgTimeStamp})
  })
  // a tip of OpType 6 keeps its own event too
  assert.equal(imOf(a, 'group_info_change_notify').length, 1)
})

test('a join tip through the C2C poll (Event 4) arrives as msg_notify', async () => {
  const page = await online(['alice'])
  const [a] = page.rooms
  await im.groupTip(ROOM, {OpType: 1, Operator_Account: 'bob', List_Account: ['bob'], MemberNum: 2}, {via: 'c2c', from: 'bob'})
  const [note] = imOf(a, 'msg_notify')
  assert.equal(note.detail.length, 1)
  const r = read(note.detail[0])
  assert.deepEqual([r.session, r.subType, r.elems], [['GROUP', ROOM, ROOM], 2, [['TIMGroupTipElem',
    {opType: 1, opUserId: 'bob', groupId: ROOM, groupName: ROOM, userIdList: ['bob'], groupMemberNum: 2, groupInfo: [], memberInfo: []}]]])
})

// ----- order -----

test('one poll reply\'s messages arrive in 2019\'s order: reversed, so a page walking from the end reads them as sent', async () => {
  const page = await online(['alice', 'bob'])
  const [a, b] = page.rooms
  im.next('get_msg', 'freeze', {user: 'alice'})
  await im.emptyGroupPolls('alice')
  const [frozen] = im.held('get_msg', {user: 'alice'})
  await b.call('sendGroupTextMsg', 'one')
  await im.groupTip(ROOM, {OpType: 2, Operator_Account: 'web', List_Account: ['web'], MemberNum: 2}, {from: 'web'})
  await b.call('sendGroupCustomMsg', {data: 'three'})
  await im.idle()
  await im.release(frozen)
  await im.idle()
  assert.equal(frozen.reply.RspMsgList.length, 3, 'one reply carried all three')
  const notes = imOf(a, 'big_group_msg_notify')
  const batch = notes[notes.length - 1].detail
  assert.deepEqual(batch.map((m) => m.getSeq()), frozen.reply.RspMsgList.map((i) => i.MsgSeq).reverse())
  const fromEnd = batch.slice().reverse().map((m) => [m.getSubType(), m.getElems()[0].getType()])
  assert.deepEqual(fromEnd, [[0, 'TIMTextElem'], [2, 'TIMGroupTipElem'], [0, 'TIMCustomElem']])
})

test('C2C messages of one poll reply arrive in one msg_notify', async () => {
  const page = await online(['alice', 'bob'])
  const [a, b] = page.rooms
  im.next('longpolling', 'freeze', {user: 'alice'})
  await im.timeOutPolls('alice')
  for (const t of ['x1', 'x2', 'x3']) await b.call('sendC2CTextMsg', 'alice', t)
  await im.idle()
  await im.release(im.held('longpolling', {user: 'alice'})[0])
  await im.idle()
  const notes = imOf(a, 'msg_notify')
  assert.equal(notes.length, 1)
  assert.deepEqual(notes[0].detail.map((m) => m.getElems()[0].getContent().getText()), ['x1', 'x2', 'x3'])
})

// ----- wire: getmsg continuation, longpolling Timeout -----

test('getmsg: Cookie "" first, then three pages continued with each reply\'s Cookie and SyncFlag, one msg_notify', async () => {
  const page = await online(['alice', 'bob'], {mode: 'notify'})
  im.getmsgBatch = 2
  const [a, b] = page.rooms
  im.next('longpolling', 'freeze', {user: 'alice'})
  await im.timeOutPolls('alice')
  for (let i = 1; i <= 6; i++) await b.call('sendC2CTextMsg', 'alice', `m${i}`)
  await im.idle()
  await im.release(im.held('longpolling', {user: 'alice'})[0])
  await im.idle()
  const calls = im.calls('getmsg', {user: 'alice'})
  assert.deepEqual(calls.map((c) => c.body), [
    {Cookie: '', SyncFlag: 0},
    {Cookie: 'c-2', SyncFlag: 1},
    {Cookie: 'c-4', SyncFlag: 1},
  ])
  assert.deepEqual(calls.map((c) => [c.reply.SyncFlag, c.page]), [[1, 2], [1, 2], [2, 2]])
  const notes = imOf(a, 'msg_notify')
  assert.equal(notes.length, 1, 'the three pages as one event')
  assert.deepEqual(notes[0].detail.map((m) => m.getElems()[0].getContent().getText()), ['m1', 'm2', 'm3', 'm4', 'm5', 'm6'])
  // the next notice continues from the last cookie with SyncFlag 0
  await b.call('sendC2CTextMsg', 'alice', 'm7')
  await im.idle()
  assert.deepEqual(im.calls('getmsg', {user: 'alice'}).slice(3).map((c) => c.body), [{Cookie: 'c-6', SyncFlag: 0}])
})

test('longpolling asks for the Timeout the server last gave', async () => {
  server()
  im.pollTimeout = 30
  const page = env.renderPage({props: {template: 'grid', enableIM: true}})
  await env.waitForCore()
  await page.start({...R.BASE, userID: 'alice', userSig: 'sig-alice'})
  await im.idle()
  const first = im.held('longpolling', {user: 'alice'})
  assert.equal(first[0].body.Timeout, 30, 'from getlongpollingid')
  // the server's next replies give 20, then 90 (more than 60: not taken), then 45
  const asked = []
  for (const t of [20, 90, 45]) {
    im.pollTimeout = t
    await im.groupTip(ROOM, {OpType: 1, Operator_Account: 'x', List_Account: ['x'], MemberNum: 2}, {via: 'c2c', from: 'x'})
    asked.push(im.held('longpolling', {user: 'alice'})[0].body.Timeout)
  }
  assert.deepEqual(asked, [20, 20, 45])
})

// ----- login: identifierNick, headurl; userName sets the nick -----

test('login_event carries identifierNick and headurl from the profile; userName sets the nick others see', async () => {
  server()
  im._user('alice').image = 'https://x/alice.png'
  const page = env.renderPage({count: 2, props: {template: 'grid', enableIM: true}, extraAttrs: ['userName']})
  await env.waitForCore()
  await page.start({...R.BASE, userID: 'alice', userSig: 'sig-alice', userName: '爱丽丝 🌸'}, 0)
  await im.idle()
  await page.start({...R.BASE, userID: 'bob', userSig: 'sig-bob'}, 1)
  await im.idle()
  const [a, b] = page.rooms
  const [la] = imOf(a, 'login_event')
  assert.equal(la.code, 0)
  assert.deepEqual([la.detail.ActionStatus, la.detail.ErrorCode, la.detail.identifierNick, la.detail.headurl],
    ['OK', 0, '爱丽丝 🌸', 'https://x/alice.png'])
  const [lb] = imOf(b, 'login_event')
  assert.deepEqual([lb.code, lb.detail.identifierNick, lb.detail.headurl], [0, null, null], 'no nick set, none read')
  assert.deepEqual(im.calls('portrait_set').map((c) => [c.user, c.body]),
    [['alice', {From_Account: 'alice', ProfileItem: [{Tag: 'Tag_Profile_IM_Nick', Value: '爱丽丝 🌸'}]}]])
  assert.deepEqual(im.calls('portrait_get').map((c) => c.user), ['alice', 'bob'], 'one profile read each')
  // order: login, (portrait_set), portrait_get, then login_event and the rest
  assert.deepEqual(im.calls(null, {user: 'alice'}).slice(0, 3).map((c) => c.command), ['login', 'portrait_set', 'portrait_get'])
  await a.call('sendGroupTextMsg', 'hi')
  await im.idle()
  const [got] = imOf(b, 'big_group_msg_notify').flatMap((e) => e.detail)
  assert.equal(got.getFromAccountNick(), '爱丽丝 🌸')
})

test('a failed profile read does not fail the login', async () => {
  server()
  im.next('portrait_get', {ErrorCode: 40001})
  const page = env.renderPage({props: {template: 'grid', enableIM: true}})
  await env.waitForCore()
  await page.start({...R.BASE, userID: 'alice', userSig: 'sig-alice'})
  await im.idle()
  const [login] = imOf(page.room, 'login_event')
  assert.deepEqual([login.code, login.detail.identifierNick], [0, null])
  assert.deepEqual(imOf(page.room, 'join_group_event').map((e) => e.code), [0])
  assert.equal(im.held('get_msg', {user: 'alice'}).length, 1, 'the group poll runs')
})

// ----- webim_wx.js in the folder -----

test('webim_wx.js in the component folder: 2019\'s constants and Tool helpers, no SDK', () => {
  const webim = require(path.join(__dirname, '..', 'webrtc-room', 'webim_wx.js'))
  assert.deepEqual(webim.SESSION_TYPE, {C2C: 'C2C', GROUP: 'GROUP'})
  assert.deepEqual(webim.C2C_MSG_SUB_TYPE, {COMMON: 0})
  assert.deepEqual(webim.GROUP_MSG_SUB_TYPE, {COMMON: 0, LOVEMSG: 1, TIP: 2, REDPACKET: 3})
  assert.deepEqual(webim.MSG_MAX_LENGTH, {C2C: 12000, GROUP: 8898})
  assert.deepEqual(webim.MSG_ELEMENT_TYPE, {TEXT: 'TIMTextElem', FACE: 'TIMFaceElem', IMAGE: 'TIMImageElem',
    CUSTOM: 'TIMCustomElem', SOUND: 'TIMSoundElem', FILE: 'TIMFileElem', LOCATION: 'TIMLocationElem', GROUP_TIP: 'TIMGroupTipElem'})
  assert.deepEqual(webim.GROUP_TIP_TYPE, {JOIN: 1, QUIT: 2, KICK: 3, SET_ADMIN: 4, CANCEL_ADMIN: 5, MODIFY_GROUP_INFO: 6, MODIFY_MEMBER_INFO: 7})
  assert.deepEqual(webim.GROUP_TIP_MODIFY_GROUP_INFO_TYPE, {FACE_URL: 1, NAME: 2, OWNER: 3, NOTIFICATION: 4, INTRODUCTION: 5})
  assert.deepEqual(Object.keys(webim).sort(), ['C2C_MSG_SUB_TYPE', 'GROUP_MSG_SUB_TYPE', 'GROUP_TIP_MODIFY_GROUP_INFO_TYPE',
    'GROUP_TIP_TYPE', 'MSG_ELEMENT_TYPE', 'MSG_MAX_LENGTH', 'SESSION_TYPE', 'Tool'], 'constants only: no SDK functions')
  const T = webim.Tool
  // [input, 2019's result]
  for (const [html, text] of [['a&nbsp;b<br/>c&nbsp;&nbsp;😀', 'a b\nc  😀'], ['', ''], [null, null], ['<b>&amp;</b>', '<b>&amp;</b>']]) {
    assert.equal(T.formatHtml2Text(html), text)
  }
  for (const [s, n] of [['abc', 3], ['é', 2], ['你好', 6], ['😀', 6], [TEXT, 28], [42, 0], [null, 0]]) {
    assert.equal(T.getStrBytes(s), n, JSON.stringify(s))
  }
})
