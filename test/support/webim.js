'use strict'
// A scripted, in-process fake of the webim v4 HTTP endpoints the <webrtc-room> core speaks
// (docs/webim-protocol.md), so several components (several users) can talk through it in one
// process. It sees every wx.request through env.onRequest, answers the webim ones (other hosts,
// e.g. the room-signature request, are left to the test) and checks each one against the
// protocol: anything off is recorded in `violations` (tests assert it stays empty).
//
//   const WebIM = require('./support/webim')
//   const im = new WebIM(env)          // starts routing at once; env.cleanup() removes the hook
//   ... page.start({...enableIM...}); await im.idle()
//   im.calls('sendmsg')                // [{command, user, query, body, req, reply}]
//   im.next('create_group', {ErrorCode: 10021})       // one-shot scripted reply (see next())
//   im.timeOutPolls('a'); im.failPolls('a', 'c2c', {transport: 'request:fail timeout'}); im.kick('a')
//   im.groupSystem('1234', 255, {UserDefinedField: 'x'}); im.groupInfoChange('1234', {GroupName: 'n'})
//   im.groupTip('1234', {OpType: 1, List_Account: ['b'], MemberNum: 2}); im.pollTimeout = 30
//
// It also checks getmsg continuation (Cookie "" first, then the last reply's Cookie; SyncFlag
// echoed while the server says 1) and that longpolling asks for the Timeout it last gave.
//
// Long polls are held (left pending) until there is something for that user, or a test times
// them out / fails them. Every reply goes out through PendingRequest.respond / fail, i.e. after a
// setImmediate, never synchronously inside the component's handle().

const HOST = 'https://webim.tim.qq.com'
const WEBSDKAPPID = '537048168'
const VERSION = '1.7.0'
const HOLD = Symbol('hold')

// [ver, service] by command.
const COMMANDS = {
  login: ['v4', 'openim'],
  getlongpollingid: ['v4', 'openim'],
  longpolling: ['v4', 'openim'],
  longpollinglogout: ['v4', 'openim'],
  getmsg: ['v4', 'openim'],
  sendmsg: ['v4', 'openim'],
  create_group: ['v4', 'group_open_http_svc'],
  apply_join_group: ['v4', 'group_open_http_svc'],
  quit_group: ['v4', 'group_open_http_svc'],
  send_group_msg: ['v4', 'group_open_http_svc'],
  get_msg: ['v1', 'group_open_long_polling_http_noauth_svc'],
  portrait_get: ['v4', 'profile'],
  portrait_set: ['v4', 'profile'],
}
const NICK = 'Tag_Profile_IM_Nick'
const IMAGE = 'Tag_Profile_IM_Image'
// MsgPriority of an ordinary group message in the big-group poll (webim: 1 red packet, 2 common, 3 like).
const COMMON = 2
const LOGIN_KEYS = ['websdkappid', 'v', 'identifier', 'usersig', 'contenttype', 'sdkappid', 'accounttype', 'apn', 'reqtime', 'reqSeq']
const AUTH_KEYS = ['websdkappid', 'v', 'tinyid', 'a2', 'contenttype', 'sdkappid', 'accounttype', 'apn', 'reqtime', 'reqSeq']

const AUTH_FAILED = 70001 // tinyid/a2 not (or no longer) valid
const SIG_REJECTED = 70009
const GROUP_MISSING = 10010
const NOT_MEMBER = 10007
const BAD_KEY = 10004

const ok = (extra = {}) => ({ActionStatus: 'OK', ErrorCode: 0, ErrorInfo: '', ...extra})
const fail = (code, info = 'error') => ({ActionStatus: 'FAIL', ErrorCode: code, ErrorInfo: info})
const clone = (v) => (v === undefined ? v : JSON.parse(JSON.stringify(v)))

function rawQueryKeys(url) {
  const q = url.indexOf('?')
  if (q < 0) return []
  return url.slice(q + 1).split('&').map((p) => decodeURIComponent(p.split('=')[0]))
}

