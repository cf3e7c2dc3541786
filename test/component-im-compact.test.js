'use strict'
// IM messages cross the wasm boundary in the core's tape (docs/core-protocol.md, "Messages"):
// numbers in a Float64Array and all the text as UTF-16, read straight out of the wasm memory.
// Pages get exactly 2019's Msg fields as plain data, with the webim accessors on shared
// prototypes, for every element kind, a tip, a send's succ, and values of every JSON type.

const {test, afterEach} = require('node:test')
const assert = require('node:assert/strict')
const env = require('./support/wechat-env')
const R = require('./support/room')
const WebIM = require('./support/webim')

afterEach(async () => {
  const errors = env.errors.slice()
  await env.cleanup()
  assert.deepEqual(errors.map(String), [], 'component code threw inside the framework')
})

// Every core output the component's instance returns, parsed; each message batch's tape copied
// out of the wasm memory as it returns (the next input reuses it) into `tapes`.
function watchCore(page) {
  const outs = []
  const comp = page.room.instance
  const rt = comp.__room
  const handle = rt.core.handle
  rt.core.handle = (...args) => {
    const out = handle(...args)
    const parsed = JSON.parse(out)
    for (const e of parsed.events || []) {
      if (!/msg_notify$/.test(e.detail.tag)) continue
      const [wp, wl, cp, cl] = e.detail.detail
      const buffer = rt.core.mem.buffer
      e.tape = {words: Array.from(new Float64Array(buffer, wp, wl)), text: String.fromCharCode(...new Uint16Array(buffer, cp, cl))}
    }
    outs.push(parsed)
    return out
  }
  return outs
}

// The tape's messages as compact arrays, read by the layout docs/core-protocol.md gives (not by
// the shim's reader): each value three words (kind, a, b); after ten values a message's element
// count; each element its type, its content kind, then that kind's fields.
function decodeTape({words, text}) {
  let at = 0
  const kinds = []
  const val = () => {
    const [k, a, b] = words.slice(at, at += 3)
    kinds.push(k)
    const s = text.slice(a, b)
    return k === 0 ? a : k === 1 ? s : k === 2 ? JSON.parse(s) : k === 3 ? a === 1 : null
  }
  const FIELDS = [null, ['text'], ['index', 'data'], ['data', 'desc', 'ext'],
    ['opType', 'opUserId', 'groupId', 'groupName', 'userIdList', 'groupInfoList', 'memberInfoList', 'groupMemberNum']]
  const msgs = []
  while (at < words.length) {
    const m = Array.from({length: 10}, val)
    const elems = []
    for (let n = words[at++]; n > 0; n--) {
      const type = val()
      const names = FIELDS[words[at++]]
      elems.push([type, names ? Object.fromEntries(names.map((k) => [k, val()])) : val()])
    }
    m.push(elems)
    msgs.push(m)
  }
  return {msgs, kinds}
}

const plain = (v) => JSON.parse(JSON.stringify(v))

