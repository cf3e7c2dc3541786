'use strict'
// Hostile input (issue 10): the nine wrong outcomes a hostile-input run found, each reproduced
// first, then the bad-input table: every case asserts the outcome a page author would expect and
// that the same component can still enter a room afterwards.

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

const MB5 = 'x'.repeat(5 * 1024 * 1024)

async function tick(ms) {
  mock.timers.tick(ms)
  await env.flush()
}

// RoomEvent details of `room` from index `from` on, optionally of one tag.
function eventsOf(room, from = 0, tag) {
  return room.roomEvents().slice(from).filter((d) => !tag || d.tag === tag)
}
function texts(details) {
  return details.map((d) => R.detailText(d.detail))
}
function warnings(room, from) { return texts(eventsOf(room, from, 'warning')) }

async function freshPage(props = {}, opts = {}) {
  mock.timers.enable({apis: ['setTimeout']})
  const page = env.renderPage({props, ...opts})
  await env.waitForCore()
  return page
}

// Enters with the test props and the signature reply; resolves when entered.
async function enterRoom(room, props = {}) {
  await room.start({...R.BASE, ...props})
  const sig = R.theSigRequest()
  await sig.respond({data: R.SIG_REPLY})
  await room.pusherState(1002, 'push started')
  await room.pusherState(1018, 'entered room')
  return sig
}

// The same component enters a room with valid properties: a signature request for this user,
// the pusher gets the room's URL, RoomEvent enter_room.
async function assertCanEnter(room, what) {
  const from = room.roomEvents().length
  await enterRoom(room)
  assert.equal(room.pusher().url, R.pusherURL(), `${what}: the pusher has the room's URL afterwards`)
  const entered = eventsOf(room, from).filter((d) => d.tag === 'enter_room')
  assert.equal(entered.length, 1, `${what}: enter_room afterwards (${JSON.stringify(eventsOf(room, from))})`)
  assert.deepEqual(eventsOf(room, from, 'error'), [], `${what}: no error while entering afterwards`)
}

// A 1020 message; ids that encodeURIComponent refuses (lone surrogates) get a fixed play URL.
function memberList(entries) {
  const url = (id) => { try { return R.playURL(id) } catch (e) { return 'room://cloud.tencent.com?userid=x' } }
  return JSON.stringify({userlist: entries.map(([userid, playurl = url(userid)]) => ({userid, playurl}))})
}

function cbs() {
  const calls = []
  return {calls, succ: (...args) => calls.push({ok: true, args}), fail: (...args) => calls.push({ok: false, args})}
}

function wasmMemoryBytes() {
  const recs = env.wasm.records.filter((r) => r.realInstance)
  return recs[recs.length - 1].realInstance.exports.memory.buffer.byteLength
}

// ----- the nine wrong outcomes, reproduced -----

for (const [key, bad] of [['roomID', -5], ['sdkAppID', -1]]) {
  test(`1. ${key} ${bad} at first render: a warning names it, the other properties still count, and start() enters once it is fixed`, async () => {
    const page = await freshPage({...R.BASE, [key]: bad})
    const room = page.room
    assert.ok(warnings(room).some((w) => w.includes(`property ${key}: ${bad} `)), JSON.stringify(warnings(room)))
    await room.call('start')
    const refused = eventsOf(room, 0, 'error')
    assert.deepEqual(refused.map((e) => e.code), [-9])
    assert.match(R.detailText(refused[0].detail), new RegExp(`start\\(\\): ${key} not set`), 'only the bad one is missing')
    await assertCanEnter(room, `after fixing ${key}`)
    assert.equal(R.sigRequests().pop().query.identifier, R.BASE.userID, 'userID from the first render reached the core')
  })
}

for (const bad of [-5, 12.5, 4294967295, 4294967296]) {
  test(`2. roomID 1234 changed to ${bad}: a warning, and start() refuses instead of entering room 1234`, async () => {
    const page = await freshPage({...R.BASE})
    const room = page.room
    await room.setProps({roomID: bad})
    assert.ok(warnings(room).some((w) => w.includes(`property roomID: ${bad} is not a whole number 1 … 4294967294`)), JSON.stringify(warnings(room)))
    await room.call('start')
    assert.deepEqual(eventsOf(room, 0, 'error').map((e) => e.code), [-9])
    assert.equal(R.sigRequests().length, 0, 'no signature request for any room')
    await assertCanEnter(room, 'after a valid roomID')
  })
}

test('2. roomID 4294967294 (the highest) enters that room without a warning', async () => {
  const page = await freshPage()
  await enterRoom(page.room, {roomID: 4294967294})
  assert.deepEqual(warnings(page.room), [])
  assert.equal(page.room.pusher().url, R.pusherURL({roomID: 4294967294}))
})

test('3. an unknown template shows the float layout the warning names (pusher and three seats)', async () => {
  const page = await freshPage({template: 'garbage'})
  const room = page.room
  assert.ok(warnings(room).some((w) => w.includes("unknown template 'garbage'") && w.includes('showing float')))
  assert.equal(room.data.template, 'float', 'the property now says what is shown')
  assert.equal(room.pusherNodes().length, 1, 'a pusher is rendered')
  await assertCanEnter(room, 'unknown template')
  await room.pusherUserList(['a', 'b', 'c'])
  assert.deepEqual(R.shownPlayers(room), {0: 'a', 1: 'b', 2: 'c'})
})

test('4. send methods called after detach get their one fail(-4) callback', async () => {
  const page = await freshPage({enableIM: true})
  const inst = page.room.instance
  page.detach()
  const results = []
  for (const [method, args] of [['sendC2CTextMsg', ['b', 'hi']], ['sendC2CCustomMsg', ['b', {data: 'd'}]],
    ['sendGroupTextMsg', ['hi']], ['sendGroupCustomMsg', [{data: 'd'}]]]) {
    const c = cbs()
    inst[method](...args, c.succ, c.fail)
    await env.flush()
    results.push([method, c.calls.map((x) => [x.ok, x.args[0]])])
  }
  assert.deepEqual(results.map((r) => r[1]), [[[false, -4]], [[false, -4]], [[false, -4]], [[false, -4]]], JSON.stringify(results))
})

test('5. player -2301 frees the seat with member_leave; a later list seats the user again with member_join', async () => {
  const page = await freshPage()
  const room = page.room
  await enterRoom(room)
  await room.pusherUserList(['a', 'b'])
  const from = room.roomEvents().length
  await room.playerState('a', -2301)
  assert.deepEqual(eventsOf(room, from).map((d) => [d.tag, d.detail && d.detail.userID]), [['member_leave', 'a']])
  assert.deepEqual(R.seats(room), ['', 'b', ''])
  await room.pusherUserList(['a', 'b'])
  assert.deepEqual(eventsOf(room, from).map((d) => [d.tag, d.detail && d.detail.userID]), [['member_leave', 'a'], ['member_join', 'a']])
  await room.setProps({template: 'float'})
  await room.pusherUserList(['b'])
  assert.deepEqual(eventsOf(room, from).filter((d) => d.tag === 'member_join').length, 1, 'joins and leaves stay paired')
  await assertCanEnter(room, 'after -2301')
})