class WebIM {
  constructor(env, {host = HOST, sdkAppID = 1400000000, c2cMode = 'inline', getmsgBatch = 20} = {}) {
    this.env = env
    this.host = host.replace(/\/+$/, '')
    this.sdkAppID = String(sdkAppID)
    this.c2cMode = c2cMode // 'inline': Event 9 carries the message; 'notify': Event 1, then getmsg
    this.getmsgBatch = getmsgBatch
    this.pollTimeout = 60 // the Timeout getlongpollingid and every longpolling reply give
    this.log = [] // every webim request: {command, user, query, body, req, reply, held}
    this.violations = [] // protocol deviations seen (strings)
    this.users = new Map() // id -> {id, tinyId, nick, session, inbox[], c2cEvents[], noticeSeq, notifySeq}
    this.groups = new Map() // id -> {id, owner, members:Set, items[], nextSeq}
    this.sigs = new Map() // optional id -> expected userSig
    this.scripts = [] // {command, user, spec}
    this.inflight = new Set()
    this.nextTiny = 1441152123456000
    this.nextA2 = 1
    this.nextPollingId = 1
    this.nextKey = 1
    this.off = env.onRequest((r) => this._route(r))
  }

  stop() { this.off() }

  // ----- scripting -----

  // The next request of `command` (of `user`, if given) gets `spec` instead of the default:
  // an object = the reply body (ActionStatus defaults to FAIL when ErrorCode != 0, else OK);
  // {transport: errMsg} = wx.request fail; {http: status, data} = that HTTP answer;
  // 'hold' = left pending (see held() / release()); 'freeze' = left pending and not answered
  // when something arrives for the user either (only release() answers it); a function (ctx) -> any of these, or
  // undefined for the default handling.
  next(command, spec, {user} = {}) {
    if (!COMMANDS[command]) throw new Error(`webim: unknown command ${command}`)
    this.scripts.push({command, user, spec})
    return this
  }

  hold(command, opts) { return this.next(command, 'hold', opts) }

  // Log entries of `command` (all webim requests without one), optionally of one user.
  calls(command, {user} = {}) {
    return this.log.filter((e) => (!command || e.command === command) && (!user || e.user === user))
  }

  // Requests of `command` still held by the server (not answered, not aborted).
  held(command, {user} = {}) {
    return this.calls(command, {user}).filter((e) => e.req.pending)
  }

  // Answers a held request: with `spec` (as next()), or the default handling.
  release(entry, spec) {
    if (!entry.req.pending) return Promise.resolve(false)
    entry.frozen = false
    if (spec === undefined) {
      const r = this._default(entry)
      if (r === HOLD) return Promise.resolve(false)
      return this._answer(entry, r)
    }
    return this._answer(entry, this._materialize(spec, entry))
  }

  // Resolves when no answer is in flight and nothing new happened for a few turns.
  async idle() {
    for (let quiet = 0; quiet < 3;) {
      const before = this.log.length + this.env.requests.length
      if (this.inflight.size) await Promise.all([...this.inflight])
      await this.env.flush()
      const after = this.log.length + this.env.requests.length
      quiet = this.inflight.size === 0 && before === after ? quiet + 1 : 0
    }
  }

  // ----- server-side happenings -----

  // Answer the user's held C2C long poll with 60008 (the server's "nothing within Timeout").
  timeOutPolls(user) {
    return Promise.all(this.held('longpolling', {user}).map((e) => this._answer(e, fail(60008, 'poll timed out'))))
  }

  // Fail the user's held poll(s): which = 'c2c' | 'group' | 'both'; spec as next().
  failPolls(user, which, spec) {
    const cmds = which === 'both' ? ['longpolling', 'get_msg'] : [which === 'c2c' ? 'longpolling' : 'get_msg']
    const out = []
    for (const c of cmds) for (const e of this.held(c, {user})) out.push(this._answer(e, this._materialize(spec, e)))
    return Promise.all(out)
  }

  // Someone else logged in as `user`: the held C2C poll (or the next one) gets 91101.
  kick(user) {
    const u = this._user(user)
    const s = u.session
    if (!s) throw new Error(`webim: ${user} has no session to kick`)
    s.kicked = true
    return this._wakeC2C(u)
  }

  // A group system notification (Event 5, ReportType) to the group's members: through the
  // big-group poll (via 'group', default) or as C2C-poll GroupTips (via 'c2c').
  groupSystem(groupId, reportType, extra = {}, {via = 'group'} = {}) {
    const g = this._group(groupId)
    const body = {ReportType: reportType, Operator_Account: 'admin', ...extra}
    if (via === 'group') {
      this._groupItem(g, {Event: 5, From_Account: '@TIM#SYSTEM', MsgBody: body})
    } else {
      for (const m of g.members) {
        const u = this._user(m)
        this._c2cEvent(u, (seq) => ({Event: 5, GroupTips: [{ToGroupId: g.id, MsgTimeStamp: now(), NoticeSeq: seq, MsgBody: body}]}))
      }
    }
    return this.idle()
  }

