'use strict'
// Manual check that Tencent's own 2019 webim SDK works through the emulator. The SDK is not part
// of this repository and never goes into it: fetch it yourself (repository tencentyun/TRTCSDK,
// commit c9e9c8ff, WXMini/pages/components/webrtc-room/webim_wx.js) and pass its path.
//
//   node tools/webim2019-check.js /tmp/webim_wx.js
//
// Two scenarios, each with its own signing service and emulator on loopback:
// 1. two "2019 pages" (SDK instances with the 2019 component's listeners);
// 2. a 2019 page and a page with our <webrtc-room> (enableIM, in test/support's WeChat-like
//    environment), in one room.
// Each logs in, sets a nick, creates/joins the AVChatRoom group, polls, sends group and C2C
// messages (text and custom) both ways; the check counts deliveries (exactly once, intact) and
// nicks. It prints one line per check and every webim request the SDK made; exit status 0 when
// all checks pass. Not in `tools/test.sh`: it needs the SDK file.

const {sdkFile, userSig, OldPage} = require('./webim2019')

const SDK_FILE = sdkFile('usage: node tools/webim2019-check.js <path of the 2019 webim_wx.js>')
// Loaded before the SDK runs: it replaces globals (fetch, WebAssembly, ...) as WeChat lacks them.
const env = require('../test/support/wechat-env')
const E = require('../test/support/e2e')

// ----- the 2019 SDK's requests, aimed at the emulator ---------------------------------------------

// The emulator of the scenario running now; each SDK instance keeps the one it was made with
// (a page left over from a scenario goes on polling its own, stopped, emulator).
const emulator = {url: ''}
// "ver/service/command → HTTP status ActionStatus ErrorCode" → how many times.
const answers = new Map()

function note(url, status, data) {
  const key = `${new URL(url).pathname.slice(1)} → HTTP ${status} ${data && data.ActionStatus} ${data && data.ErrorCode}`
  answers.set(key, (answers.get(key) || 0) + 1)
}

// A 2019 page on the emulator of the scenario running now, its answers noted.
const oldPage = (user) => new OldPage(SDK_FILE, user, emulator.url, {answered: note})

// Our page (the e2e tests' way): apiBase at the emulator, enableIM.
async function newPage(svc, userID, roomID) {
  const page = env.renderPage({props: {template: 'grid', apiBase: svc.emu.url, enableIM: true}})
  const media = E.attachMedia(page.room, svc.emu.url)
  await env.waitForCore()
  await page.start({roomID, userID, sdkAppID: svc.sdkAppID, userSig: await userSig(svc.sign.url, userID, roomID)})
  return {page, room: page.room, media, userID}
}
const imOf = (p, tag) => p.page.imEvents().filter((e) => e.tag === tag)
function sendFrom(p, method, ...args) {
  return new Promise((resolve, reject) => p.room.instance[method](...args, resolve, (code, info) => reject(new Error(`${method}: ${code} ${JSON.stringify(info)}`))))
}

// ----- checks -----------------------------------------------------------------------------------

let passed = 0
let failed = 0
function check(what, ok, detail) {
  if (ok) passed++
  else failed++
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}${ok ? '' : ` — ${JSON.stringify(detail)}`}`)
}
const newRoom = () => 100000 + Math.floor(Math.random() * 800000)
const count = (list, pred) => list.filter(pred).length

async function withServices(fn) {
  const svc = await E.startServices({hold: 3, mediaHold: 3})
  emulator.url = svc.emu.url
  try {
    await fn(svc)
  } finally {
    await E.stopAll()
  }
}

async function oldAndOld(svc) {
  console.log('\n2019 page + 2019 page')
  const roomID = newRoom()
  const alice = oldPage('alice')
  const bob = oldPage('bob')
  const first = await alice.login(svc.sdkAppID, await userSig(svc.sign.url, 'alice', roomID))
  check('alice logs in (login, portrait_get, get_joined_group_list, authkey); no nick yet', first.ActionStatus === 'OK' && !first.identifierNick, first)
  const nick = 'Alice 爱丽丝 🌸'
  await alice.setNick(nick)
  const second = await bob.login(svc.sdkAppID, await userSig(svc.sign.url, 'bob', roomID))
  check('bob logs in', second.ActionStatus === 'OK', second)
  await alice.join(roomID)
  await bob.join(roomID)
  check('both create/join the AVChatRoom group', alice.room === String(roomID) && bob.room === String(roomID))
  await env.sleep(300)

  const text = '大家好 👋 mixed ✓'
  await alice.send(null, {text})
  await bob.send(null, {data: '{"cmd":"hi","n":1}', desc: 'd', ext: 'e'})
  await alice.send('bob', {text: '私信 😀 plain'})
  await bob.send('alice', {data: '{"c2c":true}', desc: 'dd', ext: 'ee'})
  await env.sleep(1500)
  for (const p of [alice, bob]) {
    check(`${p.user} gets alice's group text once, intact, with her nick`, count(p.group, (m) => m.from === 'alice' && m.nick === nick && m.elems[0].text === text) === 1 && count(p.group, (m) => m.from === 'alice') === 1, p.group)
    check(`${p.user} gets bob's group custom once, intact, nick = account`, count(p.group, (m) => m.from === 'bob' && m.nick === 'bob' && m.elems[0].data === '{"cmd":"hi","n":1}') === 1 && count(p.group, (m) => m.from === 'bob') === 1, p.group)
  }
  check('C2C alice → bob: once, intact', bob.c2c.length === 1 && bob.c2c[0].from === 'alice' && bob.c2c[0].elems[0].text === '私信 😀 plain', bob.c2c)
  check('C2C bob → alice: once, intact', alice.c2c.length === 1 && alice.c2c[0].from === 'bob' && alice.c2c[0].elems[0].data === '{"c2c":true}', alice.c2c)
  check('no "connection is off" (9999)', !alice.conn.includes(9999) && !bob.conn.includes(9999), {alice: alice.conn, bob: bob.conn})

  const again = oldPage('alice')
  const third = await again.login(svc.sdkAppID, await userSig(svc.sign.url, 'alice', roomID))
  check('a new login of alice gets identifierNick from her profile', third.identifierNick === nick, third)
  await env.sleep(500)
  check('the first alice page is told it was kicked', alice.kicked >= 1, {kicked: alice.kicked})
  const kickedPolls = () => [...answers].filter(([k]) => k.includes('/get_msg') && k.includes('91101')).reduce((n, [, c]) => n + c, 0)
  const before = kickedPolls()
  await env.sleep(2000)
  check('the kicked page does not spin on its big-group poll (≤ 1 answer in 2 s, hold 3 s)', kickedPolls() - before <= 1, {answers: kickedPolls() - before})
  for (const p of [again, bob]) await p.logout()
}