test('6. ids with lone surrogates are refused with a warning, never merged; other ids cross exactly', async () => {
  const page = await freshPage()
  const room = page.room
  await enterRoom(room)
  const exact = ['张三', '😀👍🏽', 'a&b=c#d?e/f%+']
  await room.pusherState(1020, memberList([['\ud800'], ['\udbff'], ...exact.map((u) => [u])]))
  assert.deepEqual(R.seats(room), exact, 'the lone-surrogate ids are not seated, the others are, exactly')
  for (const [slot, user] of exact.entries()) assert.equal(room.player(slot).$dataset.user, user)
  assert.ok(warnings(room).some((w) => w.includes('lone UTF-16 surrogate')), JSON.stringify(warnings(room)))
  // userID itself
  await room.setProps({userID: 'x\udc00'})
  assert.ok(warnings(room).some((w) => w.includes('property userID: it has a lone UTF-16 surrogate')))
  await room.call('start')
  assert.match(R.detailText(eventsOf(room, 0, 'error').pop().detail), /userID not set/)
  // enableVideo for an altered id: a warning, nobody's video changes
  const before = room.playerCalls().length
  await room.call('enableVideo', false, '\ud800')
  assert.equal(room.playerCalls().length, before)
  await assertCanEnter(room, 'after surrogates')
})

test('7. play URLs not of the room\'s service never reach <live-player>', async () => {
  const page = await freshPage()
  const room = page.room
  await enterRoom(room)
  await room.pusherState(1020, memberList([['x', 'javascript:alert(1)'], ['y', 'https://evil.example/x.flv'],
    ['z', 'room://evil.example?userid=z'], ['w', 'room://cloud.tencent.com@evil.example/w'], ['ok']]))
  assert.deepEqual(R.seats(room), ['ok', '', ''])
  assert.deepEqual(room.activePlayers().map((p) => p.src), [R.playURL('ok')])
  const w = warnings(room).join('\n')
  for (const user of ['x', 'y', 'z', 'w']) assert.ok(w.includes(`"userid":"${user}"`), `${user} named in ${w}`)
  assert.match(w, /playurl not room:\/\/ or rtmp:\/\/ of cloud\.tencent\.com/)
  await assertCanEnter(room, 'after bad play URLs')
})

test('8. a 5 MB reply never enters the wasm memory and is a defined failure (-9 after the retry)', async () => {
  const page = await freshPage()
  const room = page.room
  await room.start({...R.BASE})
  const before = wasmMemoryBytes()
  await R.theSigRequest().respond({data: MB5})
  await tick(1000)
  await R.theSigRequest().respond({data: {RspHead: {ErrorCode: 0}, RspBody: {pad: MB5}}})
  const errs = eventsOf(room, 0, 'error')
  assert.deepEqual(errs.map((e) => e.code), [-9])
  assert.match(R.detailText(errs[0].detail), /over 1 MiB/)
  assert.ok(wasmMemoryBytes() - before < 1024 * 1024, `wasm memory grew by ${wasmMemoryBytes() - before} bytes`)
  await assertCanEnter(room, 'after 5 MB replies')
})

test('8. a reply just under the bound is read, and the wasm memory stays bounded', async () => {
  const page = await freshPage()
  const room = page.room
  await room.start({...R.BASE})
  const before = wasmMemoryBytes()
  // Near-worst shape for the parser: many tiny values.
  await R.theSigRequest().respond({data: {RspHead: {ErrorCode: 0}, RspBody: {a: new Array(130000).fill(0)}}})
  assert.ok(room.pusher().url.startsWith('room://cloud.tencent.com?'), 'the reply was read')
  const grown = wasmMemoryBytes() - before
  assert.ok(grown < 16 * 1024 * 1024, `wasm memory grew by ${grown} bytes`)
})

test('9. out-of-range pusher settings are clamped or fall back, with a warning saying to what', async () => {
  const page = await freshPage({beauty: 99, whiteness: -3, minBitrate: 900, maxBitrate: 400, aspect: 'garbage'}, {})
  const room = page.room
  const pusher = room.pusher()
  assert.deepEqual([pusher.beauty, pusher.whiteness, pusher.aspect, pusher.minBitrate, pusher.maxBitrate], [9, 0, '3:4', 400, 400])
  const w = warnings(room).join('\n')
  assert.match(w, /property beauty: 99 is not a whole number 0 … 9; it is set to 9/)
  assert.match(w, /property whiteness: -3 is not a whole number 0 … 9; it is set to 0/)
  assert.match(w, /property aspect: "garbage" is not '3:4' or '9:16'; it is set to '3:4'/)
  assert.match(w, /property minBitrate: 900 is above maxBitrate 400; it is set to 400/)
  await assertCanEnter(room, 'after clamped settings')
  assert.ok(room.setDataCalls.length > 0)
})

test('9. valid pusher settings pass unchanged and cost no setData', async () => {
  const page = await freshPage({beauty: 5, whiteness: 9, minBitrate: 300, maxBitrate: 900, aspect: '9:16'})
  const room = page.room
  assert.deepEqual(warnings(room), [])
  const pusher = room.pusher()
  assert.deepEqual([pusher.beauty, pusher.whiteness, pusher.aspect, pusher.minBitrate, pusher.maxBitrate], [5, 9, '9:16', 300, 900])
  assert.equal(room.setDataCalls.length, 0, 'the core wrote nothing back')
})

// ----- the bad-input table -----
//
// family, name, optional props at render, whether to enter first, what to do, what must hold.
// `ctx` = {page, room, from (event index before `act`), calls}.

const SIG_BAD = {
  'HTTP 500': (req) => req.respond({statusCode: 500, data: {}}),
  'not JSON': (req) => req.respond({data: 'oops <html>'}),
  'missing RspHead': (req) => req.respond({data: {RspBody: {}}}),
  'missing RspBody': (req) => req.respond({data: {RspHead: {ErrorCode: 0}}}),
  'RspHead.ErrorCode a string': (req) => req.respond({data: {RspHead: {ErrorCode: '0'}, RspBody: {}}}),
  'top-level ErrorCode 70001': (req) => req.respond({data: {ErrorCode: 70001, ErrorInfo: 'sig expired'}}),
  'RspHead.ErrorCode 10010': (req) => req.respond({data: {RspHead: {ErrorCode: 10010, ErrorInfo: 'x'}, RspBody: {}}}),
  'an array': (req) => req.respond({data: [1, 2]}),
  'null': (req) => req.respond({data: null}),
  'transport fail': (req) => req.fail('request:fail timeout'),
  'huge (5 MB)': (req) => req.respond({data: MB5}),
}

// Bound on the page (besides the integration guide's attributes) so property cases reach the component.
const EXTRA_ATTRS = ['whiteness', 'minBitrate', 'maxBitrate', 'aspect', 'pureAudioPushMod']
const CASES = []
function add(family, name, spec) { CASES.push({family, name, ...spec}) }