  // A group tip OpType 6 (group info changed) through the big-group poll.
  groupInfoChange(groupId, info, {event = 4} = {}) {
    const g = this._group(groupId)
    this._groupItem(g, {Event: event, From_Account: 'admin',
      MsgBody: {OpType: 6, Operator_Account: 'admin', List_Account: [], MsgGroupNewInfo: info}})
    return this.idle()
  }

  // A group tip (OpType 1 join ... 7 member info) through the big-group poll (Event 4 or 6), or
  // to each member's C2C poll as Event 4 GroupTips (via 'c2c').
  groupTip(groupId, body, {event = 4, via = 'group', from = 'admin'} = {}) {
    const g = this._group(groupId)
    const tip = {Operator_Account: from, List_Account: [], ...clone(body)}
    const info = {GroupName: g.id, From_AccountNick: this._user(from).nick}
    if (via === 'group') {
      this._groupItem(g, {Event: event, From_Account: from, MsgRandom: 777, GroupInfo: info, MsgBody: tip})
    } else {
      for (const m of g.members) {
        const u = this._user(m)
        this._c2cEvent(u, (seq) => ({Event: 4, GroupTips: [{From_Account: from, ToGroupId: g.id, MsgSeq: g.nextSeq++, MsgRandom: 777,
          MsgTimeStamp: now(), NoticeSeq: seq, GroupInfo: info, MsgBody: clone(tip)}]}))
      }
    }
    return this.idle()
  }

  // A group that already exists on the server (owned by `owner`), e.g. for scripted create replies.
  createGroup(id, owner) {
    id = String(id)
    if (!this.groups.has(id)) this.groups.set(id, {id, owner, members: new Set(), items: [], nextSeq: 1})
    return this.groups.get(id)
  }

  // A group message from a user who is not one of the components (e.g. a web client).
  groupMessage(groupId, from, msgBody, {nick} = {}) {
    const g = this._group(groupId)
    this._groupItem(g, {Event: 3, From_Account: from, MsgRandom: 4242, MsgBody: clone(msgBody),
      GroupInfo: {GroupName: g.id, From_AccountNick: nick || from}, MsgPriority: COMMON})
    return this.idle()
  }

  // ----- routing -----

  _route(req) {
    if (!req.url.startsWith(this.host + '/')) return
    const [pathPart] = req.url.slice(this.host.length).split('?')
    const parts = pathPart.split('/').filter(Boolean)
    const command = parts[2]
    const entry = {command, ver: parts[0], service: parts[1], req, query: null, body: null, user: null, reply: undefined}
    this.log.push(entry)
    const bad = (m) => this.violations.push(`${command || pathPart}: ${m}`)
    const expected = COMMANDS[command]
    if (parts.length !== 3 || !expected) {
      bad(`unknown path ${pathPart}`)
      return this._answer(entry, fail(404, 'no such command'))
    }
    if (parts[0] !== expected[0] || parts[1] !== expected[1]) bad(`path ${pathPart}, expected /${expected[0]}/${expected[1]}/${command}`)
    if (req.method !== 'POST') bad(`method ${req.method}`)
    let q
    try { q = req.query } catch (e) { bad(String(e.message)); q = {} }
    entry.query = q
    const keys = rawQueryKeys(req.url)
    const want = command === 'login' ? LOGIN_KEYS : AUTH_KEYS
    if (keys.join('&') !== want.join('&')) bad(`query keys ${keys.join(',')} != ${want.join(',')}`)
    if (q.websdkappid !== WEBSDKAPPID) bad(`websdkappid ${q.websdkappid}`)
    if (q.v !== VERSION) bad(`v ${q.v}`)
    if (q.contenttype !== 'json') bad(`contenttype ${q.contenttype}`)
    if (q.sdkappid !== this.sdkAppID) bad(`sdkappid ${q.sdkappid}`)
    if (q.accounttype !== '1') bad(`accounttype ${q.accounttype}`)
    if (q.apn !== '1') bad(`apn ${q.apn}`)
    if (!/^\d+$/.test(q.reqtime || '') || Math.abs(Number(q.reqtime) - Date.now() / 1000) > 5) bad(`reqtime ${q.reqtime}`)
    if (!/^[1-9]\d*$/.test(q.reqSeq || '')) bad(`reqSeq ${q.reqSeq}`)
    let body = req.data
    if (typeof body === 'string') {
      try { body = JSON.parse(body) } catch (e) { bad('body is not JSON'); body = null }
    }
    if (!body || typeof body !== 'object' || Array.isArray(body)) bad(`body ${JSON.stringify(body)} is not an object`)
    entry.body = body || {}
    // who is calling
    if (command !== 'login') {
      const s = this._sessionOf(q)
      if (s) {
        entry.user = s.user.id
        entry.session = s
        if (Number(q.reqSeq) <= s.lastReqSeq) bad(`reqSeq ${q.reqSeq} not above ${s.lastReqSeq} (${s.user.id})`)
        s.lastReqSeq = Math.max(s.lastReqSeq, Number(q.reqSeq))
      }
    } else {
      entry.user = q.identifier
    }
    // scripted?
    const i = this.scripts.findIndex((s) => s.command === command && (!s.user || s.user === entry.user))
    if (i >= 0) {
      const [{spec}] = this.scripts.splice(i, 1)
      const r = this._materialize(spec, entry)
      if (r !== undefined) {
        if (r === HOLD) { entry.held = true; return }
        return this._answer(entry, r)
      }
    }
    const r = this._default(entry)
    if (r === HOLD) { entry.held = true; return }
    return this._answer(entry, r)
  }

