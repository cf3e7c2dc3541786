'use strict'
// Request answers cross into the core as bytes: the shim asks wx.request for responseType
// 'arraybuffer' and hands the core's handle() one Uint8Array, the ASCII header '<id> <status> '
// and the body's bytes, which the core checks as UTF-8 and parses (docs/core-protocol.md); a body
// that is not UTF-8 is a failed request. Good, invalid, malformed and oversized bodies through the
// real component; a runtime that ignores responseType still gets through as text.

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
const core = () => env.wasm.records[env.wasm.records.length - 1]
// The lengths of the texts the glue UTF-8-encodes (the WeChat-like runtime has no TextEncoder, so
// its own encoder, room.js's utf8.encode, does it): a body as bytes never meets it, only the
// shim's short header does.
const encoded = []
function watchEncoding() {
  encoded.length = 0
  for (const m of Object.values(require.cache)) {
    const utf8 = m.filename.endsWith('/core/room.js') && m.exports.utf8
    if (!utf8 || utf8.encode.watched) continue
    const encode = utf8.encode
    utf8.encode = Object.assign((s) => { encoded.push(s.length); return encode(s) }, {watched: true})
  }
}
const longestEncoded = () => Math.max(0, ...encoded)
const bytesOf = (...parts) => {
  const b = Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : Buffer.from(p))))
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.length)
}
const LOGIN_OK = '{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":"","TinyId":144115212345678901,"A2Key":"'

test('wx.request is asked for the body as an ArrayBuffer, and for text by a runtime that ignores that', async () => {
  const {login} = await loginPending()
  assert.equal(login.options.responseType, 'arraybuffer')
  assert.equal(login.dataType, 'text')
})

test('a reply as bytes goes through handle() without text coding and logs in; CJK and emoji in a token survive', async () => {
  const {page, login} = await loginPending()
  const handled = core().calls.handle
  watchEncoding()
  await login.respond({data: bytesOf(LOGIN_OK + 'a2 张三 😀"}')})
  assert.equal(core().calls.handle, handled + 1, 'one input')
  assert.ok(encoded.length > 0 && longestEncoded() < 16, `only the header was encoded in JS (${encoded})`)
  assert.deepEqual(loginEvents(page), [], 'no failure')
  const [next] = env.pendingRequests('/portrait_get')
  assert.ok(next.url.includes('tinyid=144115212345678901&'), next.url)
  assert.ok(next.url.includes(`a2=${encodeURIComponent('a2 张三 😀')}&`), next.url)
})


// still answering: stop() and a fresh start() log in again
async function livesOn(page, failures) {
  await page.room.call('stop')
  await page.room.call('start')
  const again = env.pendingRequests('/v4/openim/login')
  assert.equal(again.length, 1)
  await again[0].respond({data: '{"ActionStatus":"OK","ErrorCode":0,"TinyId":2,"A2Key":"k"}'})
  assert.deepEqual(loginEvents(page).map((d) => d.code), failures, 'no further failure')
  assert.ok(env.pendingRequests('/portrait_get')[0].url.includes('tinyid=2&'))
}

for (const [what, body, info] of [
  // in a token: a lone continuation byte, a cut 3-byte sequence, an encoded surrogate, 0xFF
  ['not UTF-8 in one token', bytesOf(LOGIN_OK + 'a', [0x80], 'b', [0xe4, 0xb8], 'c', [0xed, 0xa0, 0x80], 'd', [0xff], '"}'), 'not UTF-8'],
  ['not UTF-8 and not JSON', bytesOf([0xff, 0xfe, 0x7b, 0x00, 0xc0, 0xaf]), 'not UTF-8'],
  ['cut inside its last character', bytesOf(LOGIN_OK + '"}', [0xf0, 0x9f, 0x98]), 'not UTF-8'],
  ['malformed', bytesOf('{"ActionStatus":"OK",'), 'HTTP 200 without a JSON body'],
  ['empty', new ArrayBuffer(0), 'HTTP 200 without a JSON body'],
  ['over 1 MiB', bytesOf(LOGIN_OK, 'x'.repeat(1 << 20), '"}'), 'over 1 MiB'],
]) {
  test(`a body as bytes that is ${what} is a defined IM error and the component lives on`, async () => {
    const {page, login} = await loginPending()
    await login.respond({data: body})
    const [event] = loginEvents(page)
    assert.equal(event.code, -2)
    assert.ok(event.detail.ErrorInfo.includes(info), event.detail.ErrorInfo)
    await livesOn(page, [-2])
  })
}

