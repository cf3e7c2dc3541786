'use strict'
// In the room: pusher codes, member lists and seats per layout, player states, layout switches,
// per-member audio/video, pause/resume/switchCamera, stop/exitRoom.

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

// Asserts the room has left: pusher told to stop, pushURL '', no player playing anything.
function assertLeft(page, what) {
  const room = page.room
  assert.ok(room.pusherCalls().includes('stop'), `${what}: LivePusherContext.stop() was called`)
  assert.equal(room.data.pushURL, '', `${what}: pushURL is ''`)
  const pusher = room.pusher()
  assert.ok(!pusher || pusher.url === '', `${what}: the live-pusher has no url`)
  assert.deepEqual(room.activePlayers(), [], `${what}: no player left`)
  assert.deepEqual(R.seats(room).filter(Boolean), [], `${what}: every slot is empty`)
}

// ----- layouts and seats -----

for (const template of ['bigsmall', 'float', 'grid']) {
  const cap = R.CAPACITY[template]
  test(`${template}: ${cap} slot(s); members are shown on the players with their play urls`, async () => {
    const page = await R.enter({template})
    const room = page.room
    assert.equal(room.data.m.length, cap, 'm has one entry per seat')
    const users = ['a', 'b', 'c'].slice(0, cap)
    await room.pusherUserList(users)
    assert.deepEqual(R.seats(room), users)
    const players = room.activePlayers()
    assert.equal(players.length, cap)
    for (const [slot, user] of users.entries()) {
      const p = room.player(slot)
      assert.equal(p.src, R.playURL(user))
      assert.equal(p.$dataset.user, user)
      assert.equal(Number(p.$dataset.slot), slot)
      assert.equal(p.mode, 'RTC')
      assert.equal(p.muted, false)
    }
    assert.deepEqual(room.errorEvents(), [])
  })

  test(`${template}: one member more than ${cap} -> error -8 naming ${cap + 1}, the seated stay`, async () => {
    const page = await R.enter({template})
    const room = page.room
    const users = ['a', 'b', 'c', 'd'].slice(0, cap + 1)
    await room.pusherUserList(users)
    const errs = room.errorEvents()
    assert.deepEqual(errs.map((e) => e.code), [-8])
    assert.match(R.detailText(errs[0].detail), new RegExp(`(^|\\D)${cap + 1}(\\D|$)`), 'detail names capacity + 1')
    assert.deepEqual(R.seats(room), users.slice(0, cap))
    assert.equal(room.activePlayers().length, cap)
  })
}

test('grid: first free slot, seated never move, leavers freed (the churn sequence)', async () => {
  const page = await R.enter({template: 'grid'})
  const room = page.room
  const steps = [
    [['a'], ['a', '', '']],
    [['a', 'b'], ['a', 'b', '']],
    [['a', 'b', 'c'], ['a', 'b', 'c']],
    [['b', 'c'], ['', 'b', 'c']],
    [['b', 'c', 'd'], ['d', 'b', 'c']],
    [['c'], ['', '', 'c']],
    [['e', 'c'], ['e', '', 'c']],
    [['c', 'e', 'f'], ['e', 'f', 'c']],
    [[], ['', '', '']],
  ]
  for (const [list, expected] of steps) {
    await room.pusherUserList(list)
    assert.deepEqual(R.seats(room), expected, `after ${JSON.stringify(list)}`)
    const shown = R.shownPlayers(room)
    const want = {}
    expected.forEach((u, i) => { if (u) want[i] = u })
    assert.deepEqual(shown, want, `players after ${JSON.stringify(list)}`)
    for (const [slot, user] of Object.entries(want)) assert.equal(room.player(Number(slot)).src, R.playURL(user))
  }
  assert.deepEqual(room.errorEvents(), [])
})