  _materialize(spec, entry) {
    if (typeof spec === 'function') spec = spec(entry)
    if (spec === undefined) return undefined
    if (spec === 'hold') return HOLD
    if (spec === 'freeze') { entry.frozen = true; return HOLD }
    if (spec && typeof spec === 'object' && !spec.transport && !spec.http && !spec.ActionStatus) {
      const code = spec.ErrorCode || 0
      return {ActionStatus: code ? 'FAIL' : 'OK', ErrorCode: code, ErrorInfo: code ? 'scripted error' : '', ...clone(spec)}
    }
    return clone(spec)
  }

  _answer(entry, r) {
    let p
    entry.reply = r
    if (r && r.transport) p = entry.req.fail(r.transport)
    else if (r && r.http) p = entry.req.respond({statusCode: r.http, data: r.data === undefined ? '' : r.data})
    else p = entry.req.respond({statusCode: 200, data: r})
    const tracked = p.finally(() => this.inflight.delete(tracked))
    this.inflight.add(tracked)
    return tracked
  }

  _sessionOf(q) {
    for (const u of this.users.values()) {
      const s = u.session
      if (s && String(u.tinyId) === q.tinyid && s.a2 === q.a2 && !s.loggedOut) return s
    }
    return null
  }

  _user(id) {
    let u = this.users.get(id)
    if (!u) {
      u = {id, tinyId: this.nextTiny++, nick: id, profileNick: null, image: null, session: null, inbox: [], c2cEvents: [], noticeSeq: 0, notifySeq: 0}
      this.users.set(id, u)
    }
    return u
  }

  _group(id) {
    const g = this.groups.get(String(id))
    if (!g) throw new Error(`webim: no group ${id}`)
    return g
  }

  // ----- default handling, by command -----

