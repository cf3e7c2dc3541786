'use strict'
// Failures and costs: the room-signature retry and give-up, a trapped wasm instance, and the
// setData budget (at most one setData per input) on the shared churn traces.

const {test, afterEach, mock} = require('node:test')
const assert = require('node:assert/strict')
const env = require('./support/wechat-env')
const R = require('./support/room')
const T = require('./support/traces')

afterEach(async () => {
  mock.timers.reset()
  const errors = env.errors.slice()
  await env.cleanup()
  assert.deepEqual(errors.map(String), [], 'component code threw inside the framework')
})

async function tick(ms) {
  mock.timers.tick(ms)
  await env.flush()
}

// ----- room signature failure -----

const FAILURES = {
  'transport fail': (req) => req.fail('request:fail timeout'),
  'top-level ErrorCode': (req) => req.respond({statusCode: 200, data: {ErrorCode: 70001, ErrorInfo: 'sig expired'}}),
  'RspHead.ErrorCode != 0': (req) => req.respond({statusCode: 200, data: {RspHead: {ErrorCode: 10010, ErrorInfo: 'x'}, RspBody: {}}}),
  'HTTP 500 with an ErrorCode body': (req) => req.respond({statusCode: 500, data: {ErrorCode: 70001}}),
}

async function startedPage(template = 'grid') {
  mock.timers.enable({apis: ['setTimeout']})
  const page = env.renderPage({props: {template}})
  await env.waitForCore()
  await page.start({...R.BASE})
  return page
}

for (const [name, failWith] of Object.entries(FAILURES)) {
  test(`signature: ${name} -> one retry after ~1 s, a second failure -> RoomEvent -9`, async () => {
    const page = await startedPage()
    await failWith(R.theSigRequest())
    assert.deepEqual(page.room.errorEvents(), [], 'no error after the first failure')
    assert.equal(R.pendingSig().length, 0)
    await tick(900)
    assert.equal(R.sigRequests().length, 1, 'no retry before ~1 s')
    await tick(200)
    assert.equal(R.sigRequests().length, 2, 'one retry ~1 s after the failure')
    const retry = R.theSigRequest()
    assert.equal(retry.query.identifier, 'u-self')
    assert.deepEqual(retry.body, R.sigRequests()[0].body, 'the same request again')
    await failWith(retry)
    const errs = page.room.errorEvents()
    assert.deepEqual(errs.map((e) => [e.tag, e.code]), [['error', -9]])
    await tick(10000)
    assert.equal(R.sigRequests().length, 2, 'no third request')
    assert.equal(page.room.pusher().url, '')
    assert.equal(page.room.errorEvents().length, 1)
  })
}

test('signature: a failure then a success enters the room without an error', async () => {
  const page = await startedPage('float')
  await FAILURES['top-level ErrorCode'](R.theSigRequest())
  await tick(1000)
  await R.theSigRequest().respond({data: R.SIG_REPLY})
  assert.equal(page.room.pusher().url, R.pusherURL())
  assert.deepEqual(page.room.errorEvents(), [])
})

test('signature: the retry budget is per entry (a later entry gets its own retry)', async () => {
  const page = await startedPage()
  await FAILURES['transport fail'](R.theSigRequest())
  await tick(1000)
  await R.theSigRequest().respond({data: R.SIG_REPLY})
  assert.equal(page.room.pusher().url, R.pusherURL())
  // network change: leave and sign again; it fails once and is retried once more
  await page.room.pusherState(1021)
  await FAILURES['transport fail'](R.theSigRequest())
  await tick(1000)
  assert.equal(R.pendingSig().length, 1, 'retried again')
  await R.theSigRequest().respond({data: R.SIG_REPLY})
  assert.equal(page.room.pusher().url, R.pusherURL())
  assert.deepEqual(page.room.errorEvents(), [])
})

test('signature: stop() while waiting to retry cancels the retry', async () => {
  const page = await startedPage()
  await FAILURES['transport fail'](R.theSigRequest())
  await page.room.call('stop')
  await tick(5000)
  assert.equal(R.sigRequests().length, 1)
  assert.deepEqual(page.room.errorEvents(), [])
})

test('signature: detached while waiting to retry: nothing more happens', async () => {
  const page = await startedPage()
  await FAILURES['transport fail'](R.theSigRequest())
  page.detach()
  await tick(5000)
  assert.equal(R.sigRequests().length, 1)
  assert.deepEqual(page.events, [])
})

