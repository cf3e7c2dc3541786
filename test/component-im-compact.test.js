'use strict'
// IM messages cross the wasm boundary in the core's compact form (an array per message,
// docs/core-protocol.md); pages get exactly 2019's Msg fields as plain data, with the webim
// accessors on shared prototypes, for every element kind, a tip, and a send's succ.

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

// Every core output the component's instance returns, parsed.
function watchCore(page) {
  const outs = []
  const comp = page.room.instance
  const rt = comp.__room
  const handle = rt.core.handle
  rt.core.handle = (...args) => {
    const out = handle(...args)
    outs.push(JSON.parse(out))
    return out
  }
  return outs
}

const plain = (v) => JSON.parse(JSON.stringify(v))

test('a batch crosses as arrays and reaches the page as 2019 Msg objects', async () => {
  const im = new WebIM(env)
  const page = env.renderPage({props: {template: 'grid', enableIM: true}})
  await env.waitForCore()
  await page.start({...R.BASE})
  await im.idle()
  im.stop()
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
  const wire = outs.flatMap((o) => o.events || []).find((e) => e.detail.tag === 'big_group_msg_notify').detail.detail
  assert.ok(wire.every((m) => Array.isArray(m) && m.length === 11), 'each message crosses as one 11-item array')
  assert.deepEqual(wire[2], ['GROUP', '1234', '房间', 0, false, 'alice', '阿花', 1700000001, 1, 11,
    [['TIMTextElem', {text: '你好 "x" \\ 😀'}], ['TIMFaceElem', {index: 2, data: 'smile'}]]])

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
  const im = new WebIM(env)
  const page = env.renderPage({props: {template: 'grid', enableIM: true}})
  await env.waitForCore()
  await page.start({...R.BASE})
  await im.idle()
  // a send whose failure reply carries an `elems` field: the fail callback gets the reply as it came
  im.stop() // from here on the test answers the requests itself
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