test('float: a refused member is seated once a seat frees up', async () => {
  const page = await R.enter({template: 'float'})
  const room = page.room
  await room.pusherUserList(['a', 'b', 'c', 'd'])
  assert.deepEqual(R.seats(room), ['a', 'b', 'c'])
  assert.deepEqual(room.errorEvents().map((e) => e.code), [-8])
  await room.pusherUserList(['a', 'c', 'd'])
  assert.deepEqual(R.seats(room), ['a', 'd', 'c'])
})

test('a member list whose users carry odd ids and duplicate entries does not break seats', async () => {
  const page = await R.enter({template: 'grid'})
  const room = page.room
  await room.pusherUserList(['张三', 'a&b=c'])
  assert.deepEqual(R.seats(room), ['张三', 'a&b=c', ''])
  assert.equal(room.player(0).src, R.playURL('张三'))
  await room.pusherState(1020, 'not json')
  assert.deepEqual(R.seats(room), ['张三', 'a&b=c', ''], 'an undecodable list changes nothing')
  assert.ok(!room.errorEvents().some((e) => e.code === -8))
})

// ----- pusher codes -----

test('1002 and 1018 raise no error', async () => {
  const page = await R.enter({template: 'grid'})
  assert.deepEqual(page.room.errorEvents(), [])
  assert.equal(page.room.pusher().url, R.pusherURL())
})

test('1019 (left the room) -> RoomEvent error -10', async () => {
  const page = await R.enter({template: 'grid'})
  await page.room.pusherState(1019, 'left room')
  const errs = page.room.errorEvents()
  assert.deepEqual(errs.map((e) => [e.tag, e.code]), [['error', -10]])
})

for (const [code, err] of [[-1301, -4], [-1302, -5], [-1307, -6]]) {
  test(`pusher ${code} -> RoomEvent error ${err}, and the room is left`, async () => {
    const page = await R.enter({template: 'grid'})
    await page.room.pusherUserList(['a', 'b'])
    await page.room.pusherState(code, 'boom')
    const errs = page.room.errorEvents()
    assert.deepEqual(errs.map((e) => [e.tag, e.code]), [['error', err]])
    assertLeft(page, `pusher ${code}`)
    // the page sees the new state already when the event arrives (ops, setData, then events)
  })
}

test('an error event is triggered after the state it reports is already set', async () => {
  const page = await R.enter({template: 'grid'})
  const room = page.room
  await room.pusherUserList(['a'])
  let seen = null
  page.instance.onRoomEvent = function (e) {
    if (e.detail && e.detail.code === -6) seen = {pushURL: room.data.pushURL, seats: R.seats(room)}
  }
  await room.pusherState(-1307)
  assert.deepEqual(seen, {pushURL: '', seats: ['', '', '']})
})

test('5000 (app to background) leaves the room', async () => {
  const page = await R.enter({template: 'float'})
  await page.room.pusherUserList(['a'])
  await page.room.pusherState(5000, 'background')
  assertLeft(page, '5000')
  assert.equal(R.pendingSig().length, 0, 'no new signature request')
})

test('1021 (network changed) leaves and asks for a new signature, then enters again', async () => {
  const page = await R.enter({template: 'grid'})
  const room = page.room
  await room.pusherUserList(['a'])
  const before = R.sigRequests().length
  await room.pusherState(1021, 'network changed')
  assert.equal(R.sigRequests().length, before + 1, 'a new signature request')
  assert.equal(room.data.pushURL, '', 'left the room meanwhile')
  assert.deepEqual(room.activePlayers(), [])
  assert.ok(room.pusherCalls().includes('stop'))
  await R.theSigRequest().respond({data: {RspHead: {ErrorCode: 0}, RspBody: {sig: 'again'}}})
  assert.equal(room.pusher().url, R.pusherURL().replace(R.ROOM_SIG, encodeURIComponent('{"sig":"again"}')))
  assert.deepEqual(room.errorEvents(), [])
})