  _default(entry) {
    const {command, body, query} = entry
    const bad = (m) => this.violations.push(`${command}: ${m}`)
    if (command === 'login') {
      if (JSON.stringify(body) !== '{"State":"Online"}') bad(`login body ${JSON.stringify(body)}`)
      const id = query.identifier
      if (!id || !query.usersig) return fail(-9, 'identifier / usersig missing')
      if (this.sigs.has(id) && this.sigs.get(id) !== query.usersig) return fail(SIG_REJECTED, 'usersig rejected')
      const u = this._user(id)
      if (u.session && !u.session.loggedOut) { // a second login takes the session over
        u.session.kicked = true
        this._wakeC2C(u, u.session)
      }
      u.session = {user: u, a2: `a2-${id}-${this.nextA2++}`, pollingId: null, kicked: false, loggedOut: false,
        lastReqSeq: Number(query.reqSeq) || 0, getmsgCursor: 0, getmsgLast: null, timeoutGiven: null, groupKeys: new Map()}
      return ok({TinyId: u.tinyId, A2Key: u.session.a2})
    }
    const s = entry.session
    if (!s) return fail(AUTH_FAILED, 'tinyid/a2 not valid')
    const u = s.user
    switch (command) {
      case 'getlongpollingid': {
        if (JSON.stringify(body) !== '{}') bad(`body ${JSON.stringify(body)}`)
        s.pollingId = s.pollingId || `lp-${u.id}-${this.nextPollingId++}`
        this._giveTimeout(s)
        return ok({LongPollingId: s.pollingId, Timeout: this.pollTimeout})
      }
      case 'longpolling': {
        const c = body.Cookie || {}
        if (body.Timeout === undefined) bad('no Timeout')
        else if (s.timeoutGiven !== null && body.Timeout !== s.timeoutGiven) bad(`Timeout ${body.Timeout}, the server last gave ${s.timeoutGiven}`)
        if (!s.pollingId || c.LongPollingId !== s.pollingId) {
          bad(`Cookie.LongPollingId ${c.LongPollingId} != ${s.pollingId}`)
          return fail(60007, 'bad LongPollingId')
        }
        if (typeof c.NoticeSeq !== 'number' || typeof c.NotifySeq !== 'number') bad(`Cookie seqs ${JSON.stringify(c)}`)
        entry.noticeSeq = c.NoticeSeq
        entry.notifySeq = c.NotifySeq
        const r = this._c2cReply(u, s, entry)
        return r || HOLD
      }
      case 'longpollinglogout': {
        if (JSON.stringify(body) !== JSON.stringify({LongPollingId: s.pollingId})) bad(`logout body ${JSON.stringify(body)}, LongPollingId is ${s.pollingId}`)
        s.loggedOut = true
        return ok()
      }
      case 'getmsg': {
        if (!('Cookie' in body) || !('SyncFlag' in body)) bad(`getmsg body ${JSON.stringify(body)}`)
        // first "" and SyncFlag 0; while the last reply said SyncFlag 1, its Cookie and SyncFlag 1
        const last = s.getmsgLast
        const want = last ? {Cookie: last.Cookie, SyncFlag: last.SyncFlag === 1 ? 1 : 0} : {Cookie: '', SyncFlag: 0}
        if (body.Cookie !== want.Cookie || body.SyncFlag !== want.SyncFlag) bad(`getmsg body ${JSON.stringify(body)}, expected ${JSON.stringify(want)}`)
        const from = body.Cookie ? Number(String(body.Cookie).replace('c-', '')) : s.getmsgCursor
        if (body.Cookie && from !== s.getmsgCursor) bad(`getmsg Cookie ${body.Cookie}, expected c-${s.getmsgCursor}`)
        const list = u.inbox.slice(from, from + this.getmsgBatch)
        s.getmsgCursor = from + list.length
        const more = s.getmsgCursor < u.inbox.length
        s.getmsgLast = {Cookie: `c-${s.getmsgCursor}`, SyncFlag: more ? 1 : 2}
        entry.page = list.length
        return ok({MsgList: clone(list), ...s.getmsgLast, EventArray: []})
      }
      case 'sendmsg': {
        for (const k of ['From_Account', 'To_Account', 'MsgTimeStamp', 'MsgSeq', 'MsgRandom', 'MsgBody']) if (!(k in body)) bad(`sendmsg lacks ${k}`)
        if (body.From_Account !== u.id) bad(`From_Account ${body.From_Account} is not ${u.id}`)
        if (!Array.isArray(body.MsgBody) || !body.MsgBody.length) return fail(90001, 'MsgBody')
        const to = this._user(String(body.To_Account))
        const msg = {From_Account: u.id, To_Account: to.id, MsgSeq: body.MsgSeq, MsgRandom: body.MsgRandom,
          MsgTimeStamp: now(), MsgBody: clone(body.MsgBody)}
        to.inbox.push(msg)
        if (this.c2cMode === 'notify') {
          // acknowledged by Cookie.NotifySeq (not NoticeSeq)
          to.notifySeq++
          to.c2cEvents.push({notify: to.notifySeq, event: {Event: 1, NotifySeq: to.notifySeq}})
          this._wakeC2C(to)
        } else {
          this._c2cEvent(to, (seq) => ({Event: 9, C2cMsgArray: [{...clone(msg), NoticeSeq: seq}]}))
        }
        return ok({MsgTime: msg.MsgTimeStamp, MsgKey: `${msg.MsgSeq}_${msg.MsgRandom}`})
      }
      case 'create_group': {
        const keys = Object.keys(body).join(',')
        if (keys !== 'Type,Name,MemberList,GroupId,Owner_Account,ApplyJoinOption') bad(`create_group keys ${keys}`)
        if (body.Type !== 'AVChatRoom' || body.ApplyJoinOption !== 'FreeAccess' || body.Owner_Account !== u.id ||
          typeof body.GroupId !== 'string' || body.Name !== body.GroupId) bad(`create_group body ${JSON.stringify(body)}`)
        const id = String(body.GroupId)
        const g = this.groups.get(id)
        if (g) return g.owner === u.id ? fail(10025, 'group id used by you') : fail(10021, 'group id in use')
        this.groups.set(id, {id, owner: u.id, members: new Set(), items: [], nextSeq: 1})
        return ok({GroupId: id})
      }
      case 'apply_join_group': {
        if (Object.keys(body).join(',') !== 'GroupId') bad(`apply_join_group body ${JSON.stringify(body)}`)
        const g = this.groups.get(String(body.GroupId))
        if (!g) return fail(GROUP_MISSING, 'no such group')
        g.members.add(u.id)
        const key = `key-${u.id}-${this.nextKey++}`
        s.groupKeys.set(key, {group: g, from: g.nextSeq, startSeq: 0, gen: 0})
        return ok({JoinedStatus: 'JoinedSuccess', LongPollingKey: key})
      }
      case 'quit_group': {
        if (Object.keys(body).join(',') !== 'GroupId') bad(`quit_group body ${JSON.stringify(body)}`)
        const g = this.groups.get(String(body.GroupId))
        if (!g) return fail(GROUP_MISSING, 'no such group')
        if (!g.members.delete(u.id)) return fail(NOT_MEMBER, 'not a member')
        return ok({})
      }
      case 'send_group_msg': {
        const keys = Object.keys(body).join(',')
        if (keys !== 'GroupId,From_Account,Random,MsgBody,MsgPriority') bad(`send_group_msg keys ${keys}`)
        const g = this.groups.get(String(body.GroupId))
        if (!g) return fail(GROUP_MISSING, 'no such group')
        if (!g.members.has(u.id)) return fail(NOT_MEMBER, 'not a member')
        if (body.From_Account !== u.id) bad(`From_Account ${body.From_Account}`)
        const item = this._groupItem(g, {Event: 3, From_Account: u.id, MsgRandom: body.Random, MsgBody: clone(body.MsgBody),
          GroupInfo: {GroupName: g.id, From_AccountNick: u.nick}, MsgPriority: COMMON})
        return ok({MsgTime: item.MsgTimeStamp, MsgSeq: item.MsgSeq})
      }
      case 'get_msg': {
        const keys = Object.keys(body).join(',')
        if (keys !== 'StartSeq,HoldTime,Key') bad(`get_msg keys ${keys}`)
        const k = s.groupKeys.get(body.Key)
        if (!k) {
          bad(`get_msg Key ${body.Key} is not the one last given`)
          return fail(BAD_KEY, 'bad Key')
        }
        if (body.StartSeq !== k.startSeq) bad(`get_msg StartSeq ${body.StartSeq}, expected ${k.startSeq}`)
        entry.groupKey = body.Key
        return this._groupReply(s, body.Key) || HOLD
      }
      case 'portrait_set': {
        const items = Array.isArray(body.ProfileItem) ? body.ProfileItem : []
        if (body.From_Account !== u.id || !items.length) bad(`portrait_set body ${JSON.stringify(body)}`)
        for (const i of items) {
          if (i.Tag === NICK) { u.profileNick = String(i.Value); u.nick = u.profileNick }
          else if (i.Tag === IMAGE) u.image = String(i.Value)
        }
        return ok({})
      }
      case 'portrait_get': {
        if (body.From_Account !== u.id || !Array.isArray(body.To_Account) || !Array.isArray(body.TagList)) bad(`portrait_get body ${JSON.stringify(body)}`)
        const fails = []
        const items = []
        for (const id of body.To_Account || []) {
          const p = this.users.get(id)
          if (!p) { fails.push(id); continue }
          const values = {[NICK]: p.profileNick, [IMAGE]: p.image}
          const list = (body.TagList || []).filter((t) => values[t] !== null && values[t] !== undefined).map((t) => ({Tag: t, Value: values[t]}))
          items.push({To_Account: id, ProfileItem: list, ResultCode: 0, ResultInfo: ''})
        }
        return ok({UserProfileItem: items, Fail_Account: fails, Invalid_Account: []})
      }
    }
    return fail(404, 'unhandled')
  }