test('a batch crosses as arrays and reaches the page as 2019 Msg objects', async () => {
  const page = await R.imOnlineThenManual()
  const [poll] = env.pendingRequests('/get_msg')
  const common = {ToGroupId: '1234', MsgPriority: 'COMMON', IsPlaceMsg: 0, GroupInfo: {GroupName: '房间', From_AccountNick: '阿花'}}
  const items = [
    {...common, Event: 3, From_Account: 'alice', MsgSeq: 1, MsgRandom: 11, MsgTimeStamp: 1700000001,
      MsgBody: [{MsgType: 'TIMTextElem', MsgContent: {Text: '你好 "x" \\ 😀'}}, {MsgType: 'TIMFaceElem', MsgContent: {Index: 2, Data: 'smile'}}]},
    {...common, Event: 3, From_Account: 'bob', MsgSeq: 2, MsgRandom: 12, MsgTimeStamp: 1700000002, MsgPriority: 1,
      MsgBody: [{MsgType: 'TIMCustomElem', MsgContent: {Data: '{"cmd":"gift"}', Desc: 'd', Ext: ''}}, {MsgType: 'TIMLocationElem', MsgContent: {Latitude: 1.5, Desc: 'here'}}]},
    {...common, Event: 4, From_Account: 'carol', MsgSeq: 3, MsgRandom: 13, MsgTimeStamp: 1700000003,
      MsgBody: {OpType: 7, Operator_Account: 'admin', List_Account: ['carol'], MsgMemberInfo: [{User_Account: 'carol', ShutupTime: 60}]}},
  ]
  const outs = watchCore(page)
  await poll.respond({data: JSON.stringify({ActionStatus: 'OK', ErrorCode: 0, NextSeq: 4, Key: 'k', RspMsgList: items})})
  const event = outs.flatMap((o) => o.events || []).find((e) => e.detail.tag === 'big_group_msg_notify')
  const place = event.detail.detail
  assert.ok(place.length === 4 && place.every(Number.isInteger), 'the event carries where its tape is, not the messages')
  assert.equal(place[0] % 8, 0, 'the words are f64-aligned')
  assert.ok(event.tape.text.includes('你好 "x" \\ 😀'), 'text crosses as UTF-16, unescaped')
  const {msgs: wire, kinds} = decodeTape(event.tape)
  assert.ok(kinds.every((k) => k >= 0 && k <= 4), 'value kinds 0-4')
  assert.deepEqual(wire[2], ['GROUP', '1234', '房间', 0, false, 'alice', '阿花', 1700000001, 1, 11,
    [['TIMTextElem', {text: '你好 "x" \\ 😀'}], ['TIMFaceElem', {index: 2, data: 'smile'}]]])
  assert.deepEqual(wire[0][10], [['TIMGroupTipElem', {opType: 7, opUserId: 'admin', groupId: '1234', groupName: '房间',
    userIdList: ['carol'], groupInfoList: [], memberInfoList: [{userId: 'carol', shutupTime: 60}], groupMemberNum: null}]])

  const [note] = page.room.events.filter((e) => e.detail.tag === 'big_group_msg_notify')
  const msgs = note.detail.detail
  const sess = {type: 'GROUP', id: '1234', name: '房间'}
  assert.deepEqual(plain(msgs), [
    {sess, subType: 2, isSend: false, fromAccount: 'carol', fromAccountNick: '阿花', time: 1700000003, seq: 3, random: 13,
      elems: [{type: 'TIMGroupTipElem', content: {opType: 7, opUserId: 'admin', groupId: '1234', groupName: '房间',
        userIdList: ['carol'], groupInfoList: [], memberInfoList: [{userId: 'carol', shutupTime: 60}], groupMemberNum: null}}]},
    {sess, subType: 3, isSend: false, fromAccount: 'bob', fromAccountNick: '阿花', time: 1700000002, seq: 2, random: 12,
      elems: [{type: 'TIMCustomElem', content: {data: '{"cmd":"gift"}', desc: 'd', ext: ''}},
        {type: 'TIMLocationElem', content: {Latitude: 1.5, Desc: 'here'}}]},
    {sess, subType: 0, isSend: false, fromAccount: 'alice', fromAccountNick: '阿花', time: 1700000001, seq: 1, random: 11,
      elems: [{type: 'TIMTextElem', content: {text: '你好 "x" \\ 😀'}}, {type: 'TIMFaceElem', content: {index: 2, data: 'smile'}}]},
  ])
  // the fields are the objects' own; the accessors come from shared prototypes
  assert.deepEqual(Object.keys(msgs[0]), ['sess', 'subType', 'isSend', 'fromAccount', 'fromAccountNick', 'time', 'seq', 'random', 'elems'])
  assert.equal(Object.getPrototypeOf(msgs[0]), Object.getPrototypeOf(msgs[1]))
  assert.equal(msgs[0].getSession().id(), '1234')
  assert.equal(msgs[0].getElems()[0].getContent().getMemberInfoList()[0].getShutupTime(), 60)
  assert.equal(msgs[1].getElems()[0].getContent().getData(), '{"cmd":"gift"}')
  assert.equal(msgs[2].getElems()[1].getContent().getIndex(), 2)
  assert.equal(msgs[2].getType(), 0)
})