for (const [name, answer] of Object.entries(SIG_BAD)) {
  add('signature reply', `${name}, twice -> one retry, then -9 naming the reason`, {
    async act({room}) {
      await room.start({...R.BASE})
      await answer(R.theSigRequest())
      await tick(1000)
      await answer(R.theSigRequest())
    },
    check({room, from}) {
      const errs = eventsOf(room, from, 'error')
      assert.deepEqual(errs.map((e) => e.code), [-9])
      assert.match(R.detailText(errs[0].detail), /room signature request failed twice: ./)
      assert.equal(room.pusher().url, '')
    },
  })
}
add('signature reply', 'bad once, then good -> enters without an error', {
  async act({room}) {
    await room.start({...R.BASE})
    await SIG_BAD['not JSON'](R.theSigRequest())
    await tick(1000)
    await R.theSigRequest().respond({data: R.SIG_REPLY})
  },
  check({room, from}) {
    assert.equal(room.pusher().url, R.pusherURL())
    assert.deepEqual(eventsOf(room, from, 'error'), [])
  },
})
add('signature reply', 'late, after exitRoom() -> ignored, nothing entered', {
  async act({room, ctx}) {
    await room.start({...R.BASE})
    ctx.req = R.theSigRequest()
    await room.call('exitRoom')
    await ctx.req.respond({data: R.SIG_REPLY})
  },
  check({room, from, ctx}) {
    assert.ok(ctx.req.aborted, 'the request was aborted')
    assert.equal(room.pusher().url, '')
    assert.deepEqual(eventsOf(room, from), [])
  },
})
add('signature reply', 'after stop() while waiting to retry -> no retry, no error', {
  async act({room}) {
    await room.start({...R.BASE})
    await SIG_BAD['HTTP 500'](R.theSigRequest())
    await room.call('stop')
    await tick(5000)
  },
  check({room, from}) {
    assert.equal(R.sigRequests().length, 1)
    assert.deepEqual(eventsOf(room, from), [])
  },
})

// member lists, in a room (grid: 3 seats)
const LIST = (entries) => ({enter: true, async act({room}) { await room.pusherState(1020, typeof entries === 'string' ? entries : memberList(entries)) }})
function seatsAre(expected, warned) {
  return ({room, from}) => {
    assert.deepEqual(R.seats(room), expected)
    const w = warnings(room, from)
    if (warned) assert.ok(w.some((x) => warned.test(x)), `warning ${warned} in ${JSON.stringify(w)}`)
    else assert.deepEqual(w, [])
  }
}
add('member list', 'not JSON -> warning, seats unchanged', {...LIST('{oops'), check: seatsAre(['', '', ''], /ignored: message is not JSON/)})
add('member list', 'JSON but not an object -> warning', {...LIST('[1,2]'), check: seatsAre(['', '', ''], /no userlist array/)})
add('member list', 'userlist not a list -> warning', {...LIST('{"userlist":"a,b"}'), check: seatsAre(['', '', ''], /no userlist array/)})
add('member list', 'no message -> warning', {enter: true, async act({room}) { await room.pusherState(1020, null) }, check: seatsAre(['', '', ''], /no message/)})
add('member list', '20,000 users (over 1 MiB) -> not read, a warning says so, seats unchanged', {
  ...LIST(Array.from({length: 20000}, (_, i) => [`u${i}`])),
  check: seatsAre(['', '', ''], /the input is \d+ characters, over 1 MiB: not read/),
})
add('member list', '10,000 users -> three seated, -8 for the rest, only 1000 read', {
  ...LIST(Array.from({length: 10000}, (_, i) => [`u${i}`])),
  check({room, from}) {
    assert.deepEqual(R.seats(room), ['u0', 'u1', 'u2'])
    assert.deepEqual(eventsOf(room, from, 'error').map((e) => e.code), [-8])
    assert.ok(warnings(room, from).some((w) => /only the first 1000 of 10000 entries/.test(w)))
  },
})
add('member list', '2,000 users -> three seated, -8 for the rest, only 1000 read', {
  ...LIST(Array.from({length: 2000}, (_, i) => [`u${i}`])),
  check({room, from}) {
    assert.deepEqual(R.seats(room), ['u0', 'u1', 'u2'])
    assert.deepEqual(eventsOf(room, from, 'error').map((e) => e.code), [-8])
    assert.ok(warnings(room, from).some((w) => /only the first 1000 of 2000 entries/.test(w)))
  },
})
add('member list', 'duplicates -> seated once', {...LIST([['a'], ['a'], ['b'], ['a']]), check: seatsAre(['a', 'b', ''])})
add('member list', 'empty id -> skipped with a warning', {...LIST([[''], ['b']]), check: seatsAre(['b', '', ''], /no userid or playurl/)})
add('member list', 'huge id (10,000 chars) -> seated exactly', {...LIST([['h'.repeat(10000)]]), check: seatsAre(['h'.repeat(10000), '', ''])})
add('member list', 'reserved characters -> seated exactly', {...LIST([['a&b=c#d?e/f%+ "\'<>']]), check: seatsAre(['a&b=c#d?e/f%+ "\'<>', '', ''])})
add('member list', 'CJK id -> seated exactly', {...LIST([['张三李四']]), check: seatsAre(['张三李四', '', ''])})
add('member list', 'emoji id -> seated exactly', {...LIST([['😀👍🏽🇨🇳']]), check: seatsAre(['😀👍🏽🇨🇳', '', ''])})
add('member list', 'NUL in an id -> seated exactly', {...LIST([['a\u0000b']]), check: seatsAre(['a\u0000b', '', ''])})
add('member list', 'lone high surrogate id -> skipped with a warning', {...LIST([['\ud800'], ['b']]), check: seatsAre(['b', '', ''], /lone UTF-16 surrogate/)})
add('member list', 'lone low surrogate id -> skipped with a warning', {...LIST([['a\udfff']]), check: seatsAre(['', '', ''], /lone UTF-16 surrogate/)})
add('member list', 'U+FFFD in an id -> skipped (it may be an altered id)', {...LIST([['\ufffd']]), check: seatsAre(['', '', ''], /U\+FFFD/)})
add('member list', 'the local user listed -> not seated', {...LIST([[R.BASE.userID], ['b']]), check: seatsAre(['b', '', ''])})
add('member list', 'javascript: play URL -> not played, warning', {...LIST([['x', 'javascript:alert(1)']]), check: seatsAre(['', '', ''], /playurl not room/)})
add('member list', 'https play URL of another host -> not played', {...LIST([['x', 'https://evil.example/x.flv']]), check: seatsAre(['', '', ''], /playurl not room/)})
add('member list', 'room:// of another host -> not played', {...LIST([['x', 'room://evil.example?u=x']]), check: seatsAre(['', '', ''], /playurl not room/)})
add('member list', 'room://cloud.tencent.com.evil.example -> not played', {...LIST([['x', 'room://cloud.tencent.com.evil.example/x']]), check: seatsAre(['', '', ''], /playurl not room/)})
add('member list', 'rtmp:// of the room\'s host -> played', {...LIST([['x', 'rtmp://cloud.tencent.com/live/x']]), check: seatsAre(['x', '', ''])})
add('member list', '8 bad entries -> one warning counting 8, naming the first 5', {
  ...LIST(Array.from({length: 8}, (_, i) => [`x${i}`, 'javascript:alert(1)'])),
  check({room, from}) {
    seatsAre(['', '', ''], /8 entries skipped/)({room, from})
    const w = warnings(room, from).join('\n')
    assert.ok(w.includes('"x4"') && !w.includes('"x5"'), w)
  },
})
add('member list', 'play URL with a space -> not played', {...LIST([['x', 'room://cloud.tencent.com?u=a b']]), check: seatsAre(['', '', ''], /playurl not room/)})
add('member list', 'play URL a number, entries null and strings -> skipped', {
  ...LIST('{"userlist":[{"userid":"x","playurl":5},null,"y",{"userid":"b","playurl":"' + R.playURL('b') + '"}]}'),
  check: seatsAre(['b', '', ''], /no userid or playurl/),
})
add('member list', 'before start() -> ignored', {
  async act({room}) {
    await room.pusherUserList(['a'])
  },
  check: seatsAre(['', '', '']),
})

