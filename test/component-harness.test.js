'use strict'
// Self-test of test/support/wechat-env.js with a tiny throw-away component written to a temp
// package: proves the environment does what the component tests rely on, independently of the
// real component (so a failing component test is not the harness's fault).

const {test, afterEach} = require('node:test')
const assert = require('node:assert/strict')
const fs = require('fs')
const path = require('path')
const zlib = require('zlib')
const env = require('./support/wechat-env')

// (module (func (export "handle") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add))
const ADD_WASM = Buffer.from([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
  0x01, 0x07, 0x01, 0x60, 0x02, 0x7f, 0x7f, 0x01, 0x7f,
  0x03, 0x02, 0x01, 0x00,
  0x07, 0x0a, 0x01, 0x06, 0x68, 0x61, 0x6e, 0x64, 0x6c, 0x65, 0x00, 0x00,
  0x0a, 0x09, 0x01, 0x07, 0x00, 0x20, 0x00, 0x20, 0x01, 0x6a, 0x0b,
])

const COMPONENT_JS = `
const helper = require('./core/helper.js')
Component({
  properties: {
    roomID: {type: Number, value: 0},
    userID: {type: String, value: ''},
    template: {type: String, value: 'float'},
    useCloud: {type: Boolean, value: true},
  },
  data: {pushURL: '', m: [{}, {}, {}], sum: -1},
  lifetimes: {
    attached() {
      const dir = this.is.slice(0, this.is.lastIndexOf('/') + 1)
      this.wasmPath = '/' + dir + 'core/t_bg.wasm.br'
      WXWebAssembly.instantiate(this.wasmPath, {}).then(({instance}) => {
        this.exportsObj = instance.exports
        this.setData({sum: instance.exports.handle(2, 3)})
        if (this.pendingStart) this.start()
      }, (e) => { this.loadError = String(e) })
    },
    detached() { if (this.task) this.task.abort() },
  },
  methods: {
    probe() {
      const out = {}
      for (const n of ${JSON.stringify([...env.REMOVED_GLOBALS, 'window', 'document', 'process', 'Buffer', 'setImmediate', 'wx', 'WXWebAssembly', 'Component', 'setTimeout', 'console'])}) {
        out[n] = eval('typeof ' + n)
      }
      out.helper = helper.hi()
      return out
    },
    tryRequire(name) { try { require(name); return 'ok' } catch (e) { return e.message } },
    trapOnce() { try { return this.exportsObj.handle(1, 1) } catch (e) { return e.constructor.name + ':' + e.message } },
    start() {
      if (!this.exportsObj) { this.pendingStart = true; return }
      this.pendingStart = false
      this.pusher = wx.createLivePusherContext('pusher', this)
      this.task = wx.request({
        url: 'https://example.invalid/x?identifier=' + encodeURIComponent(this.data.userID),
        method: 'POST',
        data: {a: 1},
        success: (res) => {
          this.setData({pushURL: 'room://r?sig=' + res.data.sig, 'm[1]': {id: 'b', src: 'room://b'}})
          this.pusher.start()
          wx.createLivePlayerContext('player-1', this).play()
          wx.createLivePlayerContext('player-2', this).play()
          this.triggerEvent('RoomEvent', {tag: 'ok', code: 0, detail: res.statusCode})
        },
        fail: (err) => this.triggerEvent('RoomEvent', {tag: 'error', code: -9, detail: err.errMsg}),
      })
    },
    onPusherState(e) {
      this.triggerEvent('RoomEvent', {tag: 'pusher', code: e.detail.code, detail: e.detail.message})
    },
    onPusherError(e) {
      const d = e.detail || e.details
      this.triggerEvent('RoomEvent', {tag: 'error', code: -7, detail: d.errCode + ' ' + d.errMsg})
    },
    onPlayerState(e) {
      this.triggerEvent('RoomEvent', {tag: 'player', code: e.detail.code, detail: e.currentTarget.dataset.slot + ':' + e.currentTarget.dataset.user})
    },
  },
})
`

const COMPONENT_WXML = `<view class="room {{template}}">
  <live-pusher id="pusher" url="{{pushURL}}" enable-camera="{{true}}" min-bitrate="{{300}}" aspect="3:4"
    bindstatechange="onPusherState" binderror="onPusherError"/>
  <block wx:for="{{m}}" wx:key="index">
    <live-player id="player-{{index}}" data-slot="{{index}}" data-user="{{item.id}}" src="{{item.src}}"
      object-fit="fillCrop" muted="{{item.muted}}" bindstatechange="onPlayerState"/>
  </block>
  <view class="sum">{{sum}}</view>
</view>`