// As for text: the limit counts the whole input, header and body (MAX_INPUT, in bytes here), so a
// body of exactly 1 MiB is over it with its header; one 16 bytes shorter (more than a header) is read.
test('a body of 1 MiB never enters the wasm memory (with its header it is over 1 MiB); one just under is read', async () => {
  const {page, login} = await loginPending()
  const memory = () => core().realInstance.exports.memory.buffer.byteLength
  const before = memory()
  const handled = core().calls.handle
  await login.respond({data: new ArrayBuffer(1 << 20)})
  assert.equal(core().calls.handle, handled + 1, 'one input: the oversize note')
  assert.equal(memory(), before, 'the memory did not grow for it')
  const [event] = loginEvents(page)
  assert.ok(event.detail.ErrorInfo.includes('over 1 MiB'), event.detail.ErrorInfo)
  await page.room.call('stop')
  await page.room.call('start')
  const [again] = env.pendingRequests('/v4/openim/login')
  const pad = (1 << 20) - 16 - Buffer.byteLength(LOGIN_OK + '"}')
  const body = bytesOf(LOGIN_OK, 'x'.repeat(pad), '"}')
  await again.respond({data: body})
  assert.equal(loginEvents(page).length, 1, 'no second failure')
  assert.ok(env.pendingRequests('/portrait_get')[0].url.includes('tinyid=144115212345678901&'))
})

test('a runtime that ignores responseType hands text, or parses it: both still log in', async () => {
  for (const dataType of ['text', 'json']) {
    const {page, login} = await loginPending()
    login.responseType = 'text' // the stand-in then hands text (or, for json, the parsed object)
    login.dataType = dataType
    watchEncoding()
    await login.respond({data: LOGIN_OK + 'k 张三"}'})
    assert.ok(longestEncoded() > LOGIN_OK.length, 'the body went in as text')
    assert.deepEqual(loginEvents(page), [], 'no failure')
    assert.ok(env.pendingRequests('/portrait_get')[0].url.includes(`a2=${encodeURIComponent('k 张三')}&`))
    await env.cleanup()
  }
})

test('a trap on a reply as bytes is recovered as any: -11, a fresh core, a new start() logs in', async () => {
  const {page, login} = await loginPending()
  const first = core()
  first.trapNext('handle')
  await login.respond({data: bytesOf(LOGIN_OK + 'k"}')})
  assert.equal(first.trapsFired, 1)
  const [error] = page.room.errorEvents()
  assert.equal(error.code, -11)
  assert.match(error.detail, /restarted/)
  await env.waitForCore()
  assert.notEqual(core(), first, 'a fresh instance')
  await page.room.call('start')
  await theSigReply()
  const [again] = env.pendingRequests('/v4/openim/login')
  await again.respond({data: bytesOf(LOGIN_OK + 'k2"}')})
  assert.ok(env.pendingRequests('/portrait_get')[0].url.includes('a2=k2&'))
})

async function theSigReply() {
  for (const r of R.pendingSig()) await r.respond({statusCode: 200, data: R.SIG_REPLY})
}

test('a big-group batch as bytes reaches big_group_msg_notify intact', async () => {
  const page = await R.imOnlineThenManual()
  const [poll] = env.pendingRequests('/get_msg')
  assert.ok(poll, 'the big-group poll is out')
  assert.equal(poll.options.responseType, 'arraybuffer')
  const texts = ['你好 😀', 'plain', '\u00e9\u0301 \ud83d\udc4d\ud83c\udffd']
  const items = texts.map((Text, i) => ({
    Event: 3, From_Account: `user${i}`, ToGroupId: '1234', MsgSeq: 1 + i, MsgRandom: 7 + i,
    MsgTimeStamp: 1700000000 + i, MsgPriority: 'COMMON', IsPlaceMsg: 0,
    GroupInfo: {GroupName: '1234', From_AccountNick: `观众${i}`},
    MsgBody: [{MsgType: 'TIMTextElem', MsgContent: {Text}}],
  }))
  const batch = {ActionStatus: 'OK', ErrorCode: 0, ErrorInfo: '', NextSeq: 4, HoldTime: 90, Key: 'key-4', RspMsgList: items}
  watchEncoding()
  await poll.respond({data: env.arrayBufferOf(JSON.stringify(batch))})
  assert.ok(encoded.length > 0 && longestEncoded() < 16, `the batch went in as bytes (encoded in JS: ${encoded})`)
  const got = page.room.events.filter((e) => e.name === 'IMEvent' && e.detail.tag === 'big_group_msg_notify')
    .flatMap((e) => e.detail.detail).sort((a, b) => a.getSeq() - b.getSeq()) // (webim hands the newest first)
  assert.deepEqual(got.map((m) => m.getElems()[0].getContent().getText()), texts)
  assert.deepEqual(got.map((m) => m.getFromAccountNick()), ['观众0', '观众1', '观众2'])
})