// player events
add('player event', 'unknown user id -> nothing', {
  enter: true,
  async act({room}) {
    await room.pusherUserList(['a'])
    env.fireNative(room.playerNode('a'), 'statechange', {code: 2007})
    room.playerNode('a').dataset.user = 'ghost'
    await room.playerState(0, -2301)
    room.playerNode(0).dataset.user = 'a'
  },
  check({room, from}) {
    assert.deepEqual(R.seats(room), ['a', '', ''])
    assert.deepEqual(eventsOf(room, from).filter((d) => d.tag !== 'member_join'), [])
  },
})
add('player event', 'out-of-range slot -> nothing', {
  enter: true,
  async act({room}) {
    await room.pusherUserList(['a'])
    room.playerNode('a').dataset.slot = 7
    await room.playerState('a', -2301)
    room.playerNode('a').dataset.slot = 0
  },
  check({room}) { assert.deepEqual(R.seats(room), ['a', '', '']) },
})
add('player event', '-2301 of a seated member -> member_leave, seat free', {
  enter: true,
  async act({room}) { await room.pusherUserList(['a']); await room.playerState('a', -2301) },
  check({room, from}) {
    assert.deepEqual(R.seats(room), ['', '', ''])
    assert.deepEqual(eventsOf(room, from).map((d) => d.tag), ['member_join', 'member_leave'])
  },
})
add('player event', '2007 then 2004 -> loading shown, then hidden', {
  enter: true,
  async act({room, ctx}) {
    await room.pusherUserList(['a'])
    await room.playerState('a', 2007)
    ctx.loading = room.data.m[0].loading
    await room.playerState('a', 2004)
  },
  check({room, ctx}) {
    assert.equal(ctx.loading, true)
    assert.ok(!room.data.m[0].loading)
  },
})
add('player event', 'a code that is not a number -> warning', {
  enter: true,
  async act({room}) { await room.pusherUserList(['a']); await room.playerState('a', 'x') },
  check({room, from}) { assert.ok(warnings(room, from).some((w) => /player code: expected a whole number/.test(w))) },
})

// pusher events
add('pusher event', 'binderror 10001 -> -7', {enter: true, async act({room}) { await room.pusherError(10001, '') }, check({room, from}) { assert.deepEqual(eventsOf(room, from, 'error').map((e) => e.code), [-7]) }})
add('pusher event', 'binderror with legacy details -> -7', {enter: true, async act({room}) { await room.pusherError(10002, '', {legacyDetails: true}) }, check({room, from}) { assert.deepEqual(eventsOf(room, from, 'error').map((e) => e.code), [-7]) }})
add('pusher event', '1019 -> -10', {enter: true, async act({room}) { await room.pusherState(1019) }, check({room, from}) { assert.deepEqual(eventsOf(room, from, 'error').map((e) => e.code), [-10]) }})
add('pusher event', '-1307 -> -6 and the room is left', {enter: true, async act({room}) { await room.pusherState(-1307) }, check({room, from}) { assert.deepEqual(eventsOf(room, from, 'error').map((e) => e.code), [-6]); assert.equal(room.data.pushURL, '') }})
add('pusher event', 'unknown code 99999 -> nothing', {enter: true, async act({room}) { await room.pusherState(99999, 'x') }, check({room, from}) { assert.deepEqual(eventsOf(room, from), []) }})
add('pusher event', 'code a string -> warning', {enter: true, async act({room}) { await room.pusherState('abc') }, check({room, from}) { assert.ok(warnings(room, from).some((w) => /pusher code/.test(w))) }})

// properties at every bound
function propCase(name, props, {pusher, warned, start}) {
  add('property', name, {
    async act({room}) { await room.setProps(props) },
    async check({room, from}) {
      const w = warnings(room, from)
      if (warned) assert.ok(w.some((x) => warned.test(x)), `warning ${warned} in ${JSON.stringify(w)}`)
      else assert.deepEqual(w, [])
      if (pusher) {
        const p = room.pusher()
        for (const k of Object.keys(pusher)) assert.equal(p[k], pusher[k], k)
      }
      if (start) {
        await room.call('start')
        const errs = eventsOf(room, from, 'error')
        assert.deepEqual(errs.map((e) => e.code), [-9])
        assert.match(R.detailText(errs[0].detail), start)
      }
    },
  })
}
propCase('roomID 0 -> start() says roomID not set', {...R.BASE, roomID: 0}, {start: /roomID not set/})
propCase('roomID 1 -> no warning', {roomID: 1}, {})
propCase('roomID 4294967295 -> warning, start() refuses', {...R.BASE, roomID: 4294967295}, {warned: /roomID: 4294967295/, start: /roomID not set/})
propCase('roomID -5 -> warning, start() refuses', {...R.BASE, roomID: -5}, {warned: /roomID: -5/, start: /roomID not set/})
propCase('roomID 12.5 -> warning, start() refuses', {...R.BASE, roomID: 12.5}, {warned: /roomID: 12\.5/, start: /roomID not set/})
propCase('sdkAppID -1 -> warning, start() refuses', {...R.BASE, sdkAppID: -1}, {warned: /sdkAppID: -1/, start: /sdkAppID not set/})
propCase('userID empty -> start() says userID not set', {...R.BASE, userID: ''}, {start: /userID not set/})
propCase('userID with a lone surrogate -> warning, start() refuses', {...R.BASE, userID: '\ud83d'}, {warned: /userID: it has a lone/, start: /userID not set/})
propCase('beauty 9 -> 9, no warning', {beauty: 9}, {pusher: {beauty: 9}})
propCase('beauty 10 -> 9', {beauty: 10}, {pusher: {beauty: 9}, warned: /beauty: 10 .* set to 9/})
propCase('beauty -1 -> 0', {beauty: -1}, {pusher: {beauty: 0}, warned: /beauty: -1 .* set to 0/})
propCase('beauty 4.5 -> 0 (not whole)', {beauty: 4.5}, {pusher: {beauty: 0}, warned: /beauty: 4\.5 .* set to 0/})
propCase('whiteness 99 -> 9', {whiteness: 99}, {pusher: {whiteness: 9}, warned: /whiteness: 99 .* set to 9/})
add('property', 'minBitrate above maxBitrate, then start() -> minBitrate = maxBitrate, warning', {
  async act({room}) { await room.setProps({minBitrate: 900, maxBitrate: 400}); await room.start({...R.BASE}) },
  check({room, from}) {
    assert.deepEqual(warnings(room, from), ['property minBitrate: 900 is above maxBitrate 400; it is set to 400'])
    assert.deepEqual([room.pusher().minBitrate, room.pusher().maxBitrate], [400, 400])
  },
})
add('property', 'both bitrates raised in one setData -> no warning half-way', {
  async act({room}) { await room.setProps({minBitrate: 500, maxBitrate: 1000}); await room.start({...R.BASE}) },
  check({room, from}) {
    assert.deepEqual(warnings(room, from), [])
    assert.deepEqual([room.pusher().minBitrate, room.pusher().maxBitrate], [500, 1000])
  },
})
propCase('maxBitrate -5 -> 1', {maxBitrate: -5}, {pusher: {maxBitrate: 1}, warned: /maxBitrate: -5 .* set to 1/})
propCase('maxBitrate 0 (an unbound attribute) -> no warning', {maxBitrate: 0}, {})
propCase('minBitrate 1e9 -> 100000 clamped', {minBitrate: 1e9, maxBitrate: 100000}, {pusher: {minBitrate: 100000}, warned: /minBitrate: 1000000000 .* set to 100000/})
propCase('aspect 9:16 -> kept', {aspect: '9:16'}, {pusher: {aspect: '9:16'}})
propCase('aspect garbage -> 3:4', {aspect: '16:9'}, {pusher: {aspect: '3:4'}, warned: /aspect: "16:9"/})
propCase('template Grid (case) -> float, warning', {template: 'Grid'}, {warned: /unknown template 'Grid'/})
propCase('pureAudioPushMod 3 -> 0, warning', {pureAudioPushMod: 3}, {warned: /pureAudioPushMod: 3 .* set to 0/})

