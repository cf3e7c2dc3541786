'use strict'
// The mini-program npm package: packed by tools/npm-package.js, installed from its tarball into a
// scratch mini program, laid out the way WeChat DevTools' "build npm" does (miniprogram_npm/<name>/,
// from the package's `miniprogram` folder), and used by a page through
// "usingComponents": {"webrtc-room": "<name>/webrtc-room"}: the room flow runs with the core loaded
// from miniprogram_npm.

const {test, before, afterEach} = require('node:test')
const assert = require('node:assert/strict')
const fs = require('fs')
const path = require('path')
const {execFileSync, spawnSync} = require('child_process')
const env = require('./support/wechat-env')
const R = require('./support/room')
const npmPackage = require('../tools/npm-package')

afterEach(async () => {
  const errors = env.errors.slice()
  await env.cleanup()
  assert.deepEqual(errors.map(String), [], 'component code threw inside the framework')
})

function filesUnder (dir, prefix = '') {
  return fs.readdirSync(dir, {withFileTypes: true}).flatMap((e) => e.isDirectory()
    ? filesUnder(path.join(dir, e.name), prefix + e.name + '/')
    : [prefix + e.name])
}

// What DevTools' "build npm" does for each dependency of the mini program: a package with a
// `miniprogram` field has that folder copied to miniprogram_npm/<name>/.
function buildNpm (root) {
  const deps = Object.keys(JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).dependencies || {})
  for (const name of deps) {
    const dir = path.join(root, 'node_modules', name)
    const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'))
    const from = path.join(dir, pkg.miniprogram || 'miniprogram_dist')
    assert.ok(fs.existsSync(from), `${name}: its miniprogram folder ${from} exists`)
    fs.cpSync(from, path.join(root, 'miniprogram_npm', name), {recursive: true})
  }
}

// WeChat's resolution of a usingComponents path that is neither relative nor absolute: the nearest
// miniprogram_npm/ from the page's folder up to the package root.
function resolveUsingComponent (root, pageDir, spec) {
  if (spec.startsWith('/')) return path.join(root, spec)
  if (spec.startsWith('.')) return path.resolve(pageDir, spec)
  for (let dir = pageDir; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'miniprogram_npm', spec)
    if (fs.existsSync(candidate + '.json')) return candidate
    if (dir === root) throw new Error(`${spec}: not found in any miniprogram_npm/ (run "build npm")`)
  }
}

let packed
let scratch

before(() => {
  const out = env.tempDir('webrtc-room-pack-')
  packed = npmPackage.pack(out)
  scratch = env.tempDir('webrtc-room-scratch-app-')
  fs.writeFileSync(path.join(scratch, 'package.json'), JSON.stringify({name: 'scratch-app', version: '1.0.0', private: true}))
  fs.writeFileSync(path.join(scratch, 'app.json'), JSON.stringify({pages: ['pages/room/room']}))
  fs.mkdirSync(path.join(scratch, 'pages', 'room'), {recursive: true})
  fs.writeFileSync(path.join(scratch, 'pages', 'room', 'room.json'),
    JSON.stringify({usingComponents: {'webrtc-room': `${packed.name}/webrtc-room`}}))
  execFileSync('npm', ['install', '--offline', '--no-audit', '--no-fund', '--save', packed.file],
    {cwd: scratch, stdio: ['ignore', 'ignore', 'inherit']})
  buildNpm(scratch)
})

test('the package version is the crate\'s, and package/package.json carries none of its own', () => {
  const cargo = fs.readFileSync(path.join(env.REPO_ROOT, 'crate', 'Cargo.toml'), 'utf8')
  assert.equal(packed.version, /\nversion = "([^"]+)"/.exec(cargo)[1])
  const source = JSON.parse(fs.readFileSync(path.join(npmPackage.PACKAGE_DIR, 'package.json'), 'utf8'))
  assert.ok(!('version' in source))
  const installed = JSON.parse(fs.readFileSync(path.join(scratch, 'node_modules', packed.name, 'package.json'), 'utf8'))
  assert.equal(installed.version, packed.version)
  assert.equal(installed.miniprogram, 'webrtc-room')
  assert.equal(installed.license, 'MIT')
})

