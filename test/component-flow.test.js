'use strict'
// The integration guide's flow through the real component (shim + WXML + wasm core) in the
// WeChat-like environment: signature request, URLs and their encoding, loading, copies of the
// folder, two rooms on a page, detaching mid-request.

const {test, afterEach, mock} = require('node:test')
const assert = require('node:assert/strict')
const env = require('./support/wechat-env')
const R = require('./support/room')

afterEach(async () => {
  mock.timers.reset()
  const errors = env.errors.slice()
  await env.cleanup()
  assert.deepEqual(errors.map(String), [], 'component code threw inside the framework')
})

test('start() sends exactly one POST to the official signature URL with the 2019 query and body', async () => {
  const page = env.renderPage({props: {template: 'grid'}})
  await env.waitForCore()
  assert.equal(env.requests.length, 0, 'nothing is requested before start()')
  const t0 = Date.now()
  await page.start({...R.BASE})
  const t1 = Date.now()
  assert.equal(env.requests.length, 1, 'one request in all')
  const req = R.theSigRequest()
  assert.equal(req.method, 'POST')
  assert.ok(req.url.startsWith(R.OFFICIAL + '?'), req.url)
  const q = req.query
  assert.deepEqual(Object.keys(q).sort(), ['contenttype', 'identifier', 'random', 'sdkappid', 'usersig'])
  assert.equal(q.sdkappid, '1400000000')
  assert.equal(q.identifier, 'u-self')
  assert.equal(q.usersig, 'sig-self')
  assert.equal(q.contenttype, 'json')
  assert.match(q.random, /^\d+$/)
  assert.ok(Number(q.random) >= t0 - 5 && Number(q.random) <= t1 + 5, `random ${q.random} is a ms timestamp`)
  assert.deepEqual(req.body, {
    ReqHead: {Cmd: 1, SeqNo: 1, BusType: 7, GroupId: 1234},
    ReqBody: {PrivMapEncrypt: 'pmk-self', TerminalType: 1, FromType: 3, SdkVersion: 26280566},
  })
  const pusher = page.room.pusher()
  assert.equal(pusher.url, '', 'not pushing before the signature arrives')
})

test('useCloud=false asks yun.tim.qq.com instead', async () => {
  const page = env.renderPage({props: {template: 'float', useCloud: false}})
  await env.waitForCore()
  await page.start({...R.BASE})
  const req = R.theSigRequest()
  assert.ok(req.url.startsWith(R.YUN + '?'), req.url)
  assert.equal(req.query.identifier, 'u-self')
})

for (const template of ['bigsmall', 'float', 'grid']) {
  test(`${template}: the signature reply becomes the pusher url, and the pusher pushes`, async () => {
    const page = env.renderPage({props: {template}})
    await env.waitForCore()
    await page.start({...R.BASE})
    await R.theSigRequest().respond({statusCode: 200, data: R.SIG_REPLY})
    const pusher = page.room.pusher()
    assert.ok(pusher, 'a live-pusher is rendered')
    assert.equal(pusher.url,
      'room://cloud.tencent.com?sdkappid=1400000000&roomid=1234&userid=u-self&roomsig=%7B%22sig%22%3A%22room-sig%22%7D')
    assert.equal(page.room.data.pushURL, pusher.url)
    assert.ok(pusher.autopush || page.room.pusherCalls().includes('start'), 'autopush, or LivePusherContext.start()')
    assert.equal(pusher.mode, 'RTC')
    assert.equal(R.pendingSig().length, 0)
    assert.deepEqual(page.room.errorEvents(), [])
  })
}