// methods: before load, twice, after detach
add('method', 'start() before the core has loaded -> runs once it has', {
  noWait: true,
  async act({page, room}) {
    await page.setData({...R.BASE})
    room.instance.start()
    await env.waitForCore()
    await R.theSigRequest().respond({data: R.SIG_REPLY})
  },
  check({room}) { assert.equal(room.pusher().url, R.pusherURL()) },
})
add('method', 'every method before load -> queued, no throw, no error', {
  noWait: true,
  async act({room}) {
    const inst = room.instance
    for (const m of ['stop', 'pause', 'resume', 'switchCamera', 'exitRoom']) inst[m]()
    inst.enableVideo(false)
    inst.enableAudio(false)
    await env.waitForCore()
  },
  check({room}) { assert.deepEqual(eventsOf(room, 0, 'error'), []); assert.equal(room.data.muted, true, 'enableAudio(false) ran') },
})
add('method', 'start() twice -> one signature request in flight', {
  async act({room}) { await room.start({...R.BASE}); await room.call('start') },
  check() { assert.equal(R.pendingSig().length, 1) },
})
add('method', 'stop() twice, exitRoom() twice, before start -> nothing', {
  async act({room}) { for (const m of ['stop', 'stop', 'exitRoom', 'exitRoom']) await room.call(m) },
  check({room, from}) { assert.deepEqual(eventsOf(room, from), []) },
})
add('method', 'enableVideo(false, unknown user) -> warning', {
  enter: true,
  async act({room}) { await room.call('enableVideo', false, 'nobody') },
  check({room, from}) { assert.ok(warnings(room, from).some((w) => /user 'nobody' is not shown/.test(w))) },
})
add('method', 'enableVideo with a non-string user -> warning', {
  enter: true,
  async act({room}) { await room.call('enableVideo', false, {id: 1}) },
  check({room, from}) { assert.ok(warnings(room, from).some((w) => /userID: expected a string/.test(w))) },
})
add('method', 'sendC2CTextMsg without IM -> fail(-4) once', {
  async act({room, ctx}) { ctx.c = cbs(); await room.call('sendC2CTextMsg', 'b', 'hi', ctx.c.succ, ctx.c.fail) },
  check({ctx}) { assert.deepEqual(ctx.c.calls.map((x) => [x.ok, x.args[0]]), [[false, -4]]) },
})
add('method', 'sendC2CTextMsg with 5 MB of text -> fail(-4) once, saying it is over 1 MiB', {
  async act({room, ctx}) { ctx.c = cbs(); await room.call('sendC2CTextMsg', 'b', MB5, ctx.c.succ, ctx.c.fail) },
  check({ctx}) {
    assert.deepEqual(ctx.c.calls.map((x) => [x.ok, x.args[0]]), [[false, -4]])
    assert.match(String(ctx.c.calls[0].args[1]), /over 1 MiB/)
  },
})
add('method', 'sendGroupTextMsg to an altered receiver -> fail(-4) once', {
  async act({room, ctx}) { ctx.c = cbs(); await room.call('sendC2CTextMsg', '\udc00', 'hi', ctx.c.succ, ctx.c.fail) },
  check({ctx}) { assert.deepEqual(ctx.c.calls.map((x) => [x.ok, x.args[0]]), [[false, -4]]) },
})

// two rooms on one page, one detached (the table's "same component" is the one still attached)
add('two rooms', 'one detached mid-signature -> the other enters; the detached one stays silent', {
  count: 2,
  async act({page, ctx}) {
    const [r1, r2] = page.rooms
    await r1.start({...R.BASE})
    ctx.req = R.theSigRequest()
    ctx.inst = r1.instance
    r1.component._exparserNode.parentNode.removeChild(r1.component._exparserNode)
    await env.flush()
    ctx.c = cbs()
    ctx.inst.sendGroupTextMsg('hi', ctx.c.succ, ctx.c.fail)
    await ctx.req.respond({data: R.SIG_REPLY})
    ctx.room = r2
  },
  check({page, ctx}) {
    assert.ok(ctx.req.aborted || ctx.req.outcome, 'the request was dealt with')
    assert.deepEqual(page.roomEvents('webrtcroom1').filter((d) => d.tag === 'enter_room'), [])
    assert.deepEqual(ctx.c.calls.map((x) => [x.ok, x.args[0]]), [[false, -4]])
  },
})
add('two rooms', 'both enter, each with its own signature and pusher', {
  count: 2,
  async act({page, ctx}) {
    const [r1, r2] = page.rooms
    await enterRoom(r1)
    ctx.room = r2
  },
  check({page}) {
    assert.equal(page.rooms[0].pusher().url, R.pusherURL())
    assert.equal(page.rooms[1].pusher().url, '')
  },
})

// ----- the bad-input table, protocol: 'trtc' -----
//
// The same families in trtc mode (no signature request; users and streams from pusher codes
// 1031-1034). `trtc: true` renders with protocol 'trtc' and enters / re-enters the trtc way.

const TRTC_PREFIX = (room = 'roomid=1234') =>
  `room://cloud.tencent.com/rtc?sdkappid=${R.BASE.sdkAppID}&${room}&userid=u-self&usersig=sig-self&appscene=`
const trtcSrc = (user, stream = 'main') => `room://cloud.tencent.com/rtc?userid=${encodeURIComponent(user)}&streamtype=${stream}`
const trtcUsers = (room, code, userlist) => room.pusherState(code, JSON.stringify({userlist}))
// 1031 announces the users, 1033 turns their cameras on.
async function trtcPublish(room, ids) {
  await trtcUsers(room, 1031, ids.map((userid) => ({userid})))
  await trtcUsers(room, 1033, ids.map((userid) => ({userid, streamtype: 'main', hasvideo: true})))
}