test('signature: start() twice while a request is pending keeps a single live request', async () => {
  const page = await startedPage()
  const first = R.theSigRequest()
  await page.room.call('start')
  const live = R.pendingSig()
  assert.equal(live.length, 1, 'one request in flight')
  assert.ok(first.aborted || live[0] === first, 'the first one was aborted, or it is still the one')
  await live[0].respond({data: R.SIG_REPLY})
  assert.equal(page.room.pusher().url, R.pusherURL())
})

// ----- a trapped wasm instance -----

function lastCore() {
  const recs = env.wasm.records.filter((r) => r.instance)
  return recs[recs.length - 1]
}

test('a trap in the core: RoomEvent error, the room is left, a fresh instance keeps working', async () => {
  const page = await R.enter({template: 'grid'})
  const room = page.room
  await room.pusherUserList(['a', 'b'])
  const first = lastCore()
  const instancesBefore = env.wasm.records.length
  first.trapNext('handle')
  await room.pusherUserList(['a', 'b', 'c'])
  await env.waitForCore()
  assert.equal(first.trapsFired, 1)
  const errs = room.errorEvents()
  assert.equal(errs.length, 1, JSON.stringify(errs))
  assert.equal(errs[0].tag, 'error')
  assert.equal(typeof errs[0].code, 'number')
  assert.ok(errs[0].code < 0)
  assert.equal(env.wasm.records.length, instancesBefore + 1, 'one fresh instance')
  const second = lastCore()
  assert.notEqual(second, first)
  assert.equal(second.error, null)
  // the room was left: nothing pretends to be live
  assert.equal(room.data.pushURL, '')
  assert.ok(room.pusherCalls().includes('stop'))
  assert.deepEqual(room.activePlayers(), [])
  // and it works again
  const callsOnFirst = first.calls.handle
  await room.call('start')
  const req = R.theSigRequest()
  await req.respond({data: R.SIG_REPLY})
  assert.equal(room.pusher().url, R.pusherURL(), 'the fresh core got the current properties')
  await room.pusherState(1018)
  await room.pusherUserList(['z'])
  assert.deepEqual(R.seats(room), ['z', '', ''])
  assert.equal(first.calls.handle, callsOnFirst, 'the trapped instance is not used again')
  assert.deepEqual(env.errors, [])
})

test('a trap in bigsmall: the fresh instance lays out one slot again', async () => {
  const page = await R.enter({template: 'bigsmall'})
  const room = page.room
  await room.pusherUserList(['a'])
  lastCore().trapNext('handle')
  await room.playerState('a', 2004)
  await env.waitForCore()
  assert.equal(room.errorEvents().length, 1)
  assert.equal(room.data.m.length, 1, 'm matches the layout after the restart')
  assert.deepEqual(room.activePlayers(), [])
  await room.call('start')
  await R.theSigRequest().respond({data: R.SIG_REPLY})
  await room.pusherUserList(['b'])
  assert.deepEqual(R.seats(room), ['b'])
  assert.equal(room.player(0).src, R.playURL('b'))
})

test('a core that traps on every input is not restarted forever', async () => {
  const page = await R.enter({template: 'grid'})
  const before = env.wasm.records.length
  env.wasm.trapAll('handle')
  await page.room.pusherUserList(['a'])
  await env.sleep(300)
  await env.waitForCore()
  const restarts = env.wasm.records.length - before
  env.wasm.clearTraps()
  await env.sleep(50)
  await env.waitForCore()
  assert.ok(restarts <= 3, `${restarts} instantiations in 300 ms of a deterministic trap`)
  assert.ok(page.room.errorEvents().length <= 3, `${page.room.errorEvents().length} error events`)
})

test('a trap while detaching does not start a new core for the gone component', async () => {
  const page = await R.enter({template: 'grid'})
  const before = env.wasm.records.length
  lastCore().trapNext('handle')
  page.detach()
  await env.waitForCore()
  await env.sleep(20)
  assert.equal(env.wasm.records.length, before, 'no instantiation after detach')
})

test('a trap while a signature request is pending: it is aborted and its late reply ignored', async () => {
  mock.timers.enable({apis: ['setTimeout']})
  const page = env.renderPage({props: {template: 'grid'}})
  await env.waitForCore()
  await page.start({...R.BASE})
  const req = R.theSigRequest()
  lastCore().trapNext('handle')
  await page.room.pusherState(1002)
  await env.waitForCore()
  assert.equal(page.room.errorEvents().length, 1)
  assert.equal(req.aborted, true)
  const n = page.room.setDataCalls.length
  await req.respond({data: R.SIG_REPLY})
  req.options.success({statusCode: 200, data: R.SIG_REPLY, errMsg: 'request:ok'}) // even if delivered
  await env.flush()
  assert.equal(page.room.data.pushURL, '')
  assert.equal(page.room.setDataCalls.length, n)
  await tick(5000)
  assert.equal(R.sigRequests().length, 1, 'no retry scheduled by the dead instance')
})

