// A TypeScript page using <webrtc-room> through its types (package/webrtc-room.d.ts), checked by
// test/types.test.js with `tsc --noEmit` and miniprogram-api-typings. Each `@ts-expect-error` line
// must fail to compile: tsc reports an unused directive if it ever compiles.
import type {
  CustomMessage, IMEvent, IMEventDetail, Msg, MsgElem, RoomEvent, RoomEventDetail, SendFail, SendSuccess,
  WebrtcRoom, WebrtcRoomProperties,
} from 'webrtc-room-wasm'

const props: Partial<WebrtcRoomProperties> = {
  roomID: 1234, userID: 'alice', userSig: 'sig', sdkAppID: 1400000000, template: 'grid',
  protocol: 'trtc', strRoomID: 'room-a', scene: 'live', recordId: null, smallViewWidth: '30vw',
}

function describeElem (el: MsgElem): string {
  switch (el.type) {
    case 'TIMTextElem': return el.content.getText()
    case 'TIMCustomElem': return el.content.getData() + el.content.getDesc() + el.content.getExt()
    case 'TIMFaceElem': return String(el.getContent().getIndex())
    case 'TIMGroupTipElem': {
      const tip = el.content
      const n: number | null = tip.getGroupMemberNum()
      return tip.getOpType() + tip.getUserIdList().join(',') + tip.getOpUserId() + String(n) +
        tip.getGroupInfoList().map((i) => i.getType() + i.getValue()).join() +
        tip.getMemberInfoList().map((m) => m.getUserId() + m.getShutupTime()).join()
    }
    default: return el.getType()
  }
}

function describeMsg (m: Msg): string {
  const session: 'GROUP' | 'C2C' = m.getSession().type()
  const who: string = m.getFromAccount() + m.getFromAccountNick()
  const at: number = m.getTime() + m.getSeq() + m.getRandom() + m.getSubType()
  const mine: boolean = m.getIsSend()
  return `${session} ${who} ${at} ${mine} ${m.getElems().map(describeElem).join('')} ${m.fromAccount}`
}

function roomText (d: RoomEventDetail): string {
  switch (d.tag) {
    case 'error': {
      const code: -4 | -5 | -6 | -7 | -8 | -9 | -10 | -11 | -1303 | -1304 | -100018 | -3301 = d.code
      return code + d.detail
    }
    case 'warning': return d.detail
    case 'enter_room':
    case 'exit_room': return String(d.detail.roomID)
    case 'member_join':
    case 'member_leave': return d.detail.userID + (d.detail.streamType || '')
    case 'remote_user_join': { const c: 1031 = d.code; return c + d.detail.userID }
    case 'remote_user_leave': { const c: 1032 = d.code; return c + d.detail.userID }
    case 'remote_video': return d.detail.userID + d.detail.streamType + d.detail.available
    case 'remote_audio': return d.detail.userID + d.detail.available
    default: { const unreachable: never = d; return unreachable }
  }
}

function imText (d: IMEventDetail): string {
  switch (d.tag) {
    case 'login_event': return d.code === 0 ? `${d.detail.identifier} ${d.detail.identifierNick} ${d.detail.headurl}` : d.detail.ErrorInfo
    case 'join_group_event': return d.detail.ErrorInfo
    case 'connection_event': { const c: 0 | 1 | 9999 = d.code; return c + d.detail.ActionStatus }
    case 'big_group_msg_notify':
    case 'msg_notify': return d.detail.map(describeMsg).join('\n')
    case 'group_system_notifys': return d.code + d.detail.GroupId + d.detail.ReportType
    case 'group_info_change_notify': return d.detail.GroupId + (d.detail.GroupName || '')
    case 'kicked': { const c: 91101 = d.code; return c + d.detail.ErrorInfo }
    case 'error': return d.code + d.detail.ErrorInfo
    default: { const unreachable: never = d; return unreachable }
  }
}

const sent: SendSuccess = (msg) => console.log('sent', msg.getSeq(), msg.getElems().length)
const failed: SendFail = (code, info) => console.warn(code === -3 ? 'too long' : code, typeof info === 'string' ? info : info.ErrorCode)

Page({
  data: { ...props },

  onRoomEvent (e: RoomEvent) {
    console.log(e.currentTarget.id, roomText(e.detail))
  },

  onIMEvent (e: IMEvent) {
    console.log(imText(e.detail))
  },

  talk () {
    const room = this.selectComponent('#webrtcroom') as WebrtcRoom
    room.start()
    room.enableVideo(false, 'bob')
    room.enableAudio(true)
    room.sendGroupTextMsg('hi', sent, failed)
    room.sendGroupTextMsg('hi')
    room.sendC2CTextMsg('bob', 'hi', (msg) => msg.getSession().id(), (code, info) => console.warn(code, info))
    const custom: CustomMessage = { data: '{"cmd":"raise-hand"}', desc: '', ext: '' }
    room.sendC2CCustomMsg('bob', custom, sent, failed)
    room.sendGroupCustomMsg({ data: 'x' }, sent)
    room.pause(); room.resume(); room.switchCamera(); room.stop(); room.exitRoom()
    const template: 'bigsmall' | 'float' | 'grid' = room.data.template

    // ----- lines that must not compile -----
    // @ts-expect-error a wrong callback signature: succ gets a Msg, not a string
    room.sendGroupTextMsg('hi', (msg: string) => console.log(msg))
    // @ts-expect-error a wrong callback signature: fail's code is a number
    room.sendC2CTextMsg('bob', 'hi', sent, (code: string) => console.log(code))
    // @ts-expect-error a custom message needs data
    room.sendGroupCustomMsg({ desc: 'no data' })
    // @ts-expect-error C2C sends need the receiver first
    room.sendC2CTextMsg('hi', sent, failed)
    // @ts-expect-error no such method
    room.sendMsg('hi')
    // @ts-expect-error no such template
    const badProps: Partial<WebrtcRoomProperties> = { template: 'grid4' }
    // @ts-expect-error roomID is a number
    const badRoom: Partial<WebrtcRoomProperties> = { roomID: '1234' }
    console.log(template, badProps, badRoom)
  },

  mistakes (e: RoomEvent, im: IMEvent, el: MsgElem) {
    const d = e.detail
    // @ts-expect-error a wrong tag: there is no 'entered_room'
    if (d.tag === 'entered_room') console.log(d)
    // @ts-expect-error remote_user_join's code is 1031, not 1032
    const wrongCode: RoomEventDetail = { tag: 'remote_user_join', code: 1032, detail: { userID: 'a' } }
    // @ts-expect-error enter_room carries roomID, not userID
    if (d.tag === 'enter_room') console.log(d.detail.userID)
    // @ts-expect-error remote_audio has no streamType
    if (d.tag === 'remote_audio') console.log(d.detail.streamType)
    // @ts-expect-error kicked's code is 91101
    const wrongKick: IMEventDetail = { tag: 'kicked', code: 0, detail: { ActionStatus: 'OK', ErrorCode: 0, ErrorInfo: '' } }
    // @ts-expect-error messages come as an array
    if (im.detail.tag === 'msg_notify') console.log(im.detail.detail.getElems())
    // @ts-expect-error getText() is only on a text element's content
    console.log(el.getContent().getText())
    console.log(wrongCode, wrongKick)
  },
})