async function enterTrtcRoom(room, props = {}) {
  await room.start({...R.BASE, ...props})
  await room.pusherState(1018, 'entered room')
}

// The same component enters a trtc room with valid properties: no signature request, the pusher
// gets the room://…/rtc URL of room 1234, RoomEvent enter_room, no error.
async function assertCanEnterTrtc(room, what) {
  const from = room.roomEvents().length
  const sigs = R.sigRequests().length
  await enterTrtcRoom(room)
  assert.ok(room.pusher().url.startsWith(TRTC_PREFIX() + 'videocall&'), `${what}: the pusher has the trtc URL afterwards (${room.pusher().url})`)
  assert.equal(R.sigRequests().length, sigs, `${what}: no signature request in trtc mode`)
  const entered = eventsOf(room, from).filter((d) => d.tag === 'enter_room')
  assert.equal(entered.length, 1, `${what}: enter_room afterwards (${JSON.stringify(eventsOf(room, from))})`)
  assert.deepEqual(eventsOf(room, from, 'error'), [], `${what}: no error while entering afterwards`)
}

function addTrtc(family, name, spec) { add(`trtc ${family}`, name, {...spec, trtc: true}) }

// properties: `url` is what the pusher URL must start with after start(); `start` the -9 reason.
function trtcPropCase(name, props, {warned, start, url, pusher, render}) {
  addTrtc('property', name, {
    props: render ? props : undefined,
    async act({room}) {
      if (!render) await room.setProps(props)
    },
    async check({room, from}) {
      const w = warnings(room, render ? 0 : from)
      if (warned) assert.ok(w.some((x) => warned.test(x)), `warning ${warned} in ${JSON.stringify(w)}`)
      else assert.deepEqual(w, [])
      if (pusher) for (const k of Object.keys(pusher)) assert.equal(room.pusher()[k], pusher[k], k)
      const errFrom = eventsOf(room).length
      if (render) await room.call('start')
      else await room.start({...R.BASE, ...props})
      const errs = eventsOf(room, errFrom, 'error')
      assert.equal(R.sigRequests().length, 0, 'no signature request in trtc mode')
      if (start) {
        assert.deepEqual(errs.map((e) => e.code), [-9])
        assert.match(R.detailText(errs[0].detail), start)
        assert.equal(room.pusher().url, '', 'nothing entered')
      } else {
        assert.deepEqual(errs, [])
        assert.ok(room.pusher().url.startsWith(url), `${room.pusher().url} starts with ${url}`)
      }
      await room.setProps({strRoomID: '', scene: 'videocall', protocol: 'trtc'})
      await room.call('exitRoom')
    },
  })
}
trtcPropCase('roomID -5, no strRoomID -> warning, start() says roomID not set', {roomID: -5}, {warned: /roomID: -5/, start: /roomID not set/})
trtcPropCase('roomID 12.5, no strRoomID -> warning, start() refuses', {roomID: 12.5}, {warned: /roomID: 12\.5/, start: /roomID not set/})
trtcPropCase('roomID 4294967295, no strRoomID -> warning, start() refuses', {roomID: 4294967295}, {warned: /roomID: 4294967295/, start: /roomID not set/})
trtcPropCase('roomID 0, no strRoomID -> start() says roomID not set', {roomID: 0}, {start: /roomID not set/})
trtcPropCase('roomID 4294967294 -> that room, no warning', {roomID: 4294967294}, {url: TRTC_PREFIX('roomid=4294967294')})
trtcPropCase('roomID -5 with strRoomID -> warning, enters the string room', {roomID: -5, strRoomID: 'class7'}, {warned: /roomID: -5/, url: TRTC_PREFIX('strroomid=class7')})
trtcPropCase('roomID 0 with strRoomID -> enters the string room', {roomID: 0, strRoomID: 'class7'}, {url: TRTC_PREFIX('strroomid=class7')})
trtcPropCase('strRoomID empty -> roomID counts', {strRoomID: ''}, {url: TRTC_PREFIX()})
trtcPropCase('strRoomID reserved characters -> percent-encoded exactly', {strRoomID: 'a&b=c#d?e/f%+ "'}, {url: TRTC_PREFIX('strroomid=' + encodeURIComponent('a&b=c#d?e/f%+ "'))})
trtcPropCase('strRoomID CJK -> percent-encoded exactly', {strRoomID: '三年二班'}, {url: TRTC_PREFIX('strroomid=' + encodeURIComponent('三年二班'))})
trtcPropCase('strRoomID emoji -> percent-encoded exactly', {strRoomID: '😀👍🏽'}, {url: TRTC_PREFIX('strroomid=' + encodeURIComponent('😀👍🏽'))})
trtcPropCase('scene live -> appscene=live', {scene: 'live'}, {url: TRTC_PREFIX() + 'live&'})
trtcPropCase('6. strRoomID with a lone surrogate, roomID 0 -> warning, start() refuses', {roomID: 0, strRoomID: 'a\udc00'}, {warned: /property strRoomID: it has a lone UTF-16 surrogate or U\+FFFD; it is set to ''/, start: /roomID not set/})
trtcPropCase('6. strRoomID with a lone surrogate, roomID 1234 -> warning, room 1234, never an altered string room', {strRoomID: '\ud800'}, {warned: /property strRoomID: it has a lone/, url: TRTC_PREFIX()})
addTrtc('property', 'protocol unknown -> warning, the 2019 flow (a signature request)', {
  async act({room}) { await room.setProps({protocol: 'TRTC'}); await room.start({...R.BASE}) },
  check({room, from}) {
    assert.ok(warnings(room, from).some((w) => /unknown protocol: use legacy or trtc; using legacy/.test(w)), JSON.stringify(warnings(room, from)))
    assert.equal(R.sigRequests().length, 1)
    assert.equal(room.pusher().url, '')
  },
})
addTrtc('property', 'protocol changed to trtc while in a legacy room -> the legacy room stands until start() enters the trtc way', {
  props: {protocol: 'legacy'},
  async act({room}) { await enterRoom(room); await room.setProps({protocol: 'trtc'}) },
  check({room, from}) {
    assert.equal(room.pusher().url, R.pusherURL())
    assert.deepEqual(eventsOf(room, from, 'error'), [])
  },
})
trtcPropCase('userID with a lone surrogate -> warning, start() refuses', {userID: '\ud83d'}, {warned: /userID: it has a lone/, start: /userID not set/})
trtcPropCase('1. sdkAppID -1 at first render -> warning, start() says only sdkAppID not set', {...R.BASE, sdkAppID: -1}, {render: true, warned: /sdkAppID: -1/, start: /start\(\): sdkAppID not set/})
trtcPropCase('9. beauty 10 -> 9, warning', {beauty: 10}, {pusher: {beauty: 9}, warned: /beauty: 10 .* set to 9/, url: TRTC_PREFIX()})
trtcPropCase('9. aspect 16:9 -> 3:4, warning', {aspect: '16:9'}, {pusher: {aspect: '3:4'}, warned: /aspect: "16:9"/, url: TRTC_PREFIX()})
addTrtc('property', '9. minBitrate above maxBitrate, then start() -> minBitrate = maxBitrate, warning, the trtc URL', {
  async act({room}) { await room.setProps({minBitrate: 900, maxBitrate: 400}); await room.start({...R.BASE}) },
  check({room, from}) {
    assert.deepEqual(warnings(room, from), ['property minBitrate: 900 is above maxBitrate 400; it is set to 400'])
    assert.deepEqual([room.pusher().minBitrate, room.pusher().maxBitrate], [400, 400])
    assert.ok(room.pusher().url.startsWith(TRTC_PREFIX()))
  },
})
addTrtc('property', '2. roomID 1234 changed to -5 -> start() refuses instead of entering room 1234', {
  async act({room}) { await room.setProps({...R.BASE}); await room.setProps({roomID: -5}); await room.call('start') },
  check({room, from}) {
    assert.deepEqual(eventsOf(room, from, 'error').map((e) => e.code), [-9])
    assert.equal(room.pusher().url, '')
  },
})
addTrtc('property', '3. unknown template -> float shown, the trtc room still seats', {
  props: {template: 'garbage'},
  enter: true,
  async act({room}) { await trtcPublish(room, ['a', 'b']) },
  check({room}) {
    assert.ok(warnings(room).some((w) => w.includes("unknown template 'garbage'") && w.includes('showing float')))
    assert.equal(room.data.template, 'float')
    assert.deepEqual(R.seats(room), ['a', 'b', ''])
  },
})