for (const legacy of [false, true]) {
  test(`binderror 10001/10002 -> -7 with a camera / microphone message (${legacy ? 'e.details' : 'e.detail'})`, async () => {
    const page = await R.enter({template: 'grid'})
    await page.room.pusherError(10001, 'camera permission denied', {legacyDetails: legacy})
    await page.room.pusherError(10002, 'mic permission denied', {legacyDetails: legacy})
    const errs = page.room.errorEvents()
    assert.deepEqual(errs.map((e) => e.code), [-7, -7])
    assert.match(R.detailText(errs[0].detail), /camera/i)
    assert.doesNotMatch(R.detailText(errs[0].detail), /microphone/i)
    assert.match(R.detailText(errs[1].detail), /microphone/i)
  })
}

test('before the core loaded, a binderror is still reported once the core is there', async () => {
  const page = env.renderPage({props: {template: 'grid'}})
  await page.room.pusherError(10001, 'camera permission denied')
  await env.waitForCore()
  assert.deepEqual(page.room.errorEvents().map((e) => e.code), [-7])
})

// ----- players -----

test('player 2007 / 2004 toggle loading on that slot only', async () => {
  const page = await R.enter({template: 'grid'})
  const room = page.room
  await room.pusherUserList(['a', 'b'])
  await room.playerState('b', 2007)
  assert.equal(room.data.m[1].loading, true)
  assert.ok(!room.data.m[0].loading)
  await room.playerState('b', 2004)
  assert.ok(!room.data.m[1].loading)
  assert.equal(room.data.m[1].id, 'b')
})

test('bigsmall: live comes ~500 ms after 2004 (the poster hides then), not before', async () => {
  mock.timers.enable({apis: ['setTimeout']})
  const page = await R.enter({template: 'bigsmall'})
  const room = page.room
  await room.pusherUserList(['a'])
  await room.playerState('a', 2007)
  assert.equal(room.data.m[0].loading, true)
  await room.playerState('a', 2004)
  assert.ok(!room.data.m[0].loading)
  assert.ok(!room.data.m[0].live, 'not live right at 2004')
  mock.timers.tick(400)
  await env.flush()
  assert.ok(!room.data.m[0].live, 'not live 400 ms after 2004')
  mock.timers.tick(150)
  await env.flush()
  assert.equal(room.data.m[0].live, true, 'live ~500 ms after 2004')
  assert.equal(room.data.m[0].id, 'a')
})

test('bigsmall: a member who leaves before the 500 ms never turns live, the next one starts fresh', async () => {
  mock.timers.enable({apis: ['setTimeout']})
  const page = await R.enter({template: 'bigsmall'})
  const room = page.room
  await room.pusherUserList(['a'])
  await room.playerState('a', 2004)
  await room.pusherUserList(['b'])
  mock.timers.tick(1000)
  await env.flush()
  assert.equal(room.data.m[0].id, 'b')
  assert.ok(!room.data.m[0].live, 'b has not played yet')
})

test('player -2301 (stream lost) empties that member\'s slot', async () => {
  const page = await R.enter({template: 'grid'})
  const room = page.room
  await room.pusherUserList(['a', 'b', 'c'])
  await room.playerState('b', -2301, 'lost')
  assert.deepEqual(R.seats(room), ['a', '', 'c'])
  assert.deepEqual(R.shownPlayers(room), {0: 'a', 2: 'c'})
  // the freed seat is the first free one for the next newcomer
  await room.pusherUserList(['a', 'c', 'd'])
  assert.deepEqual(R.seats(room), ['a', 'd', 'c'])
})

// ----- template switch at run time -----