function writeFakePackage(folder) {
  const root = env.tempDir('wxenv-selftest-')
  const dir = path.join(root, folder)
  fs.mkdirSync(path.join(dir, 'core'), {recursive: true})
  fs.writeFileSync(path.join(dir, 'fake-room.json'), JSON.stringify({component: true, usingComponents: {}}))
  fs.writeFileSync(path.join(dir, 'fake-room.wxml'), COMPONENT_WXML)
  fs.writeFileSync(path.join(dir, 'fake-room.wxss'), '.room { width: 100vw; }')
  fs.writeFileSync(path.join(dir, 'fake-room.js'), COMPONENT_JS)
  fs.writeFileSync(path.join(dir, 'core', 'helper.js'), "module.exports = {hi: () => 'hi'}\n")
  fs.writeFileSync(path.join(dir, 'core', 't_bg.wasm.br'), zlib.brotliCompressSync(ADD_WASM))
  return {root, componentPath: path.join(dir, 'fake-room')}
}

afterEach(() => env.cleanup())

test('globals WeChat lacks are gone for component code; WeChat ones are there', async () => {
  const pkg = writeFakePackage('components/fake-room')
  const page = env.renderPage({...pkg})
  await env.waitForCore()
  const probe = page.room.instance.probe()
  for (const n of env.REMOVED_GLOBALS) assert.equal(probe[n], 'undefined', n)
  for (const n of ['window', 'document', 'process', 'Buffer', 'setImmediate']) assert.equal(probe[n], 'undefined', n)
  assert.equal(probe.wx, 'object')
  assert.equal(probe.WXWebAssembly, 'object')
  assert.equal(probe.Component, 'function')
  assert.equal(probe.setTimeout, 'function')
  assert.equal(probe.helper, 'hi', 'relative require of ./core/helper.js works')
  // the test process itself lost them too (they are captured in env.real)
  assert.equal(typeof WebAssembly, 'undefined')
  assert.equal(typeof env.real.WebAssembly.instantiate, 'function')
})

test('require inside the package is WeChat-like', async () => {
  const pkg = writeFakePackage('components/fake-room')
  const page = env.renderPage({...pkg})
  const inst = page.room.instance
  assert.match(inst.tryRequire('zlib'), /is not defined/)
  assert.match(inst.tryRequire('miniprogram-simulate'), /is not defined/)
  assert.match(inst.tryRequire('../../../etc/passwd'), /is not defined/)
  assert.equal(inst.tryRequire('./core/helper'), 'ok')
  assert.equal(inst.tryRequire('/components/fake-room/core/helper.js'), 'ok')
})

test('this.is is the package path and WXWebAssembly maps it to the file (copied folder too)', async () => {
  for (const folder of ['fake-room', 'components/fake-room', 'a/b/c/fake-room']) {
    const pkg = writeFakePackage(folder)
    const page = env.renderPage({...pkg})
    await env.waitForCore()
    assert.equal(page.room.instance.is, `${folder}/fake-room`)
    const rec = env.wasm.records[env.wasm.records.length - 1]
    assert.equal(rec.path, `/${folder}/core/t_bg.wasm.br`)
    assert.equal(rec.error, null)
    assert.equal(rec.file, path.join(pkg.root, folder, 'core', 't_bg.wasm.br'))
    assert.equal(rec.callerRoot, pkg.root, 'the package of the calling code was found on the stack')
    assert.equal(page.room.data.sum, 5, 'the real wasm ran')
    await env.cleanup()
  }
})

test('WXWebAssembly rejects what WeChat rejects', async () => {
  await assert.rejects(env.WXWebAssembly.instantiate('relative/x.wasm', {}), /absolute/)
  await assert.rejects(env.WXWebAssembly.instantiate('/nope/x.wasm.br', {}), /no file/)
  await assert.rejects(env.WXWebAssembly.instantiate(new Uint8Array(ADD_WASM), {}), TypeError)
  assert.equal(typeof env.WXWebAssembly.Memory, 'function')
})

test('trap injection throws a real WebAssembly.RuntimeError once', async () => {
  const pkg = writeFakePackage('fake-room')
  const page = env.renderPage({...pkg})
  await env.waitForCore()
  const rec = env.wasm.records[env.wasm.records.length - 1]
  rec.trapNext()
  assert.match(page.room.instance.trapOnce(), /^RuntimeError:unreachable/)
  assert.equal(page.room.instance.trapOnce(), 2)
  assert.equal(rec.trapsFired, 1)
})