// 1031-1034 messages, in a trtc room (grid: 3 seats)
const TLIST = (code, list) => ({enter: true, async act({room}) { await room.pusherState(code, typeof list === 'string' ? list : JSON.stringify({userlist: list})) }})
const SKIPPED = /skipped entries/
addTrtc('users', '1031 not JSON -> warning, seats unchanged', {...TLIST(1031, '{oops'), check: seatsAre(['', '', ''], /pusher 1031 ignored: message is not JSON/)})
addTrtc('users', '1033 userlist not a list -> warning', {...TLIST(1033, '{"userlist":"a"}'), check: seatsAre(['', '', ''], /pusher 1033 ignored: message has no userlist array/)})
addTrtc('users', '1034 JSON but a list -> warning', {...TLIST(1034, '[1,2]'), check: seatsAre(['', '', ''], /pusher 1034 ignored: message has no userlist array/)})
addTrtc('users', '1031 no message -> warning', {enter: true, async act({room}) { await room.pusherState(1031, null) }, check: seatsAre(['', '', ''], /pusher 1031 ignored: no message/)})
addTrtc('users', '1031 entry without userid -> skipped with a warning', {...TLIST(1031, [{name: 'x'}, {userid: 5}, null]), check: seatsAre(['', '', ''], SKIPPED)})
function trtcIds(name, ids, expected, warned) {
  addTrtc('users', name, {
    enter: true,
    async act({room}) { await trtcPublish(room, ids) },
    check({room, from}) {
      seatsAre(expected, warned)({room, from})
      expected.forEach((id, slot) => { if (id) assert.equal(room.player(slot).src, trtcSrc(id)) })
    },
  })
}
trtcIds('duplicates in 1031 and 1033 -> seated once', ['a', 'a', 'b', 'a'], ['a', 'b', ''])
trtcIds('empty id -> skipped with a warning', ['', 'b'], ['b', '', ''], SKIPPED)
trtcIds('huge id (10,000 chars) -> seated exactly, the play URL encodes it', ['h'.repeat(10000)], ['h'.repeat(10000), '', ''])
trtcIds('reserved characters -> seated exactly, the play URL encodes them', ['a&b=c#d?e/f%+ "\'<>'], ['a&b=c#d?e/f%+ "\'<>', '', ''])
trtcIds('CJK id -> seated exactly', ['张三李四'], ['张三李四', '', ''])
trtcIds('emoji id -> seated exactly', ['😀👍🏽🇨🇳'], ['😀👍🏽🇨🇳', '', ''])
trtcIds('NUL in an id -> seated exactly', ['a\u0000b'], ['a\u0000b', '', ''])
trtcIds('the local user listed -> not seated', [R.BASE.userID, 'b'], ['b', '', ''])
addTrtc('users', 'lone surrogate ids -> skipped with a warning, never merged', {
  enter: true,
  async act({room}) { await trtcUsers(room, 1031, [{userid: '\ud800'}, {userid: '\udbff'}, {userid: 'b'}]); await trtcUsers(room, 1033, [{userid: '\ud800', streamtype: 'main', hasvideo: true}, {userid: 'b', streamtype: 'main', hasvideo: true}]) },
  check({room, from}) {
    assert.deepEqual(R.seats(room), ['b', '', ''])
    assert.deepEqual(eventsOf(room, from, 'remote_user_join').map((e) => e.detail.userID), ['b'])
    assert.ok(warnings(room, from).some((w) => /lone UTF-16 surrogate/.test(w)))
  },
})
addTrtc('users', '10,000 users -> three seated, -8 names the rest', {
  enter: true,
  async act({room}) { await trtcPublish(room, Array.from({length: 10000}, (_, i) => `u${i}`)) },
  check({room, from}) {
    assert.deepEqual(R.seats(room), ['u0', 'u1', 'u2'])
    assert.deepEqual(eventsOf(room, from, 'error').map((e) => e.code), [-8])
  },
})
addTrtc('users', 'unknown streamtype -> skipped with a warning', {
  enter: true,
  async act({room}) { await trtcUsers(room, 1031, [{userid: 'a'}]); await trtcUsers(room, 1033, [{userid: 'a', streamtype: 'big', hasvideo: true}, {userid: 'a', hasvideo: true}]) },
  check: seatsAre(['', '', ''], /unknown streamtype/),
})
addTrtc('users', '1033 for a user 1031 never announced -> skipped with a warning', {
  ...TLIST(1033, [{userid: 'ghost', streamtype: 'main', hasvideo: true}]), check: seatsAre(['', '', ''], /never announced.*ghost/),
})
addTrtc('users', '1034 for a user 1031 never announced -> skipped with a warning', {
  ...TLIST(1034, [{userid: 'ghost', hasaudio: true}]), check: seatsAre(['', '', ''], /never announced.*ghost/),
})
addTrtc('users', 'video and audio for a user who left (1032) -> skipped with a warning, not seated', {
  enter: true,
  async act({room}) {
    await trtcPublish(room, ['a'])
    await trtcUsers(room, 1032, [{userid: 'a'}])
    await trtcUsers(room, 1033, [{userid: 'a', streamtype: 'main', hasvideo: true}])
    await trtcUsers(room, 1034, [{userid: 'a', hasaudio: true}])
  },
  check({room, from}) {
    assert.deepEqual(R.seats(room), ['', '', ''])
    assert.deepEqual(eventsOf(room, from, 'member_leave').map((e) => e.detail), [{userID: 'a', streamType: 'main'}])
    assert.equal(warnings(room, from).filter((w) => SKIPPED.test(w)).length, 2)
  },
})
addTrtc('users', '1031 before start() -> ignored', {
  async act({room}) { await trtcPublish(room, ['a']) },
  check({room, from}) { assert.deepEqual(R.seats(room), ['', '', '']); assert.deepEqual(eventsOf(room, from), []) },
})
addTrtc('users', '1020 (the 2019 member list) -> ignored in trtc mode', {
  ...TLIST(1020, memberList([['a']])), check({room, from}) { assert.deepEqual(R.seats(room), ['', '', '']); assert.deepEqual(eventsOf(room, from), []) },
})

