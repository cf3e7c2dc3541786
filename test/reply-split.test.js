'use strict'
// A request's answer that came as bytes crosses as [body, header]: the glue copies the body's
// bytes and then the ASCII '<id> <status>' into the wasm memory as one run, and handle()'s third
// argument (the body's length + 1) tells the core where the header starts, so that it keeps the
// body where it lies (docs/core-protocol.md). Through the shipped glue and core in a realm
// without TextEncoder/TextDecoder: that form gives exactly the outputs of the text form
// '<id> <status> <body>' for good, malformed, non-UTF-8, empty and oversized bodies; a header the
// core cannot read is a bad input and the request stays pending.

const test = require('node:test')
const assert = require('node:assert/strict')
const { loadInWeChatLikeRealm, WASM_PATH } = require('./support/core-realm')

const PROPS = JSON.stringify({ props: { roomID: 1234, userID: 'u-self', userSig: 'sig', sdkAppID: 1400000000, enableIM: true } })
const bytes = (...parts) => Uint8Array.from(Buffer.concat(parts.map((p) => Buffer.from(p))))
const ascii = (s) => Uint8Array.from(Buffer.from(s))

// Two instances in the same state: started, their login request pending (the same id).
async function twoRooms () {
  const glue = loadInWeChatLikeRealm()
  const rooms = await Promise.all([glue.load(WASM_PATH), glue.load(WASM_PATH)])
  let id
  for (const room of rooms) {
    room.handle(1, PROPS)
    const out = JSON.parse(room.handle(1, '{"call":"start"}'))
    id = out.ops.find((op) => op.request && op.request.url.includes('/openim/login')).request.id
  }
  return { rooms, id }
}

const loginEvent = (out) => (out.events || []).map((e) => e.detail).find((d) => d.tag === 'login_event')
const loggedIn = (out) => (out.ops || []).some((op) => op.request && op.request.url.includes('/profile/portrait_get?'))

const LOGIN_OK = '{"ActionStatus":"OK","ErrorCode":0,"TinyId":144115212345678901,"A2Key":"'
const BODIES = [
  ['good, CJK and emoji in a token', bytes(LOGIN_OK, 'a2 张三 😀"}'), (out) => loggedIn(out)],
  ['malformed', bytes('{"ActionStatus":"OK",'), (out) => /without a JSON body/.test(loginEvent(out).detail.ErrorInfo)],
  ['empty', bytes(''), (out) => /without a JSON body/.test(loginEvent(out).detail.ErrorInfo)],
  ['not UTF-8', bytes(LOGIN_OK, [0xe4, 0xb8], '"}'), (out) => /not UTF-8/.test(loginEvent(out).detail.ErrorInfo)],
  ['cut inside its last character', bytes(LOGIN_OK, '"}', [0xf0, 0x9f, 0x98]), (out) => /not UTF-8/.test(loginEvent(out).detail.ErrorInfo)],
  ['over 1 MiB', bytes(LOGIN_OK, 'x'.repeat(1 << 20), '"}'), (out) => /over 1 MiB/.test(loginEvent(out).detail.ErrorInfo)],
]

for (const [what, body, check] of BODIES) {
  test(`a body that is ${what}: [body, header] gives the outputs of '<id> <status> <body>'`, async () => {
    const { rooms: [split, text], id } = await twoRooms()
    for (const status of [200, 502]) {
      const bySplit = split.handle(2, [body, ascii(`${id} ${status}`)], body.length + 1)
      const byText = text.handle(2, bytes(`${id} ${status} `, body))
      assert.equal(bySplit, byText)
      if (status === 200) assert.ok(check(JSON.parse(bySplit)), bySplit.slice(0, 300))
    }
  })
}

test('a header the core cannot read is a bad input; the request stays pending', async () => {
  const { rooms: [room], id } = await twoRooms()
  const body = bytes(LOGIN_OK, 'k"}')
  for (const [header, at] of [
    ['', body.length + 1], // no header
    [`${id}`, body.length + 1], // no status
    [`x 200`, body.length + 1],
    [`${id} 2x`, body.length + 1],
    ['4294967296 200', body.length + 1],
    [`${id} 200`, body.length + 100], // past the end of the input
  ]) {
    const out = JSON.parse(room.handle(2, [body, ascii(header)], at))
    assert.equal(out.events[0].detail.tag, 'warning', `${header} at ${at}: ${JSON.stringify(out)}`)
    assert.equal(out.events[0].detail.code, -1)
  }
  const out = JSON.parse(room.handle(2, [body, bytes(`${id} `, [0xff])], body.length + 1))
  assert.equal(out.events[0].detail.tag, 'warning', 'a header that is not UTF-8')
  assert.ok(loggedIn(JSON.parse(room.handle(3, [body, ascii(`${id} 200`)], body.length + 1))), 'the login was still pending')
})

test('the third argument 0 (or left out) is the plain form: JSON text, or text and bytes with the header first', async () => {
  const { rooms: [a, b], id } = await twoRooms()
  assert.equal(a.handle(2, '{"call":"nope"}', 0), b.handle(2, '{"call":"nope"}'))
  assert.ok(loggedIn(JSON.parse(a.handle(3, bytes(`${id} 200 `, LOGIN_OK, 'k"}'), 0))))
})