test('the tarball holds the component folder byte for byte, the types, README and LICENSE, nothing else', () => {
  const folder = filesUnder(env.COMPONENT_DIR).map((f) => 'webrtc-room/' + f)
  assert.deepEqual(packed.files, ['LICENSE', 'README.md', 'package.json', 'webrtc-room.d.ts', ...folder].sort())
  const installed = path.join(scratch, 'node_modules', packed.name)
  for (const f of folder) {
    assert.ok(fs.readFileSync(path.join(installed, f)).equals(fs.readFileSync(path.join(env.REPO_ROOT, f))), `${f} is the built one`)
  }
  assert.match(fs.readFileSync(path.join(installed, 'LICENSE'), 'utf8'), /^MIT License/)
})

test('"build npm" layout: miniprogram_npm/<name>/ is the component folder', () => {
  const laidOut = filesUnder(path.join(scratch, 'miniprogram_npm', packed.name)).sort()
  assert.deepEqual(laidOut, filesUnder(env.COMPONENT_DIR).sort())
})

test('a page of the scratch mini program uses it by "<name>/webrtc-room" and the room flow runs from miniprogram_npm', async () => {
  const pageDir = path.join(scratch, 'pages', 'room')
  const spec = JSON.parse(fs.readFileSync(path.join(pageDir, 'room.json'), 'utf8')).usingComponents['webrtc-room']
  const componentPath = resolveUsingComponent(scratch, pageDir, spec)
  assert.equal(componentPath, path.join(scratch, 'miniprogram_npm', packed.name, 'webrtc-room'))

  const page = env.renderPage({componentPath, root: scratch, props: {template: 'grid'}})
  await R.enter({page})
  const room = page.room

  // The core came from the npm layout, by the path the component computed from its own place.
  assert.equal(env.wasm.records.length, 1)
  const record = env.wasm.records[0]
  assert.equal(record.path, `/miniprogram_npm/${packed.name}/core/room_bg.wasm.br`)
  assert.equal(record.file, path.join(scratch, 'miniprogram_npm', packed.name, 'core', 'room_bg.wasm.br'))
  assert.equal(record.error, null)
  assert.ok(env.moduleLoads.some((m) => m.file === path.join(scratch, 'miniprogram_npm', packed.name, 'webrtc-room.js')))
  assert.ok(!env.moduleLoads.some((m) => m.file.startsWith(env.COMPONENT_DIR + path.sep)), 'nothing ran from the repo folder')

  // The usual flow: in the room, members seated and played, a member leaves, exit.
  assert.equal(room.pusher().url, R.pusherURL())
  assert.deepEqual(room.roomEvents().map((e) => e.tag), ['enter_room'])
  await room.pusherUserList(['a', 'b'])
  assert.deepEqual(R.seats(room), ['a', 'b', ''])
  assert.equal(room.player(0).src, R.playURL('a'))
  await room.playerState('a', 2004)
  await room.pusherUserList(['b'])
  assert.deepEqual(R.seats(room), ['', 'b', ''])
  await room.call('exitRoom')
  assert.ok(room.pusherCalls().includes('stop'))
  assert.equal(room.data.pushURL, '')
  assert.deepEqual(room.errorEvents(), [])
})

test('a TypeScript page of the scratch mini program gets the types from the installed package (its `types` field)', () => {
  const pageDir = path.join(scratch, 'pages', 'room')
  fs.writeFileSync(path.join(pageDir, 'room.ts'), [
    `import type { WebrtcRoom, RoomEvent } from '${packed.name}'`,
    'Page({',
    '  onRoomEvent (e: RoomEvent) { if (e.detail.tag === \'member_join\') console.log(e.detail.detail.userID) },',
    '  hi () { (this.selectComponent(\'#webrtcroom\') as WebrtcRoom).sendGroupTextMsg(\'hi\', (msg) => console.log(msg.getSeq())) },',
    '  // @ts-expect-error the package\'s types are in force: no such tag',
    '  wrong (e: RoomEvent) { return e.detail.tag === \'joined\' },',
    '})',
    '',
  ].join('\n'))
  fs.writeFileSync(path.join(scratch, 'tsconfig.json'), JSON.stringify({
    compilerOptions: {target: 'ES2017', lib: ['ES2017'], module: 'CommonJS', strict: true, noEmit: true, skipLibCheck: true,
      typeRoots: [path.join(env.REPO_ROOT, 'node_modules')], types: ['miniprogram-api-typings']},
    files: ['pages/room/room.ts'],
  }))
  const tsc = path.join(env.REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc')
  const res = spawnSync(process.execPath, [tsc, '-p', scratch, '--pretty', 'false'], {encoding: 'utf8'})
  assert.equal(res.stdout + res.stderr, '', 'tsc reports nothing')
  assert.equal(res.status, 0)
})