test('a trap on a method call from the page does not throw into the page', async () => {
  const page = await R.enter({template: 'grid'})
  lastCore().trapNext('handle')
  assert.doesNotThrow(() => page.room.instance.pause())
  await env.waitForCore()
  assert.equal(page.room.errorEvents().length, 1)
})

// ----- setData budget -----

test('at most one setData per input, also for inputs that change several things at once', async () => {
  mock.timers.enable({apis: ['setTimeout']})
  const page = env.renderPage({props: {template: 'grid', autoplay: true}})
  await env.waitForCore()
  const room = page.room
  const calls = room.setDataCalls
  const counts = []
  const input = async (what, fn) => {
    const n = calls.length
    await fn()
    counts.push([what, calls.length - n, calls.slice(n).map((r) => Object.keys(r.data))])
  }
  await input('start', () => page.start({...R.BASE}))
  await input('signature reply', () => R.theSigRequest().respond({data: R.SIG_REPLY}))
  await input('1002', () => room.pusherState(1002))
  await input('1018', () => room.pusherState(1018))
  await input('three members at once', () => room.pusherUserList(['a', 'b', 'c']))
  await input('2007', () => room.playerState('a', 2007))
  await input('2004', () => room.playerState('a', 2004))
  await input('timers', () => tick(1000))
  await input('enableAudio', () => room.call('enableAudio', false, 'b'))
  await input('pause', () => room.call('pause'))
  await input('resume', () => room.call('resume'))
  await input('switchCamera', () => room.call('switchCamera'))
  await input('template bigsmall', () => room.setProps({template: 'bigsmall'}))
  await input('template grid', () => room.setProps({template: 'grid'}))
  await input('two leave, one joins', () => room.pusherUserList(['a', 'd']))
  await input('-2301', () => room.playerState('d', -2301))
  await input('binderror', () => room.pusherError(10001, 'camera'))
  await input('-1307 (leave)', () => room.pusherState(-1307))
  await input('stop', () => room.call('stop'))
  const over = counts.filter(([, n]) => n > 1)
  assert.deepEqual(over, [], 'inputs with more than one setData')
  assert.ok(counts.find(([w]) => w === 'three members at once')[1] === 1, 'three seats filled in one setData')
  assert.ok(counts.find(([w]) => w === '-1307 (leave)')[1] === 1, 'leaving in one setData')
})

const traces = T.traceNames()

test('the shared churn traces are present', {skip: traces.length ? false : `no traces at ${T.TRACES_DIR}`}, () => {
  assert.deepEqual(T.traceNames({own: false}), ['churn-bigsmall', 'churn-float', 'churn-grid'])
})

for (const name of traces) {
  test(`${name}: at most one setData per input, none empty`, async (t) => {
    mock.timers.enable({apis: ['setTimeout']})
    const trace = T.loadTrace(name)
    const run = await T.replay(trace, {between: () => tick(600)})
    for (const [i, step] of run.steps.entries()) {
      assert.ok(step.setData.length <= 1, `input ${i} ${JSON.stringify(step.event)}: ${step.setData.length} setData calls: ` +
        JSON.stringify(step.setData.map((r) => r.data)))
      assert.ok(!step.after || step.after.length <= 1, `timers after input ${i}: ${JSON.stringify((step.after || []).map((r) => r.data))}`)
    }
    for (const r of run.room.setDataCalls) assert.ok(r.json && r.json !== '{}', 'no empty setData')
    t.diagnostic(`${name}: ${run.setDataCount} setData, ${run.setDataChars} chars (${run.setDataBytes} bytes)`)
  })
}

test('churn-grid: the visible behaviour the 2019 component shows', {skip: traces.includes('churn-grid') ? false : 'no trace'}, async () => {
  const trace = T.loadTrace('churn-grid')
  const seen = []
  const run = await T.replay(trace, {
    between: async (i, room) => {
      const ev = trace.events[i]
      if (ev.userlist || ev.code === -2301 || ev.call === 'stop') {
        seen.push(Object.values(R.shownPlayers(room)).sort().join(','))
      }
    },
  })
  assert.deepEqual(seen, ['a', 'a,b', 'a,b,c', 'b,c', 'b,c,d', 'b,c,d', 'c', '', '', ''])
  assert.deepEqual(run.room.errorEvents().map((e) => e.code), [-8])
  assert.equal(run.room.pusher().url, '', 'pusher removed at stop')
  assert.ok(run.room.pusherCalls().includes('stop'))
})