test('page flow: props, start in setData callback, request queue, contexts, native tags, events', async () => {
  const pkg = writeFakePackage('components/fake-room')
  const page = env.renderPage({...pkg, props: {template: 'grid', useCloud: false}})
  const room = page.room
  // start before the wasm is there: the fake honours it later
  await page.start({roomID: 1234, userID: 'a&b=c'})
  await env.waitForCore()
  assert.equal(room.data.roomID, 1234)
  assert.equal(room.data.useCloud, false)
  assert.equal(room.data.template, 'grid')
  const reqs = env.pendingRequests()
  assert.equal(reqs.length, 1)
  assert.equal(reqs[0].method, 'POST')
  assert.equal(reqs[0].query.identifier, 'a&b=c')
  assert.deepEqual(reqs[0].body, {a: 1})
  const before = room.setDataCalls.length
  assert.equal(await reqs[0].respond({statusCode: 200, data: '{"sig":"s1"}'}), true)
  assert.equal(room.setDataCalls.length, before + 1)
  assert.ok(room.setDataCalls[before].chars > 10)
  assert.equal(room.pusher().url, 'room://r?sig=s1')
  assert.equal(room.pusher().minBitrate, 300)
  assert.equal(room.pusher().aspect, '3:4')
  assert.equal(room.pusher().maxBitrate, 1000, 'documented default of an unset property')
  assert.deepEqual(room.activePlayers().map((p) => [p.$id, p.src, p.objectFit, p.$dataset.user]), [['player-1', 'room://b', 'fillCrop', 'b']])
  assert.deepEqual(room.pusherCalls(), ['start'])
  assert.deepEqual(room.playerCalls().map((c) => [c.slot, c.user, c.method]), [[1, 'b', 'play'], [2, '', 'play']])
  assert.deepEqual(room.roomEvents(), [{tag: 'ok', code: 0, detail: 200}])
  // a late second answer is a no-op
  assert.equal(await reqs[0].respond({data: {sig: 'x'}}), false)

  await room.pusherState(1020, '{"userlist":[]}')
  await room.pusherError(10001, 'no camera')
  await room.pusherError(10002, 'no mic', {legacyDetails: true})
  await room.playerState('b', 2004)
  await room.playerState(0, 2007)
  assert.deepEqual(room.roomEvents().slice(1), [
    {tag: 'pusher', code: 1020, detail: '{"userlist":[]}'},
    {tag: 'error', code: -7, detail: '10001 no camera'},
    {tag: 'error', code: -7, detail: '10002 no mic'},
    {tag: 'player', code: 2004, detail: '1:b'},
    {tag: 'player', code: 2007, detail: '0:'},
  ])
  assert.deepEqual(env.errors, [])
})

test('abort: fail with request:fail abort, later answers are no-ops', async () => {
  const pkg = writeFakePackage('fake-room')
  const page = env.renderPage({...pkg})
  await env.waitForCore()
  await page.start({roomID: 1, userID: 'u'})
  const [req] = env.pendingRequests()
  page.detach()
  await env.flush()
  assert.equal(req.aborted, true)
  assert.equal(req.outcome, 'fail')
  assert.equal(await req.respond({data: {sig: 'late'}}), false)
  assert.equal(await req.fail('request:fail timeout'), false)
})

test('two rooms on one page', async () => {
  const pkg = writeFakePackage('fake-room')
  const page = env.renderPage({...pkg, count: 2, props: {roomID: 7}})
  await env.waitForCore()
  assert.equal(page.rooms.length, 2)
  assert.notEqual(page.rooms[0].instance, page.rooms[1].instance)
  await page.rooms[1].start({userID: 'second'})
  assert.equal(env.pendingRequests().length, 1)
  assert.equal(env.pendingRequests()[0].query.identifier, 'second')
  await env.pendingRequests()[0].respond({data: {sig: 'two'}})
  assert.equal(page.rooms[0].pusher().url, '')
  assert.equal(page.rooms[1].pusher().url, 'room://r?sig=two')
  assert.deepEqual(page.rooms[0].pusherCalls(), [])
  assert.deepEqual(page.rooms[1].pusherCalls(), ['start'])
  assert.equal(page.roomEvents('webrtcroom2').length, 1)
  assert.equal(page.roomEvents('webrtcroom1').length, 0)
})

test('component exceptions are collected', async () => {
  const pkg = writeFakePackage('fake-room')
  const page = env.renderPage({...pkg})
  await env.waitForCore()
  // the fake reads e.detail.code: a statechange without detail fields is fine, an error with
  // neither detail nor details throws inside the handler
  env.fireNative(page.room.pusherNode(), 'error', null)
  await env.flush()
  assert.ok(env.errors.length >= 1)
})
