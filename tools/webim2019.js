'use strict'
// Tencent's 2019 webim SDK run in Node against the emulator, for tools/webim2019-check.js and
// tools/bench-2019.js. The SDK is not part of this repository and never goes into it: fetch it
// yourself (repository tencentyun/TRTCSDK, commit c9e9c8ff,
// WXMini/pages/components/webrtc-room/webim_wx.js) and pass its path to either tool.

const fs = require('fs')
const http = require('http')

const SDK_HOST = 'https://webim.tim.qq.com'

// The SDK's path, the command line's first argument; without one, `usage` and exit status 2.
function sdkFile(usage) {
  const file = process.argv[2]
  if (!file || !fs.existsSync(file)) {
    console.error(usage)
    process.exit(2)
  }
  return file
}

// As WeChat's: success for any HTTP status (dataType json parsed), fail on transport errors and
// on abort. Only the SDK's own host is reachable, rewritten to `base`. `answered(url, status,
// data)` sees every answer; `held(url, options)` may keep a request (it returns true), which is
// then the caller's to answer.
const wxFor = (base, {answered = () => {}, held = () => false} = {}) => ({
  request(options) {
    const {url, data, method = 'GET', header = {}, success, fail, complete} = options
    if (held(url, options)) return {abort() {}}
    let settled = false
    const settle = (fn, arg) => {
      if (settled) return
      settled = true
      if (fn) fn(arg)
      if (complete) complete(arg)
    }
    if (!url.startsWith(SDK_HOST + '/')) {
      setImmediate(() => settle(fail, {errMsg: `request:fail not the webim host: ${url}`}))
      return {abort() {}}
    }
    const body = typeof data === 'string' ? data : JSON.stringify(data || {})
    const req = http.request(base + url.slice(SDK_HOST.length), {method, headers: {...header, 'content-length': Buffer.byteLength(body)}}, (res) => {
      const chunks = []
      res.on('data', (c) => chunks.push(c))
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8')
        let parsed = text
        try { parsed = JSON.parse(text) } catch (e) { /* left as text, as WeChat does */ }
        answered(url, res.statusCode, parsed)
        settle(success, {data: parsed, statusCode: res.statusCode, header: res.headers})
      })
    })
    req.on('error', (e) => settle(fail, {errMsg: `request:fail ${e.message}`}))
    req.end(body)
    return {abort() { req.destroy(); settle(fail, {errMsg: 'request:fail abort'}) }}
  },
})

function userSig(signUrl, userID, roomID) {
  const body = JSON.stringify({userID, roomID})
  return new Promise((resolve, reject) => {
    const req = http.request(`${signUrl}/usersig`, {method: 'POST', headers: {'content-type': 'application/json', 'content-length': Buffer.byteLength(body)}}, (res) => {
      const chunks = []
      res.on('data', (c) => chunks.push(c))
      res.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')).userSig))
    })
    req.on('error', reject)
    req.end(body)
  })
}

// A 2019 page: one SDK instance (the file `file`, its `wx` aimed at the emulator at `base`, with
// wxFor's `hooks`) with the listeners the 2019 component gives it, recording what arrives as
// plain objects (big-group messages through groupMessages, which a caller may replace).
class OldPage {
  constructor(file, user, base, hooks) {
    this.user = user
    // a fresh SDK instance: its state is module-wide
    const module = {exports: {}}
    new Function('module', 'exports', 'require', 'wx', fs.readFileSync(file, 'utf8'))(module, module.exports, require, wxFor(base, hooks))
    this.sdk = module.exports
    this.group = []
    this.c2c = []
    this.conn = []
    this.kicked = 0
  }

  login(sdkAppID, sig) {
    const listeners = {
      onConnNotify: (info) => this.conn.push(info.ErrorCode),
      onMsgNotify: (list) => this.c2c.push(...list.map(plain)),
      onBigGroupMsgNotify: (list) => this.groupMessages(list),
      onGroupSystemNotifys: {},
      onGroupInfoChangeNotify: () => {},
      onKickedEventCall: () => { this.kicked++ },
    }
    const info = {sdkAppID: String(sdkAppID), appIDAt3rd: String(sdkAppID), identifier: this.user, identifierNick: this.user, accountType: 1, userSig: sig}
    return new Promise((resolve, reject) => this.sdk.login(info, listeners, {isAccessFormalEnv: true, isLogOn: false}, resolve, reject))
  }

  groupMessages(list) {
    this.group.push(...list.map(plain))
  }

  call(name, options) {
    return new Promise((resolve, reject) => this.sdk[name](options, resolve, reject))
  }

  setNick(nick) {
    return this.call('setProfilePortrait', {ProfileItem: [{Tag: 'Tag_Profile_IM_Nick', Value: nick}]})
  }

  // The 2019 component's way in: create (10025 / 10021 "exists" count as success), then join.
  async join(roomID) {
    const id = String(roomID)
    try {
      await this.call('createGroup', {GroupId: id, Owner_Account: this.user, Type: 'AVChatRoom', ApplyJoinOption: 'FreeAccess', Name: id, MemberList: []})
    } catch (e) {
      if (e.ErrorCode !== 10025 && e.ErrorCode !== 10021) throw e
    }
    const reply = await this.call('applyJoinBigGroup', {GroupId: id})
    if (reply.JoinedStatus !== 'JoinedSuccess') throw new Error(`join: ${JSON.stringify(reply)}`)
    this.room = id
  }

  send(to, content) {
    const w = this.sdk
    const now = Math.round(Date.now() / 1000)
    const sess = to === null ? new w.Session(w.SESSION_TYPE.GROUP, this.room, this.room) : new w.Session(w.SESSION_TYPE.C2C, to, to, '', now)
    const subType = to === null ? w.GROUP_MSG_SUB_TYPE.COMMON : w.C2C_MSG_SUB_TYPE.COMMON
    const msg = new w.Msg(sess, true, -1, Math.round(Math.random() * 4294967296), now, this.user, subType, this.user)
    if (content.text !== undefined) msg.addText(new w.Msg.Elem.Text(content.text))
    else msg.addCustom(new w.Msg.Elem.Custom(content.data, content.desc, content.ext))
    return new Promise((resolve, reject) => w.sendMsg(msg, resolve, reject))
  }

  logout() {
    return new Promise((resolve) => this.sdk.logout(resolve, resolve))
  }
}

// A message of the 2019 SDK as {from, nick, elems: [{text} | {data}]}.
function plain(m) {
  const elems = m.getElems().map((e) => (e.getType() === 'TIMTextElem' ? {text: e.getContent().getText()} : {data: e.getContent().getData()}))
  return {from: m.getFromAccount(), nick: m.getFromAccountNick(), elems}
}

module.exports = {sdkFile, userSig, OldPage}
