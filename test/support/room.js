'use strict'
// Room-level helpers shared by the component tests: the legacy room-signature protocol as the
// 2019 contract describes it, and a way to get a page into a room.

const assert = require('node:assert/strict')
const env = require('./wechat-env')

const OFFICIAL = 'https://official.opensso.tencent-cloud.com/v4/openim/jsonvideoapp'
const YUN = 'https://yun.tim.qq.com/v4/openim/jsonvideoapp'
const SIG_REPLY = {RspHead: {ErrorCode: 0}, RspBody: {sig: 'room-sig'}}
const ROOM_SIG = '%7B%22sig%22%3A%22room-sig%22%7D' // encodeURIComponent('{"sig":"room-sig"}')
const BASE = {roomID: 1234, userID: 'u-self', userSig: 'sig-self', sdkAppID: 1400000000, privateMapKey: 'pmk-self'}
const CAPACITY = {bigsmall: 1, float: 3, grid: 3}

function isSigRequest(r) {
  return r.url.startsWith(OFFICIAL + '?') || r.url.startsWith(YUN + '?')
}

function sigRequests() {
  return env.requests.filter(isSigRequest)
}

function pendingSig() {
  return sigRequests().filter((r) => r.pending)
}

// The one pending signature request (fails the test when there is not exactly one).
function theSigRequest() {
  const p = pendingSig()
  if (p.length !== 1) {
    throw new Error(`expected exactly one pending room-signature request, found ${p.length}: ` +
      JSON.stringify(env.requests.map((r) => [r.method, r.url, r.pending])))
  }
  return p[0]
}

function pusherURL({sdkAppID = BASE.sdkAppID, roomID = BASE.roomID, userID = BASE.userID} = {}) {
  return `room://cloud.tencent.com?sdkappid=${sdkAppID}&roomid=${roomID}&userid=${encodeURIComponent(userID)}&roomsig=${ROOM_SIG}`
}

// The play URL a 1020 list carries for `user` (what env's pusherUserList sends).
function playURL(user, sdkAppID = 1400000000) {
  return `room://cloud.tencent.com?userid=${encodeURIComponent(user)}&sdkappid=${sdkAppID}`
}

// Renders a page with `props` (template etc.), waits for the core, runs the guide's start flow with
// `start` props, answers the signature request and reports push started + room entered.
async function enter({template = 'grid', props = {}, start = {}, page} = {}) {
  page = page || env.renderPage({props: {template, ...props}})
  await env.waitForCore()
  await page.start({...BASE, ...start})
  await theSigRequest().respond({statusCode: 200, data: SIG_REPLY})
  await page.room.pusherState(1002, 'push started')
  await page.room.pusherState(1018, 'entered room')
  return page
}

// slot -> user as the component's data says ('' for an empty slot).
function seats(room) {
  return room.data.m.map((s) => (s && s.id) || '')
}

// slot -> user as the live-player stand-ins are told (only players with a src).
function shownPlayers(room) {
  const out = {}
  for (const p of room.activePlayers()) out[p.$dataset.slot] = p.$dataset.user
  return out
}

// A grid page started with enableIM, its IM login request out (and not answered).
async function imLoginPending() {
  const page = env.renderPage({props: {template: 'grid', enableIM: true}})
  await env.waitForCore()
  await page.start({...BASE})
  const [login] = env.pendingRequests('/v4/openim/login')
  assert.ok(login, 'the login request is out')
  return {page, login}
}

// A grid page with enableIM brought online by the fake webim server (./webim), which then stops:
// from here on the test answers what is still pending (the big-group poll) itself. `start` adds
// to BASE for page.start(); `component` ({root, componentPath}) picks another build of the
// component (tools/bench-ab.js).
async function imOnlineThenManual(start = {}, component = {}) {
  const WebIM = require('./webim')
  const im = new WebIM(env)
  const page = env.renderPage({props: {template: 'grid', enableIM: true}, ...component})
  await env.waitForCore()
  await page.start({...BASE, ...start})
  await im.idle()
  im.stop()
  return page
}

// The details of the login_event IMEvents the page got.
function loginEvents(page) {
  return page.room.events.filter((e) => e.name === 'IMEvent' && e.detail.tag === 'login_event').map((e) => e.detail)
}

function detailText(d) {
  return typeof d === 'string' ? d : JSON.stringify(d)
}

module.exports = {
  imOnlineThenManual,
  OFFICIAL,
  YUN,
  SIG_REPLY,
  ROOM_SIG,
  BASE,
  CAPACITY,
  isSigRequest,
  sigRequests,
  pendingSig,
  theSigRequest,
  pusherURL,
  playURL,
  enter,
  seats,
  shownPlayers,
  imLoginPending,
  loginEvents,
  detailText,
}