test('float with 3 members -> bigsmall keeps one and reports -8; -> grid seats all again', async () => {
  const page = await R.enter({template: 'float'})
  const room = page.room
  await room.pusherUserList(['a', 'b', 'c'])
  assert.deepEqual(R.seats(room), ['a', 'b', 'c'])
  await room.setProps({template: 'bigsmall'})
  assert.equal(room.data.m.length, 1)
  const kept = R.seats(room)
  assert.equal(kept.length, 1)
  assert.ok(['a', 'b', 'c'].includes(kept[0]), `kept ${kept}`)
  assert.equal(room.activePlayers().length, 1)
  assert.equal(room.activePlayers()[0].src, R.playURL(kept[0]))
  const errs = room.errorEvents()
  assert.deepEqual(errs.map((e) => e.code), [-8])
  assert.match(R.detailText(errs[0].detail), /(^|\D)2(\D|$)/)
  assert.equal(room.pusher().url, R.pusherURL(), 'still in the room, still pushing')

  await room.setProps({template: 'grid'})
  assert.equal(room.data.m.length, 3)
  assert.deepEqual([...R.seats(room)].sort(), ['a', 'b', 'c'])
  assert.equal(R.seats(room)[0], kept[0], 'the member that stayed keeps slot 0')
  assert.equal(room.activePlayers().length, 3)
  assert.equal(room.pusher().url, R.pusherURL())
  assert.equal(R.sigRequests().length, 1, 're-laying out does not re-enter the room')
})

test('a template change before start() lays out the new number of slots', async () => {
  const page = env.renderPage({props: {template: 'grid'}})
  await env.waitForCore()
  assert.equal(page.room.data.m.length, 3)
  await page.room.setProps({template: 'bigsmall'})
  assert.equal(page.room.data.m.length, 1)
})

// ----- methods -----

test('enableAudio(false, user) mutes that member\'s player; true unmutes', async () => {
  const page = await R.enter({template: 'grid'})
  const room = page.room
  await room.pusherUserList(['a', 'b'])
  await room.call('enableAudio', false, 'b')
  assert.equal(room.player('b').muted, true)
  assert.equal(room.player('a').muted, false)
  await room.call('enableAudio', true, 'b')
  assert.equal(room.player('b').muted, false)
})

test('enableVideo(false, user) stops that member\'s player; true plays it again (autoplay on)', async () => {
  const page = await R.enter({template: 'grid', props: {autoplay: true}})
  const room = page.room
  await room.pusherUserList(['a', 'b'])
  const n0 = room.playerCalls().length
  await room.call('enableVideo', false, 'b')
  const off = room.playerCalls().slice(n0)
  assert.equal(off.length, 1, JSON.stringify(off))
  assert.equal(off[0].user, 'b')
  assert.ok(['stop', 'pause'].includes(off[0].method), off[0].method)
  await room.call('enableVideo', true, 'b')
  const on = room.playerCalls().slice(n0 + 1)
  assert.equal(on.length, 1, JSON.stringify(on))
  assert.equal(on[0].user, 'b')
  assert.ok(['play', 'resume'].includes(on[0].method), on[0].method)
  assert.deepEqual(room.lostContextCalls(), [])
})

test('enableVideo(false, user) stops a member that is playing, with the default autoplay too', async () => {
  // The players autoplay whatever the property says (the WXML has a bare `autoplay`), so a member
  // whose player reported 2004 is on screen: hiding it must reach its LivePlayerContext.
  const page = await R.enter({template: 'grid'})
  const room = page.room
  await room.pusherUserList(['a', 'b'])
  await room.playerState('b', 2004)
  assert.equal(room.player('b').autoplay, true, 'the player autoplays')
  const n0 = room.playerCalls().length
  await room.call('enableVideo', false, 'b')
  const off = room.playerCalls().slice(n0)
  assert.deepEqual(off.map((c) => c.user), ['b'], 'one call on b\'s player')
  assert.ok(['stop', 'pause'].includes(off[0].method), off[0].method)
})

test('enableVideo(true, user) with the default autoplay plays that member', async () => {
  const page = await R.enter({template: 'grid'})
  const room = page.room
  await room.pusherUserList(['a', 'b'])
  const n0 = room.playerCalls().length
  await room.call('enableVideo', true, 'a')
  const on = room.playerCalls().slice(n0)
  assert.ok(on.every((c) => c.user === 'a' && ['play', 'resume'].includes(c.method)), JSON.stringify(on))
})