async function oldAndOurs(svc) {
  console.log('\n2019 page + our <webrtc-room>')
  const roomID = newRoom()
  const net = E.realRequests()
  try {
    const bob = await newPage(svc, 'ours-bob', roomID)
    await env.waitFor(() => imOf(bob, 'join_group_event').length, {timeout: 15000, what: 'our page joined'})
    check('our page logs in and joins', imOf(bob, 'login_event')[0].code === 0 && imOf(bob, 'join_group_event')[0].code === 0, imOf(bob))
    const alice = oldPage('old-alice')
    const login = await alice.login(svc.sdkAppID, await userSig(svc.sign.url, 'old-alice', roomID))
    check('the 2019 page logs in', login.ActionStatus === 'OK', login)
    const nick = '老 Alice 🌸'
    await alice.setNick(nick)
    await alice.join(roomID)
    check('the 2019 page creates/joins the same group', alice.room === String(roomID))
    await env.sleep(300)

    const toOurs = '2019 → ours 大家好 👋'
    const toOld = 'ours → 2019 你好 🎉'
    await alice.send(null, {text: toOurs})
    await alice.send(null, {data: '{"from":2019}', desc: 'd', ext: 'e'})
    await alice.send('ours-bob', {text: 'C2C 2019 → ours 😀'})
    await sendFrom(bob, 'sendGroupTextMsg', toOld)
    await sendFrom(bob, 'sendGroupCustomMsg', {data: '{"from":"ours"}', desc: 'dd', ext: 'ee'})
    await sendFrom(bob, 'sendC2CTextMsg', 'old-alice', 'C2C ours → 2019 ✓')
    await env.sleep(2500)

    const got = imOf(bob, 'big_group_msg_notify').flatMap((e) => e.detail)
    const fromOld = got.filter((m) => m.fromAccount === 'old-alice')
    check('ours gets the 2019 text and custom, once each, intact', fromOld.length === 2 &&
      count(fromOld, (m) => m.elems[0].content.text === toOurs) === 1 && count(fromOld, (m) => m.elems[0].content.data === '{"from":2019}') === 1, fromOld)
    check('…carrying the 2019 page\'s nick', fromOld.every((m) => m.fromAccountNick === nick), fromOld.map((m) => m.fromAccountNick))
    check('ours gets its own two group messages back once each', count(got, (m) => m.fromAccount === 'ours-bob') === 2, got)
    const dm = imOf(bob, 'msg_notify').flatMap((e) => e.detail)
    check('ours gets the 2019 C2C text once', dm.length === 1 && dm[0].fromAccount === 'old-alice' && dm[0].elems[0].content.text === 'C2C 2019 → ours 😀', dm)
    const fromOurs = alice.group.filter((m) => m.from === 'ours-bob')
    check('the 2019 page gets ours\' text and custom, once each, intact', fromOurs.length === 2 &&
      count(fromOurs, (m) => m.elems[0].text === toOld) === 1 && count(fromOurs, (m) => m.elems[0].data === '{"from":"ours"}') === 1, fromOurs)
    check('the 2019 page gets ours\' C2C text once', alice.c2c.length === 1 && alice.c2c[0].elems[0].text === 'C2C ours → 2019 ✓', alice.c2c)
    check('no kicked, no "connection is off" on either side', alice.kicked === 0 && !alice.conn.includes(9999) && imOf(bob, 'kicked').length === 0, {kicked: alice.kicked, conn: alice.conn})
    await alice.logout()
    await bob.media.detach()
  } finally {
    net.uninstall()
    await env.cleanup()
  }
}

async function main() {
  await withServices(oldAndOld)
  await withServices(oldAndOurs)
  console.log('\nwebim requests the 2019 SDK made (path → status, ActionStatus, ErrorCode: times):')
  for (const [k, n] of [...answers].sort()) console.log(`  ${k}: ${n}`)
  console.log(`\n${passed}/${passed + failed} checks passed`)
  process.exit(failed ? 1 : 0)
}

main().catch((e) => {
  console.error(e)
  process.exit(2)
})
