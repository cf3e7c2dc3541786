'use strict'
// Pictures of the three layouts with 0-3 remote users, taken in headless Chromium at a phone's
// 375x667 viewport from the component's real WXML and WXSS (rendered by tools/layout-html.js).
//
//   node tools/layout-pictures.js          writes docs/layout-<template>-<n>.png and docs/layouts.png
//   node tools/layout-pictures.js --html   also writes the HTML pages (docs/layout-html/, not committed)

const fs = require('fs')
const os = require('os')
const path = require('path')
const {execFileSync} = require('child_process')
const {launchChromium} = require('./chromium')

const ROOT = path.resolve(__dirname, '..')
const DOCS = path.join(ROOT, 'docs')
const VIEWPORT = {width: 375, height: 667}

// The rendered rooms, from a process of their own (the WeChat-like runtime removes globals that
// puppeteer needs).
function renderRooms () {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'webrtc-room-layouts-'))
  try {
    const out = path.join(dir, 'rooms.json')
    execFileSync(process.execPath, [path.join(__dirname, 'layout-html.js'), out], {stdio: ['ignore', 'inherit', 'inherit']})
    return JSON.parse(fs.readFileSync(out, 'utf8'))
  } finally {
    fs.rmSync(dir, {recursive: true, force: true})
  }
}

function pictureName (room) {
  return `layout-${room.template}-${room.remote}.png`
}

function caption (room) {
  const shown = room.seated.filter(Boolean).length
  const refused = room.remote - shown
  return `${room.template}, ${room.remote} remote` + (refused ? ` (${refused} refused: -8)` : '')
}

// All pictures side by side: one row per template, one column per number of remote users.
function overviewHtml (rooms, pngs) {
  const rows = []
  for (const template of [...new Set(rooms.map((r) => r.template))]) {
    const cells = rooms.filter((r) => r.template === template).map((r) =>
      `<figure><img src="data:image/png;base64,${pngs[pictureName(r)].toString('base64')}"><figcaption>${caption(r)}</figcaption></figure>`)
    rows.push(`<div class="row">${cells.join('')}</div>`)
  }
  return `<!doctype html><html><head><meta charset="utf-8"><style>
body { margin: 0; padding: 12px; background: #fff; font: 14px "Liberation Sans", Arial, sans-serif; color: #222; }
.row { display: flex; gap: 12px; margin-bottom: 12px; }
figure { margin: 0; }
img { display: block; width: 188px; height: 334px; border: 1px solid #999; }
figcaption { margin-top: 4px; text-align: center; }
</style></head><body>${rows.join('')}</body></html>`
}

async function main () {
  const keepHtml = process.argv.includes('--html')
  const rooms = renderRooms().filter((r) => !r.props) // the default look of each layout
  const browser = await launchChromium()
  try {
    const page = await browser.newPage()
    await page.setViewport(VIEWPORT)
    const pngs = {}
    if (keepHtml) fs.mkdirSync(path.join(DOCS, 'layout-html'), {recursive: true})
    for (const room of rooms) {
      await page.setContent(room.html, {waitUntil: 'load'})
      const name = pictureName(room)
      pngs[name] = Buffer.from(await page.screenshot({type: 'png'}))
      fs.writeFileSync(path.join(DOCS, name), pngs[name])
      if (keepHtml) fs.writeFileSync(path.join(DOCS, 'layout-html', name.replace(/\.png$/, '.html')), room.html)
      console.log('docs/' + name + '  ' + caption(room))
    }
    await page.setViewport({width: 4 * 200 + 24, height: 600})
    await page.setContent(overviewHtml(rooms, pngs), {waitUntil: 'load'})
    fs.writeFileSync(path.join(DOCS, 'layouts.png'), await page.screenshot({type: 'png', fullPage: true}))
    console.log('docs/layouts.png  all of them')
  } finally {
    await browser.close()
  }
}

module.exports = {renderRooms, VIEWPORT}

if (require.main === module) {
  main().catch((err) => {
    console.error(err && err.stack || err)
    process.exit(1)
  })
}