  // ----- C2C poll -----

  _c2cEvent(u, make) {
    u.noticeSeq++
    u.c2cEvents.push({notice: u.noticeSeq, event: make(u.noticeSeq)})
    this._wakeC2C(u)
  }

  // The reply for a C2C poll, or null to keep holding it.
  _c2cReply(u, s, entry) {
    if (s.kicked) return fail(91101, 'kicked off by another login')
    const events = u.c2cEvents.filter((e) => (e.notify ? e.notify > entry.notifySeq : e.notice > entry.noticeSeq))
    if (!events.length) return null
    this._giveTimeout(s)
    // events of one kind in a poll reply are merged into one Event entry (as the server batches)
    const merged = []
    for (const {event} of events) {
      const last = merged[merged.length - 1]
      if (last && last.Event === event.Event && event.Event === 9) last.C2cMsgArray.push(...clone(event.C2cMsgArray))
      else if (last && last.Event === event.Event && event.Event === 5) last.GroupTips.push(...clone(event.GroupTips))
      else if (event.Event === 1 && merged.some((m) => m.Event === 1)) merged.find((m) => m.Event === 1).NotifySeq = event.NotifySeq
      else merged.push(clone(event))
    }
    return ok({EventArray: merged, Timeout: this.pollTimeout})
  }