test('pureAudioPushMod / recordId add a percent-encoded bizbuf, each key only when set', async () => {
  const cases = [
    [{pureAudioPushMod: 1}, {Str_uc_params: {pure_audio_push_mod: 1}}],
    [{recordId: 77}, {Str_uc_params: {record_id: 77}}],
    [{pureAudioPushMod: 2, recordId: 5}, {Str_uc_params: {pure_audio_push_mod: 2, record_id: 5}}],
    [{}, null],
  ]
  for (const [props, bizbuf] of cases) {
    const page = env.renderPage({props: {template: 'grid', ...props}})
    await env.waitForCore()
    await page.start({...R.BASE})
    await R.theSigRequest().respond({data: R.SIG_REPLY})
    const url = page.room.pusher().url
    assert.ok(url.startsWith(R.pusherURL()), url)
    const q = env.parseQuery(url)
    if (bizbuf) {
      assert.deepEqual(JSON.parse(q.bizbuf), bizbuf, JSON.stringify(props))
      assert.ok(!/[{}":]/.test(url.slice(url.indexOf('bizbuf='))), 'bizbuf is percent-encoded')
    } else {
      assert.equal(q.bizbuf, undefined, url)
    }
    await env.cleanup()
  }
})

for (const userID of ['a&b=c', '张三', 'x y+z/?#%']) {
  test(`userID ${JSON.stringify(userID)} is percent-encoded in the request and in the pusher url`, async () => {
    const userSig = 'eJw+ab/cd==&x'
    const page = env.renderPage({props: {template: 'grid'}})
    await env.waitForCore()
    await page.start({...R.BASE, userID, userSig})
    const req = R.theSigRequest()
    assert.equal(req.query.identifier, userID)
    assert.equal(req.query.usersig, userSig)
    assert.ok(req.url.includes('identifier=' + encodeURIComponent(userID)), req.url)
    await req.respond({data: R.SIG_REPLY})
    const url = page.room.pusher().url
    const q = env.parseQuery(url)
    assert.equal(q.userid, userID)
    assert.equal(q.roomsig, '{"sig":"room-sig"}')
    assert.equal(q.roomid, '1234')
    assert.equal(q.sdkappid, '1400000000')
    assert.ok(url.includes('userid=' + encodeURIComponent(userID)), url)
  })
}

test('start() called right after render, before the core has loaded, is honoured', async () => {
  const page = env.renderPage({props: {template: 'grid', ...R.BASE}})
  page.room.instance.start()
  assert.ok(env.wasm.records.every((r) => !r.instance), 'the core had not loaded when start() was called')
  await env.waitForCore()
  assert.equal(env.wasm.records.length, 1)
  const req = R.theSigRequest()
  assert.equal(req.query.identifier, 'u-self')
  await req.respond({data: R.SIG_REPLY})
  assert.equal(page.room.pusher().url, R.pusherURL())
  assert.equal(R.sigRequests().length, 1)
})

test('start() in the page\'s setData callback, before the core loaded, is honoured too', async () => {
  const page = env.renderPage({props: {template: 'float'}})
  const started = page.start({...R.BASE})
  await started
  await env.waitForCore()
  await R.theSigRequest().respond({data: R.SIG_REPLY})
  assert.equal(page.room.pusher().url, R.pusherURL())
})

test('the core is found beside the component: this.is drives the wasm path', async () => {
  const page = env.renderPage({props: {template: 'grid'}})
  await env.waitForCore()
  assert.equal(page.room.instance.is, 'webrtc-room/webrtc-room')
  const rec = env.wasm.records[env.wasm.records.length - 1]
  assert.equal(rec.path, '/webrtc-room/core/room_bg.wasm.br')
  assert.equal(rec.error, null)
  assert.deepEqual(rec.exportedGlobals, [], 'no exported Global (iOS WeChat cannot use them)')
  assert.ok(rec.exportNames.includes('handle'))
})

test('a copy of the folder at components/webrtc-room/ loads its own core and works', async () => {
  const pkg = env.copyComponent('components/webrtc-room')
  const page = env.renderPage({props: {template: 'grid'}, componentPath: pkg.componentPath, root: pkg.root})
  await env.waitForCore()
  assert.equal(page.room.instance.is, 'components/webrtc-room/webrtc-room')
  const rec = env.wasm.records[env.wasm.records.length - 1]
  assert.equal(rec.path, '/components/webrtc-room/core/room_bg.wasm.br')
  assert.equal(rec.root, pkg.root)
  assert.equal(rec.callerRoot, pkg.root)
  assert.equal(rec.error, null)
  await page.start({...R.BASE})
  await R.theSigRequest().respond({data: R.SIG_REPLY})
  assert.equal(page.room.pusher().url, R.pusherURL())
  assert.ok(env.moduleLoads.some((m) => m.root === pkg.root && m.file.endsWith('core/room.js')),
    'the copy requires its own glue')
})

test('no WXWebAssembly (base library too old): a RoomEvent error, and nothing throws', async () => {
  const saved = globalThis.WXWebAssembly
  delete globalThis.WXWebAssembly
  try {
    const page = env.renderPage({props: {template: 'grid', ...R.BASE}})
    await env.flush(10)
    assert.equal(page.room.errorEvents().length, 1, 'reported once it is known')
    assert.doesNotThrow(() => page.room.instance.start())
    await env.flush(10)
    const errs = page.room.errorEvents()
    assert.equal(errs.length, 2, 'and again for the start() that cannot work: ' + JSON.stringify(page.events))
    assert.match(R.detailText(errs[1].detail), /base library 2\.14/)
    assert.equal(env.requests.length, 0)
  } finally {
    globalThis.WXWebAssembly = saved
  }
})

test('the wasm missing from the package: a RoomEvent error, and nothing throws', async () => {
  const fs = require('fs')
  const path = require('path')
  const pkg = env.copyComponent('components/webrtc-room')
  fs.unlinkSync(path.join(path.dirname(pkg.componentPath), 'core', 'room_bg.wasm.br'))
  const page = env.renderPage({props: {template: 'grid'}, componentPath: pkg.componentPath, root: pkg.root})
  await env.waitForCore()
  assert.ok(env.wasm.records[0].error, 'instantiate was rejected')
  const errs = page.room.errorEvents()
  assert.equal(errs.length, 1)
  assert.match(R.detailText(errs[0].detail), /room_bg\.wasm\.br/)
  assert.doesNotThrow(() => page.room.instance.start())
  await env.flush()
  assert.equal(page.room.errorEvents().length, 2, 'a method call gets the error again')
})

test('two rooms on one page do not interfere', async () => {
  const page = env.renderPage({count: 2, props: {template: 'grid'}})
  await env.waitForCore()
  const [r1, r2] = page.rooms
  const cores = env.wasm.records.filter((r) => r.path === '/webrtc-room/core/room_bg.wasm.br')
  assert.equal(cores.length, 2, 'one wasm instance per component')
  await r1.start({...R.BASE, roomID: 11, userID: 'one'})
  await r2.start({...R.BASE, roomID: 22, userID: 'two', template: 'float'})
  const pending = R.pendingSig()
  assert.equal(pending.length, 2)
  const req1 = pending.find((r) => r.query.identifier === 'one')
  const req2 = pending.find((r) => r.query.identifier === 'two')
  assert.equal(req1.body.ReqHead.GroupId, 11)
  assert.equal(req2.body.ReqHead.GroupId, 22)
  await req2.respond({data: {RspHead: {ErrorCode: 0}, RspBody: {sig: 'second'}}})
  assert.equal(r1.pusher().url, '', 'room 1 still waits for its own signature')
  assert.match(r2.pusher().url, /roomid=22&userid=two&roomsig=%7B%22sig%22%3A%22second%22%7D$/)
  await req1.respond({data: R.SIG_REPLY})
  assert.equal(r1.pusher().url, R.pusherURL({roomID: 11, userID: 'one'}))

  await r2.pusherUserList(['x', 'y'])
  assert.deepEqual(R.shownPlayers(r1), {})
  assert.deepEqual(R.shownPlayers(r2), {0: 'x', 1: 'y'})
  await r1.pusherUserList(['p'])
  assert.deepEqual(R.shownPlayers(r1), {0: 'p'})
  assert.deepEqual(R.shownPlayers(r2), {0: 'x', 1: 'y'})

  await r1.pusherState(-1307, 'push lost')
  assert.deepEqual(r1.errorEvents().map((e) => e.code), [-6])
  assert.deepEqual(r2.errorEvents(), [])
  assert.equal(r1.pusher().url, '')
  assert.match(r2.pusher().url, /roomsig=/)
  assert.deepEqual(R.shownPlayers(r2), {0: 'x', 1: 'y'})
  assert.ok(r1.pusherCalls().includes('stop'))
  assert.ok(!r2.pusherCalls().includes('stop'), 'room 2 pusher untouched')
})

test('detached mid-request: the request is aborted and a late reply changes nothing', async () => {
  const page = env.renderPage({props: {template: 'grid'}})
  await env.waitForCore()
  await page.start({...R.BASE})
  const req = R.theSigRequest()
  const inst = page.room.instance
  const calls = inst.__wxenv.setData
  page.detach()
  await env.flush()
  assert.equal(req.aborted, true, 'RequestTask.abort() was called')
  const setDataBefore = calls.length
  const eventsBefore = page.events.length
  assert.equal(await req.respond({data: R.SIG_REPLY}), false, 'the runtime drops answers of aborted requests')
  // and even if a (non-conforming) runtime delivered it, the component would have to ignore it:
  req.options.success && req.options.success({statusCode: 200, data: R.SIG_REPLY, errMsg: 'request:ok'})
  await env.flush()
  assert.equal(calls.length, setDataBefore, 'no setData after detach')
  assert.equal(page.events.length, eventsBefore, 'no events after detach')
  assert.equal(env.requests.length, 1, 'no new request')
  assert.deepEqual(env.contextCalls.filter((c) => c.method === 'start'), [])
})

test('detached while the core is still loading: nothing happens afterwards', async () => {
  const page = env.renderPage({props: {template: 'grid', ...R.BASE}})
  page.room.instance.start()
  page.detach()
  await env.waitForCore()
  await env.sleep(20)
  assert.equal(env.requests.length, 0)
  assert.deepEqual(page.events, [])
})

test('userSig and privateMapKey never reach a log line unless debug is on', async () => {
  const secretSig = 'SECRET-SIG-1f2e3d'
  const secretKey = 'SECRET-PMK-9a8b7c'
  mock.timers.enable({apis: ['setTimeout']})
  const page = env.renderPage({props: {template: 'grid'}})
  await env.waitForCore()
  await page.start({...R.BASE, userSig: secretSig, privateMapKey: secretKey})
  await R.theSigRequest().fail('request:fail timeout')
  mock.timers.tick(1000)
  await env.flush()
  await R.theSigRequest().respond({statusCode: 200, data: {RspHead: {ErrorCode: 1}, RspBody: {}}})
  await page.room.pusherState(-1307)
  const leaked = env.logs.filter((l) => l.text.includes(secretSig) || l.text.includes(secretKey))
  assert.deepEqual(leaked.map((l) => l.text), [])
  // the events a page sees must not carry them either
  assert.ok(!JSON.stringify(page.events).includes(secretSig))
  assert.ok(!JSON.stringify(page.events).includes(secretKey))
})