test('enableVideo / enableAudio without a user act on the local pusher', async () => {
  const page = await R.enter({template: 'grid'})
  const room = page.room
  await room.call('enableAudio', false)
  assert.equal(room.pusher().muted, true)
  await room.call('enableAudio', true)
  assert.equal(room.pusher().muted, false)
  await room.call('enableVideo', false, '')
  assert.equal(room.pusher().enableCamera, false)
  await room.call('enableVideo', true, '')
  assert.equal(room.pusher().enableCamera, true)
})

test('pause / resume reach the pusher and every player; switchCamera reaches the pusher', async () => {
  const page = await R.enter({template: 'grid'})
  const room = page.room
  await room.pusherUserList(['a', 'b'])
  const p0 = room.pusherCalls().length
  const q0 = room.playerCalls().length
  await room.call('pause')
  assert.deepEqual(room.pusherCalls().slice(p0), ['pause'])
  assert.deepEqual(room.playerCalls().slice(q0).map((c) => [c.user, c.method]).sort(), [['a', 'pause'], ['b', 'pause']])
  await room.call('resume')
  assert.deepEqual(room.pusherCalls().slice(p0), ['pause', 'resume'])
  assert.deepEqual(room.playerCalls().slice(q0 + 2).map((c) => [c.user, c.method]).sort(), [['a', 'resume'], ['b', 'resume']])
  await room.call('switchCamera')
  assert.deepEqual(room.pusherCalls().slice(p0), ['pause', 'resume', 'switchCamera'])
  assert.deepEqual(room.lostContextCalls(), [])
})

for (const method of ['stop', 'exitRoom']) {
  test(`${method}() leaves the room`, async () => {
    const page = await R.enter({template: 'grid'})
    await page.room.pusherUserList(['a', 'b'])
    await page.room.call(method)
    assertLeft(page, method)
    assert.deepEqual(page.room.errorEvents(), [])
  })
}

test('start() again after stop() enters again with a fresh signature', async () => {
  const page = await R.enter({template: 'grid'})
  await page.room.call('stop')
  await page.room.call('start')
  await R.theSigRequest().respond({data: R.SIG_REPLY})
  assert.equal(page.room.pusher().url, R.pusherURL())
  assert.equal(R.sigRequests().length, 2)
})

test('a page that changes roomID and calls start() again leaves and enters the new room', async () => {
  const page = await R.enter({template: 'grid'})
  await page.room.pusherUserList(['a'])
  await page.room.start({roomID: 5678, userID: 'u-self'})
  assert.ok(page.room.pusherCalls().includes('stop'), 'the old room is left')
  assert.deepEqual(page.room.activePlayers(), [])
  const req = R.theSigRequest()
  assert.equal(req.body.ReqHead.GroupId, 5678)
  await req.respond({data: R.SIG_REPLY})
  assert.equal(page.room.pusher().url, R.pusherURL({roomID: 5678}))
})

test('bigsmall renders no pusher outside a room; the pusher appears with the url', async () => {
  const page = env.renderPage({props: {template: 'bigsmall'}})
  await env.waitForCore()
  const before = page.room.pusher()
  assert.ok(!before || before.url === '')
  await page.start({...R.BASE})
  await R.theSigRequest().respond({data: R.SIG_REPLY})
  assert.equal(page.room.pusher().url, R.pusherURL())
})

test('pusher properties follow the component properties', async () => {
  const page = await R.enter({template: 'grid', props: {beauty: 5, muted: true, debug: true, aspect: '9:16',
    minBitrate: 300, maxBitrate: 800, whiteness: 3, enableCamera: false}})
  const p = page.room.pusher()
  assert.equal(p.beauty, 5)
  assert.equal(p.whiteness, 3)
  assert.equal(p.muted, true)
  assert.equal(p.debug, true)
  assert.equal(p.aspect, '9:16')
  assert.equal(p.minBitrate, 300)
  assert.equal(p.maxBitrate, 800)
  assert.equal(p.enableCamera, false)
  await page.room.setProps({beauty: 2, muted: false})
  assert.equal(page.room.pusher().beauty, 2)
  assert.equal(page.room.pusher().muted, false)
})