  // What the next longpolling must ask for: the Timeout given now, unless over 60 (then the client
  // keeps what it asked before).
  _giveTimeout(s) {
    if (this.pollTimeout >= 1 && this.pollTimeout <= 60) s.timeoutGiven = this.pollTimeout
  }

  _wakeC2C(u, session = u.session) {
    const out = []
    for (const e of this.held('longpolling', {user: u.id})) {
      if (e.session !== session || e.frozen) continue
      const r = this._c2cReply(u, session, e)
      if (r) out.push(this._answer(e, r))
    }
    return Promise.all(out)
  }

  // ----- big-group poll -----

  _groupItem(g, item) {
    const full = {ToGroupId: g.id, MsgSeq: g.nextSeq++, MsgTimeStamp: now(), ...item}
    g.items.push(full)
    for (const m of g.members) {
      const u = this.users.get(m)
      if (!u || !u.session) continue
      for (const e of this.held('get_msg', {user: m})) {
        if (e.session !== u.session || e.frozen) continue
        const r = this._groupReply(u.session, e.groupKey)
        if (r) this._answer(e, r)
      }
    }
    return full
  }

  _groupReply(s, key) {
    const k = s.groupKeys.get(key)
    if (!k) return null
    const start = Math.max(k.startSeq, k.from)
    const items = k.group.items.filter((i) => i.MsgSeq >= start)
    if (!items.length) return null
    const next = items[items.length - 1].MsgSeq + 1
    // a fresh Key each reply: the client must send back what it was last given
    const newKey = `${key.replace(/#\d+$/, '')}#${++k.gen}`
    s.groupKeys.delete(key)
    s.groupKeys.set(newKey, {...k, startSeq: next, from: next})
    return ok({NextSeq: next, HoldTime: 90, Key: newKey, RspMsgList: clone(items)})
  }

  // Answer every held big-group poll of `user` with an empty OK (the hold elapsed).
  emptyGroupPolls(user) {
    const out = []
    for (const e of this.held('get_msg', {user})) {
      const k = e.session.groupKeys.get(e.groupKey)
      out.push(this._answer(e, ok({NextSeq: k.startSeq || k.from, HoldTime: 90, Key: e.groupKey, RspMsgList: []})))
      k.startSeq = k.startSeq || k.from
    }
    return Promise.all(out)
  }
}

function now() { return Math.floor(Date.now() / 1000) }

WebIM.HOST = HOST
WebIM.ok = ok
WebIM.fail = fail
module.exports = WebIM
