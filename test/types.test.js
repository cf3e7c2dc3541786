'use strict'
// The TypeScript types (package/webrtc-room.d.ts): a small TypeScript page (test/types/room-page.ts)
// type-checks with `tsc --noEmit` against them and miniprogram-api-typings, including its lines
// marked `@ts-expect-error` (a wrong tag, a wrong callback signature, ...), which tsc reports if they
// ever compile. And the types name every property and method the shim has and every event tag the
// core emits, so they cannot fall behind the component.

const {test} = require('node:test')
const assert = require('node:assert/strict')
const fs = require('fs')
const path = require('path')
const {spawnSync} = require('child_process')

const ROOT = path.resolve(__dirname, '..')
const DTS = fs.readFileSync(path.join(ROOT, 'package', 'webrtc-room.d.ts'), 'utf8')
const SHIM = fs.readFileSync(path.join(ROOT, 'shim', 'webrtc-room.js'), 'utf8')

// The members of `interface <name> { ... }` in the .d.ts.
function interfaceMembers (name) {
  const m = new RegExp(`interface ${name}[^{]*\\{([\\s\\S]*?)\\n\\}`).exec(DTS)
  assert.ok(m, `the .d.ts declares interface ${name}`)
  return [...m[1].matchAll(/^\s{2}(\w+)\??[(:]/gm)].map((x) => x[1])
}

function rustSources (dir) {
  return fs.readdirSync(dir, {withFileTypes: true}).flatMap((e) => e.isDirectory()
    ? rustSources(path.join(dir, e.name))
    : e.name.endsWith('.rs') ? [fs.readFileSync(path.join(dir, e.name), 'utf8')] : [])
}

test('tsc --noEmit: the TypeScript page compiles, and each line that must not compile does not', () => {
  const page = fs.readFileSync(path.join(__dirname, 'types', 'room-page.ts'), 'utf8')
  const mustFail = page.match(/@ts-expect-error/g) || []
  assert.ok(mustFail.length >= 14, `the page keeps its lines that must fail (${mustFail.length})`)
  const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc')
  const res = spawnSync(process.execPath, [tsc, '-p', path.join(__dirname, 'types'), '--noEmit', '--pretty', 'false'],
    {encoding: 'utf8'})
  assert.equal(res.stdout + res.stderr, '', 'tsc reports nothing')
  assert.equal(res.status, 0)
})

test('every property of the shim, and the new protocol/strRoomID/scene, is typed', () => {
  const typed = interfaceMembers('WebrtcRoomProperties')
  const props = [...SHIM.matchAll(/\['(\w+)', (?:String|Number|Boolean|[NSB],)/g)].map((m) => m[1])
  assert.ok(props.length >= 29, `the shim's property table was read (${props.length})`)
  for (const p of [...props, 'protocol', 'strRoomID', 'scene']) assert.ok(typed.includes(p), `property ${p} is typed`)
})

test('every method of the shim is typed', () => {
  const typed = interfaceMembers('WebrtcRoomMethods')
  const methods = SHIM.match(/const METHODS = '([\w ]+)'/)[1].split(' ')
  assert.ok(methods.length >= 12, `the shim's methods were read (${methods.length})`)
  for (const m of methods) assert.ok(typed.includes(m), `method ${m} is typed`)
})

test('every RoomEvent and IMEvent tag the core emits is in the unions', () => {
  const src = rustSources(path.join(ROOT, 'crate', 'src')).join('\n')
  const room = new Set([...src.matchAll(/\bevent\(\s*"(\w+)"/g)].map((m) => m[1]))
  if (/\bself\.error\(/.test(src)) room.add('error')
  const im = new Set([...src.matchAll(/\bim_event\(\s*"(\w+)"/g)].map((m) => m[1]))
  assert.ok(room.size >= 5 && im.size >= 8, `tags were read: ${[...room]} / ${[...im]}`)
  const tagsOf = (union) => {
    const block = new RegExp(`export type ${union} =([\\s\\S]*?)\\nexport`).exec(DTS)[1]
    const names = [...block.matchAll(/\|\s*(\w+)/g)].map((m) => m[1])
    return names.flatMap((n) => [...new RegExp(`interface ${n} \\{\\s*tag: ([^;\\n]+)`).exec(DTS)[1].matchAll(/'(\w+)'/g)].map((m) => m[1]))
  }
  const roomTyped = tagsOf('RoomEventDetail')
  const imTyped = tagsOf('IMEventDetail')
  for (const t of room) assert.ok(roomTyped.includes(t), `RoomEvent tag ${t} is typed`)
  for (const t of im) assert.ok(imTyped.includes(t), `IMEvent tag ${t} is typed`)
  for (const t of ['exit_room', 'remote_user_join', 'remote_user_leave', 'remote_video', 'remote_audio']) {
    assert.ok(roomTyped.includes(t), `trtc tag ${t} is typed`)
  }
})
