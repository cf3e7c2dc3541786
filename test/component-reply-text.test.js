'use strict'
// Request answers cross into the core as raw text: the shim asks wx.request for dataType 'text'
// and hands the body over unparsed ('<id> <status> <body>', docs/core-protocol.md). Good, malformed
// and oversized bodies through the real component: each gives a defined IMEvent and the
// component carries on.

const {test, afterEach} = require('node:test')
const assert = require('node:assert/strict')
const env = require('./support/wechat-env')
const R = require('./support/room')

afterEach(async () => {
  const errors = env.errors.slice()
  await env.cleanup()
  assert.deepEqual(errors.map(String), [], 'component code threw inside the framework')
})

const {imLoginPending: loginPending, loginEvents} = R

test('wx.request is asked for text and the core parses the body itself', async () => {
  const {page, login} = await loginPending()
  assert.equal(login.dataType, 'text')
  await login.respond({data: '{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":"","TinyId":144115212345678901,"A2Key":"a2 张三 😀"}'})
  assert.deepEqual(loginEvents(page), [], 'no failure')
  // the session tokens came through intact: the next call (the profile) carries them
  const [next] = env.pendingRequests('/portrait_get')
  assert.ok(next.url.includes('tinyid=144115212345678901&'), next.url)
  assert.ok(next.url.includes(`a2=${encodeURIComponent('a2 张三 😀')}`), next.url)
})

test('a runtime that parses the body anyway still delivers it', async () => {
  const {page, login} = await loginPending()
  login.dataType = 'json' // the stand-in then hands an object, as a runtime ignoring dataType would
  await login.respond({data: '{"ActionStatus":"OK","ErrorCode":0,"TinyId":7,"A2Key":"k"}'})
  assert.deepEqual(loginEvents(page), [], 'no failure')
  assert.ok(env.pendingRequests('/portrait_get')[0].url.includes('tinyid=7&'))
})

for (const [what, body, info] of [
  ['malformed', '{"ActionStatus":"OK",', 'HTTP 200 without a JSON body'],
  ['empty', '', 'HTTP 200 without a JSON body'],
  ['oversized', `{"ActionStatus":"OK","TinyId":1,"A2Key":"${'x'.repeat(1 << 20)}"}`, 'over 1 MiB'],
]) {
  test(`a ${what} body is a defined IM error and the component lives on`, async () => {
    const {page, login} = await loginPending()
    await login.respond({data: body})
    const [event] = loginEvents(page)
    assert.equal(event.code, -2)
    assert.ok(event.detail.ErrorInfo.includes(info), event.detail.ErrorInfo)
    // still answering: stop() and a fresh start() log in again
    await page.room.call('stop')
    await page.room.call('start')
    const again = env.pendingRequests('/v4/openim/login')
    assert.equal(again.length, 1)
    await again[0].respond({data: '{"ActionStatus":"OK","ErrorCode":0,"TinyId":2,"A2Key":"k"}'})
    assert.deepEqual(loginEvents(page).map((d) => d.code), [-2], 'no second failure')
    assert.ok(env.pendingRequests('/portrait_get')[0].url.includes('tinyid=2&'))
  })
}