// player events
addTrtc('player event', '5. -2301 -> member_leave of that stream, seat free; a later 1033 seats it again', {
  enter: true,
  async act({room, ctx}) {
    await trtcPublish(room, ['a', 'b'])
    ctx.from = room.roomEvents().length
    await room.playerState('a', -2301)
    ctx.after = R.seats(room)
    await trtcUsers(room, 1033, [{userid: 'a', streamtype: 'main', hasvideo: true}])
  },
  check({room, ctx}) {
    assert.deepEqual(ctx.after, ['', 'b', ''])
    assert.deepEqual(eventsOf(room, ctx.from).map((d) => [d.tag, d.detail && d.detail.userID, d.detail && d.detail.streamType]),
      [['member_leave', 'a', 'main'], ['member_join', 'a', 'main']])
    assert.deepEqual(R.seats(room), ['a', 'b', ''])
  },
})
addTrtc('player event', 'unknown user id -> nothing', {
  enter: true,
  async act({room}) {
    await trtcPublish(room, ['a'])
    room.playerNode('a').dataset.user = 'ghost'
    await room.playerState(0, -2301)
    room.playerNode(0).dataset.user = 'a'
  },
  check({room, from}) {
    assert.deepEqual(R.seats(room), ['a', '', ''])
    assert.deepEqual(eventsOf(room, from).filter((d) => d.tag === 'member_leave'), [])
  },
})

// pusher events
for (const [code, why] of [[-100018, /userSig refused \(-100018\)/], [-3301, /entering failed \(-3301\)/]]) {
  addTrtc('pusher event', `${code} -> error ${code} saying why, the room is left`, {
    enter: true,
    async act({room}) { await room.pusherState(code, 'refused') },
    check({room, from}) {
      const errs = eventsOf(room, from, 'error')
      assert.deepEqual(errs.map((e) => e.code), [code])
      assert.match(R.detailText(errs[0].detail), why)
      assert.equal(room.data.pushURL, '')
    },
  })
}
for (const [code, why] of [[-1303, /video encoding failed/], [-1304, /audio encoding failed/]]) {
  addTrtc('pusher event', `${code} -> error ${code} saying why, the room stays`, {
    enter: true,
    async act({room}) { await room.pusherState(code, 'encoder') },
    check({room, from}) {
      const errs = eventsOf(room, from, 'error')
      assert.deepEqual(errs.map((e) => e.code), [code])
      assert.match(R.detailText(errs[0].detail), why)
      assert.notEqual(room.data.pushURL, '')
    },
  })
}
addTrtc('pusher event', '1019 after exitRoom() -> exit_room only, no error', {
  enter: true,
  async act({room}) { await room.call('exitRoom'); await room.pusherState(1019, 'reason[0]') },
  check({room, from}) { assert.deepEqual(eventsOf(room, from).map((e) => e.tag), ['exit_room']) },
})
addTrtc('pusher event', 'unasked 1019 -> -10', {
  enter: true,
  async act({room}) { await room.pusherState(1019, 'kicked') },
  check({room, from}) { assert.deepEqual(eventsOf(room, from, 'error').map((e) => e.code), [-10]) },
})

// methods
addTrtc('method', 'every method before load -> queued, start() enters once loaded', {
  noWait: true,
  async act({page, room}) {
    await page.setData({...R.BASE})
    const inst = room.instance
    for (const m of ['stop', 'pause', 'resume', 'switchCamera', 'exitRoom']) inst[m]()
    inst.start()
    await env.waitForCore()
  },
  check({room}) {
    assert.deepEqual(eventsOf(room, 0, 'error'), [])
    assert.ok(room.pusher().url.startsWith(TRTC_PREFIX()), room.pusher().url)
    assert.equal(R.sigRequests().length, 0)
  },
})
addTrtc('method', 'start() twice -> one URL, no signature request, no error', {
  async act({room}) { await room.start({...R.BASE}); await room.call('start') },
  check({room, from}) {
    assert.ok(room.pusher().url.startsWith(TRTC_PREFIX()))
    assert.equal(R.sigRequests().length, 0)
    assert.deepEqual(eventsOf(room, from, 'error'), [])
  },
})
addTrtc('method', 'stop() twice, exitRoom() twice, before start -> nothing', {
  async act({room}) { for (const m of ['stop', 'stop', 'exitRoom', 'exitRoom']) await room.call(m) },
  check({room, from}) { assert.deepEqual(eventsOf(room, from), []) },
})
addTrtc('method', 'enableVideo(false, unknown user) -> warning', {
  enter: true,
  async act({room}) { await room.call('enableVideo', false, 'nobody') },
  check({room, from}) { assert.ok(warnings(room, from).some((w) => /user 'nobody' is not shown/.test(w)), JSON.stringify(warnings(room, from))) },
})
addTrtc('method', '4. send methods after detach -> fail(-4) once each; the other room enters', {
  count: 2,
  props: {enableIM: true},
  async act({page, ctx}) {
    const [r1, r2] = page.rooms
    ctx.inst = r1.instance
    r1.component._exparserNode.parentNode.removeChild(r1.component._exparserNode)
    await env.flush()
    ctx.c = cbs()
    ctx.inst.sendC2CTextMsg('b', 'hi', ctx.c.succ, ctx.c.fail)
    ctx.inst.sendGroupCustomMsg({data: 'd'}, ctx.c.succ, ctx.c.fail)
    await env.flush()
    ctx.room = r2
  },
  check({ctx}) { assert.deepEqual(ctx.c.calls.map((x) => [x.ok, x.args[0]]), [[false, -4], [false, -4]]) },
})

test(`the bad-input table has at least 60 cases (${CASES.length})`, () => {
  assert.ok(CASES.length >= 60, String(CASES.length))
})

test(`the bad-input table has at least 25 trtc cases (${CASES.filter((c) => c.trtc).length})`, () => {
  assert.ok(CASES.filter((c) => c.trtc).length >= 25)
})

for (const c of CASES) {
  test(`table: ${c.family}: ${c.name}; the component can enter a room afterwards`, async () => {
    mock.timers.enable({apis: ['setTimeout']})
    const protocol = c.trtc ? {protocol: 'trtc'} : {}
    const page = env.renderPage({props: {template: 'grid', ...protocol, ...(c.props || {})}, count: c.count || 1, extraAttrs: c.trtc ? [...EXTRA_ATTRS, 'strRoomID', 'scene'] : EXTRA_ATTRS})
    if (!c.noWait) await env.waitForCore()
    const ctx = {}
    let room = page.rooms[0]
    if (c.enter) await (c.trtc ? enterTrtcRoom(room) : enterRoom(room))
    const from = room.roomEvents().length
    await c.act({page, room, ctx, from})
    await c.check({page, room, from, ctx})
    room = ctx.room || room
    // Whatever happened, valid properties and start() enter a room.
    await room.setProps({beauty: 0, whiteness: 0, minBitrate: 200, maxBitrate: 400, aspect: '3:4', template: 'grid', ...protocol})
    if (c.trtc) await assertCanEnterTrtc(room, c.name)
    else await assertCanEnter(room, c.name)
  })
}