test('a send\'s succ gets the message sent as a 2019 Msg', async () => {
  const im = new WebIM(env)
  const page = env.renderPage({props: {template: 'grid', enableIM: true}})
  await env.waitForCore()
  await page.start({...R.BASE, userName: '我'})
  await im.idle()
  const got = []
  await page.room.call('sendC2CCustomMsg', 'bob', {data: 'd', desc: 'de', ext: 'e'}, (m) => got.push(m), () => got.push('fail'))
  await im.idle()
  assert.equal(got.length, 1)
  const m = got[0]
  assert.deepEqual(plain(m.sess), {type: 'C2C', id: 'bob', name: 'bob'})
  assert.equal(m.getIsSend(), true)
  assert.equal(m.getFromAccount(), R.BASE.userID)
  assert.deepEqual(plain(m.elems), [{type: 'TIMCustomElem', content: {data: 'd', desc: 'de', ext: 'e'}}])
  assert.equal(m.getElems()[0].getContent().getExt(), 'e')
})

test('hostile content never breaks the accessors: odd lists in an unknown element, a fail reply with elems', async () => {
  const page = await R.imOnlineThenManual()
  // a send whose failure reply carries an `elems` field: the fail callback gets the reply as it came
  const got = []
  await page.room.call('sendGroupTextMsg', 'hi', (m) => got.push(['succ', m]), (...a) => got.push(['fail', a]))
  const [send] = env.pendingRequests('/send_group_msg')
  await send.respond({data: JSON.stringify({ActionStatus: 'FAIL', ErrorCode: 10007, ErrorInfo: 'no', elems: 5})})
  assert.deepEqual(plain(got), [['fail', [-4, {ActionStatus: 'FAIL', ErrorCode: 10007, ErrorInfo: 'no', elems: 5}]]])
  // an element type the core does not know, whose content has the tip's list names holding anything
  const [poll] = env.pendingRequests('/get_msg')
  const odd = {groupInfoList: 'x', memberInfoList: [null, 5, {a: 1}], Text: 't'}
  const items = [{Event: 3, From_Account: 'eve', ToGroupId: '1234', MsgSeq: 9, MsgRandom: 1, MsgTimeStamp: 1,
    MsgBody: [{MsgType: 'TIMGroupTipElem', MsgContent: odd}, {MsgType: 'TIMFooElem', MsgContent: [null, 'x']}]}]
  await poll.respond({data: JSON.stringify({ActionStatus: 'OK', ErrorCode: 0, NextSeq: 10, RspMsgList: items})})
  const [note] = page.room.events.filter((e) => e.detail.tag === 'big_group_msg_notify')
  const [m] = note.detail.detail
  assert.deepEqual(plain(m.getElems()), [{type: 'TIMGroupTipElem', content: odd}, {type: 'TIMFooElem', content: [null, 'x']}])
  assert.deepEqual(plain(m.getElems()[0].getContent()), odd)
  assert.equal(m.getElems()[0].getContent().getGroupInfoList(), 'x', 'the content object answers the accessors')
  assert.equal(m.getElems()[1].getType(), 'TIMFooElem')
})

test('values of every JSON type in a message reach the page as JSON.parse reads them, long text whole', async () => {
  const page = await R.imOnlineThenManual()
  const [poll] = env.pendingRequests('/get_msg')
  // past the reader's 8,192-unit chunks, with surrogate pairs across their edges
  const long = 'ab😀'.repeat(5000)
  const body = '{"ActionStatus":"OK","ErrorCode":0,"NextSeq":9,"RspMsgList":[' +
    '{"Event":3,"From_Account":"dan","ToGroupId":"1234","GroupInfo":{"GroupName":{"n":[1,2.5]}},' +
    '"MsgSeq":1152921504606846977,"MsgRandom":1e3,"MsgTimeStamp":1.5,"MsgBody":[' +
    '{"MsgType":"TIMTextElem","MsgContent":{"Text":"\\ud800x\\ud83d\\ude00\\/"}},' +
    '{"MsgType":"TIMCustomElem","MsgContent":{"Data":"d","Desc":true,"Ext":null}}]},' +
    `{"Event":3,"From_Account":"eve","ToGroupId":"1234","MsgSeq":2,"MsgBody":[{"MsgType":"TIMTextElem","MsgContent":{"Text":"${long}"}}]}]}`
  await poll.respond({data: body})
  const [note] = page.room.events.filter((e) => e.detail.tag === 'big_group_msg_notify')
  const [second, first] = note.detail.detail
  const want = JSON.parse(body).RspMsgList[0]
  assert.deepEqual(plain(first.sess), {type: 'GROUP', id: '1234', name: {n: [1, 2.5]}})
  assert.equal(first.getSeq(), want.MsgSeq, 'a whole number past 2^53 rounds as JSON.parse rounds it')
  assert.equal(first.getRandom(), 1000)
  assert.equal(first.getTime(), 1.5)
  assert.equal(first.getFromAccountNick(), 'dan')
  // a lone surrogate escape is U+FFFD, as the core's text always has it
  assert.equal(first.getElems()[0].getContent().getText(), '\ufffdx😀/')
  assert.deepEqual(plain(first.getElems()[1].getContent()), {data: 'd', desc: true, ext: null})
  assert.equal(second.getElems()[0].getContent().getText(), long)
  assert.equal(second.getRandom(), null, 'a missing field is null')
})

