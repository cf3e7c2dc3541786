'use strict'
// The layouts as a browser lays them out: the component's real WXML and WXSS, rendered through the
// WeChat-like runtime for each template with 0-3 remote users (tools/layout-html.js), measured in
// headless Chromium at a 375x667 viewport. Expected places come from the 2019 component's geometry
// in vw (1vw = 3.75px here), not from our WXSS.

const {test, before, after} = require('node:test')
const assert = require('node:assert/strict')
const {launchChromium} = require('../tools/chromium')
const {renderRooms, VIEWPORT} = require('../tools/layout-pictures')

const VW = VIEWPORT.width / 100
const CAPACITY = {bigsmall: 1, float: 3, grid: 3}
const rect = (x, y, width, height) => ({x, y, width, height})

// bigsmall: the local view is the small window at (1vw, 1vw), 30vw x 40vw; the remote user fills the screen.
// float: the local view fills the screen; remote tiles of 30.65vw x 41.02vw stand 15px from the right,
//   the first one's bottom 20vw above the screen's bottom, each next one 2vw above the previous.
// grid: 2 x 2 equal cells of 46vw x 61.33vw starting 20vw from the top, 1vw apart across (centred)
//   and 2vw apart down; the local view is the first cell, remote slot s is cell s + 1.
function expected (template, slot) {
  const {width: W, height: H} = VIEWPORT
  if (template === 'bigsmall') return slot < 0 ? rect(1 * VW, 1 * VW, 30 * VW, 40 * VW) : rect(0, 0, W, H)
  if (template === 'float') {
    if (slot < 0) return rect(0, 0, W, H)
    const w = 30.65 * VW
    const h = 41.02 * VW
    const bottom = H - 20 * VW - slot * (h + 2 * VW)
    return rect(W - 15 - w, bottom - h, w, h)
  }
  const cell = slot + 1
  return rect(3.5 * VW + (cell % 2) * 47 * VW, 20 * VW + Math.floor(cell / 2) * 63.33 * VW, 46 * VW, 61.33 * VW)
}

function assertRect (actual, want, what) {
  for (const k of ['x', 'y', 'width', 'height']) {
    assert.ok(Math.abs(actual[k] - want[k]) < 0.6, `${what}: ${k} is ${actual[k]}, expected ${want[k].toFixed(2)} ` +
      `(got ${JSON.stringify(actual)})`)
  }
}

let rooms
let browser
let page

before(async () => {
  rooms = renderRooms()
  browser = await launchChromium()
  page = await browser.newPage()
  await page.setViewport(VIEWPORT)
})

after(async () => {
  if (browser) await browser.close()
})

// What the browser shows for one rendered room.
async function measure (html) {
  await page.setContent(html, {waitUntil: 'load'})
  return page.evaluate(() => {
    const box = (el) => {
      const r = el.getBoundingClientRect()
      return {x: r.x, y: r.y, width: r.width, height: r.height}
    }
    // The element on top at the centre of `el`, and whether it is `el` or inside it.
    const onTop = (el) => {
      const r = el.getBoundingClientRect()
      const hit = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2)
      return {inside: !!hit && el.contains(hit), hit: hit ? hit.tagName + '.' + hit.className : null}
    }
    const visible = (el) => getComputedStyle(el).display !== 'none' && el.getBoundingClientRect().width > 0
    return {
      pushers: [...document.querySelectorAll('live-pusher')].filter(visible).map(box),
      players: [...document.querySelectorAll('live-player')].filter(visible)
        .map((el) => ({slot: Number(el.dataset.slot), user: el.dataset.user, label: el.dataset.label, rect: box(el), onTop: onTop(el)})),
      pusherOnTop: [...document.querySelectorAll('live-pusher')].filter(visible).map(onTop),
      slotButtons: [...document.querySelectorAll('.bar .btn')].map((el) => ({text: el.textContent, rect: box(el), onTop: onTop(el)})),
    }
  })
}

test('every template and member count is rendered', () => {
  assert.deepEqual(rooms.filter((r) => !r.props).map((r) => `${r.template}:${r.remote}`),
    ['bigsmall', 'float', 'grid'].flatMap((t) => [0, 1, 2, 3].map((n) => `${t}:${n}`)))
})

test('bigsmall: a small window placed in rpx, vw and vh lands where WeChat puts it (750rpx = screen width)', async () => {
  const room = rooms.find((r) => r.props)
  assert.deepEqual(room.props, {smallViewLeft: '20rpx', smallViewTop: '5vw', smallViewWidth: '300rpx', smallViewHeight: '50vh'})
  const m = await measure(room.html)
  const rpx = VIEWPORT.width / 750
  assertRect(m.pushers[0], rect(20 * rpx, 5 * VW, 300 * rpx, VIEWPORT.height / 2), 'live-pusher')
  assertRect(m.players[0].rect, rect(0, 0, VIEWPORT.width, VIEWPORT.height), 'live-player 0')
})

for (const template of ['bigsmall', 'float', 'grid']) {
  for (const remote of [0, 1, 2, 3]) {
    test(`${template} with ${remote} remote user(s) at 375x667: pusher and player rectangles, slot content on top`, async () => {
      const room = rooms.find((r) => r.template === template && r.remote === remote && !r.props)
      const shown = Math.min(remote, CAPACITY[template])
      const m = await measure(room.html)

      assert.equal(m.pushers.length, 1, 'one live-pusher on screen')
      assertRect(m.pushers[0], expected(template, -1), 'live-pusher')

      assert.deepEqual(m.players.map((p) => [p.slot, p.user]), room.users.slice(0, shown).map((u, i) => [i, u]),
        'one player per seated remote user, in seat order')
      for (const p of m.players) {
        assertRect(p.rect, expected(template, p.slot), `live-player ${p.slot} (${p.user})`)
        assert.match(p.label, new RegExp(p.user), 'the box is labelled with its user')
      }
      if (template === 'grid') {
        const sizes = [m.pushers[0], ...m.players.map((p) => p.rect)].map((r) => `${r.width.toFixed(1)}x${r.height.toFixed(1)}`)
        assert.equal(new Set(sizes).size, 1, `grid cells are equal: ${sizes}`)
      }
      // No view hides another (bigsmall: the small window lies over the big player, away from its centre).
      assert.ok(m.pusherOnTop[0].inside, `live-pusher is visible at its centre (on top: ${m.pusherOnTop[0].hit})`)
      for (const p of m.players) assert.ok(p.onTop.inside, `player ${p.slot} is visible at its centre (on top: ${p.onTop.hit})`)

      // The demo's control bar, given to the layout's named slot, stays on top of every video view.
      assert.equal(m.slotButtons.length, 5, 'the slot content (five buttons) is rendered')
      for (const b of m.slotButtons) {
        assert.ok(b.onTop.inside, `slot button '${b.text}' is on top at its centre (found ${b.onTop.hit})`)
        assert.ok(b.rect.y >= 0 && b.rect.y + b.rect.height <= VIEWPORT.height, `slot button '${b.text}' is on screen`)
      }
      if (remote > shown) {
        assert.deepEqual(room.roomEvents.filter((e) => e.tag === 'error').map((e) => e.code), [-8], 'the refused member is reported')
      }
    })
  }
}