// The tape of a batch lives in the wasm memory only until the core's next input. A runtime that
// answers the next long poll at once (inside the wx.request the batch's ops make) brings that
// input before the batch's event is triggered: the shim has read the batch's messages before.
test('a runtime answering the next poll at once does not disturb the batch being delivered', async () => {
  const page = await R.imOnlineThenManual()
  const batch = (from, texts, seq) => JSON.stringify({ActionStatus: 'OK', ErrorCode: 0, NextSeq: seq + texts.length,
    RspMsgList: texts.map((text, i) => ({Event: 3, From_Account: from, ToGroupId: '1234', MsgSeq: seq + i, MsgRandom: i,
      MsgTimeStamp: 1, MsgBody: [{MsgType: 'TIMTextElem', MsgContent: {Text: text}}]}))})
  let answered = false
  const off = env.onRequest((r) => {
    if (answered || !r.url.includes('/get_msg')) return
    answered = true
    r.settled = true
    r.options.success({statusCode: 200, data: env.arrayBufferOf(batch('bob', ['第二批 x', 'y'], 10)), header: {}, cookies: [], errMsg: 'request:ok'})
  })
  const [poll] = env.pendingRequests('/get_msg')
  await poll.respond({data: batch('alice', ['one', '两个 😀', 'three'], 1)})
  off()
  assert.ok(answered, 'the next poll was answered inside the first batch\'s ops')
  const notes = page.room.events.filter((e) => e.detail.tag === 'big_group_msg_notify')
  const read = (note) => note.detail.detail.map((m) => [m.getFromAccount(), m.getElems()[0].getContent().getText(), m.getSeq()])
  assert.deepEqual(notes.map(read).sort(), [
    [['alice', 'three', 3], ['alice', '两个 😀', 2], ['alice', 'one', 1]],
    [['bob', 'y', 11], ['bob', '第二批 x', 10]],
  ])
})

test('each message of a batch has its own group id and name; the same ones share a session object', async () => {
  const page = await R.imOnlineThenManual()
  const [poll] = env.pendingRequests('/get_msg')
  const item = (seq, group, name) => ({Event: 3, From_Account: 'ann', ToGroupId: group, MsgSeq: seq, MsgRandom: seq, MsgTimeStamp: 1,
    GroupInfo: name === undefined ? {} : {GroupName: name}, MsgBody: [{MsgType: 'TIMTextElem', MsgContent: {Text: 'hi'}}]})
  // as the page gets them (reverse reply order): the same session twice, another name, another
  // id, a name only escaped differently, a number id, no name (the id again), the first again
  const sessions = [['1234', 'A'], ['1234', 'A'], ['1234', 'B'], ['9', 'B'], ['9', 'B'], [7, 'B'], ['7', undefined], ['1234', 'A']]
  const items = sessions.map(([group, name], i) => item(sessions.length - i, group, name)).reverse()
  const body = JSON.stringify({ActionStatus: 'OK', ErrorCode: 0, NextSeq: 9, RspMsgList: items}).replace('"GroupName":"B"}', '"GroupName":"\\u0042"}')
  await poll.respond({data: body})
  const [note] = page.room.events.filter((e) => e.detail.tag === 'big_group_msg_notify')
  const got = note.detail.detail
  assert.deepEqual(got.map((m) => plain(m.sess)), sessions.map(([id, name]) => ({type: 'GROUP', id, name: name === undefined ? id : name})))
  assert.deepEqual(got.map((m) => [m.getSession().id(), m.getSession().name()]), sessions.map(([id, name]) => [id, name === undefined ? id : name]))
  assert.equal(got[0].sess, got[1].sess, 'one object for the same session')
  assert.notEqual(got[1].sess, got[2].sess)
})
