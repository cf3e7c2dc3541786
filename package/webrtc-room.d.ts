// Types of the <webrtc-room> WeChat mini-program component (npm package webrtc-room-wasm).
//
// In a TypeScript page (types only: `import type` leaves no require() in the compiled page):
//
//   import type { WebrtcRoom, RoomEvent, IMEvent } from 'webrtc-room-wasm'
//   Page({
//     onRoomEvent (e: RoomEvent) {
//       if (e.detail.tag === 'error') console.error(e.detail.code, e.detail.detail)
//     },
//     hi () {
//       const room = this.selectComponent('#webrtcroom') as WebrtcRoom
//       room.sendGroupTextMsg('hi', msg => console.log(msg.getSeq()), (code, info) => console.warn(code, info))
//     }
//   })
//
// The same names hold for the copied folder (no npm): point a `paths` entry of tsconfig.json at this file.
// WebrtcRoom builds on miniprogram-api-typings (every TypeScript mini program has it), so that
// `this.selectComponent(...) as WebrtcRoom` is accepted and setData/selectComponent stay typed.

/// <reference types="miniprogram-api-typings" />

// ----- properties -----

/** Layout: `bigsmall` (you and one other), `float` or `grid` (up to four). */
export type Template = 'bigsmall' | 'float' | 'grid'
/** `legacy`: the 2019 room-signature protocol; `trtc`: the current TRTC protocol. */
export type Protocol = 'legacy' | 'trtc'
/** trtc mode: `videocall` (everyone publishes) or `live` (an audience watches). */
export type Scene = 'videocall' | 'live'
/** A remote user's stream in trtc mode: camera (`main`) or screen share (`aux`). */
export type StreamType = 'main' | 'aux'

/** The component's properties (WXML attributes), with their types and defaults. */
export interface WebrtcRoomProperties {
  /** Room number, 1 … 4294967294. Default 0. */
  roomID: number
  /** trtc mode: a string room id used instead of `roomID`. Default ''. */
  strRoomID: string
  /** Display name of the room. Default ''. */
  roomName: string
  /** Your user's id. Default ''. */
  userID: string
  /** Your display name; also your IM nick. Default ''. */
  userName: string
  /** From your signing service. Default ''. */
  userSig: string
  /** From the TRTC console. Default 0. */
  sdkAppID: number
  /** Room permission key, if you use one. Default ''. */
  privateMapKey: string
  /** Layout; may change in the room. Default 'float'. */
  template: Template
  /** Default 'legacy'. */
  protocol: Protocol
  /** Default 'videocall'. */
  scene: Scene
  /** 0 – 9. Default 0. */
  beauty: number
  /** 0 – 9. Default 0. */
  whiteness: number
  /** Default '3:4'. */
  aspect: '3:4' | '9:16'
  /** Push bitrate range in kbps. Defaults 200 and 400. */
  minBitrate: number
  maxBitrate: number
  /** Local microphone off. Default false. */
  muted: boolean
  /** Debug panels and the detailed log. Default false. */
  debug: boolean
  /** IM in the room. Default false. */
  enableIM: boolean
  /** Room-signature endpoint choice. Default true. */
  useCloud: boolean
  /** Accepted for compatibility. Default false. */
  autoplay: boolean
  /** Local camera on. Default true. */
  enableCamera: boolean
  /** bigsmall: the local window's place and size (CSS lengths). Defaults '1vw', '1vw', '30vw', '40vw'. */
  smallViewLeft: string
  smallViewTop: string
  smallViewWidth: string
  smallViewHeight: string
  /** Image URLs: pusher waiting image, player poster, loading overlay. Defaults: Tencent's 2019 images. */
  waitingImg: string
  playerBackgroundImg: string
  loadingImg: string
  /** Pure-audio push mode (sent in bizbuf). Default 0. */
  pureAudioPushMod: number
  /** Server recording id (sent in bizbuf). Default null. */
  recordId: number | null
  /** A base URL that replaces Tencent's hosts for every request (an emulator, a proxy). Default ''. */
  apiBase: string
}

// ----- methods -----

/** Why a send failed: -1 C2C without a receiver, -2 empty, -3 over the size limit, -4 not sent. */
export type SendErrorCode = -1 | -2 | -3 | -4
/** A send's success callback: the message as sent. */
export type SendSuccess = (msg: Msg) => void
/** A send's failure callback: the code, and a text or (-4 from the server) the server's reply. */
export type SendFail = (code: SendErrorCode, info: string | ServerReply) => void
/** The payload of a custom message. */
export interface CustomMessage {
  data: string
  desc?: string
  ext?: string
}

export interface WebrtcRoomMethods {
  /** Enter the room (again) with the current properties. */
  start(): void
  /** Leave the room. */
  stop(): void
  /** Leave the room (2019's name). */
  exitRoom(): void
  pause(): void
  resume(): void
  switchCamera(): void
  /** A falsy `userID`: your own camera; else that remote user's video. */
  enableVideo(enable: boolean, userID?: string): void
  /** A falsy `userID`: your own microphone; else that remote user's audio. */
  enableAudio(enable: boolean, userID?: string): void
  sendC2CTextMsg(toUser: string, text: string, succ?: SendSuccess, fail?: SendFail): void
  sendC2CCustomMsg(toUser: string, msg: CustomMessage, succ?: SendSuccess, fail?: SendFail): void
  sendGroupTextMsg(text: string, succ?: SendSuccess, fail?: SendFail): void
  sendGroupCustomMsg(msg: CustomMessage, succ?: SendSuccess, fail?: SendFail): void
}

/** What `this.selectComponent('#id')` gives for a <webrtc-room>: a component instance with these methods. */
export type WebrtcRoom = WechatMiniprogram.Component.InstanceProperties &
  WechatMiniprogram.Component.InstanceMethods<WebrtcRoomProperties> &
  WebrtcRoomMethods & {
    readonly data: Readonly<WebrtcRoomProperties>
    readonly properties: Readonly<WebrtcRoomProperties>
  }

// ----- RoomEvent -----

/**
 * RoomEvent error codes: -4 camera, -5 microphone, -6 push connection lost, -7 no camera/microphone
 * permission, -8 more people than the layout holds, -9 no room signature (or start() without
 * sdkAppID/roomID/userID/userSig), -10 the pusher left the room (1019), -11 the wasm core could not
 * be loaded (base library older than 2.14) or crashed; trtc mode also: -1303/-1304 encoding failed,
 * -100018 userSig refused, -3301 entering the room failed.
 */
export type RoomErrorCode = -4 | -5 | -6 | -7 | -8 | -9 | -10 | -11 | -1303 | -1304 | -100018 | -3301

export interface RoomErrorDetail { tag: 'error'; code: RoomErrorCode; detail: string }
/** Something was ignored (a bad member list, an unknown template, a user not shown, …). */
export interface RoomWarningDetail { tag: 'warning'; code: -1; detail: string }
/** The pusher entered the room; `roomID` is the number, or trtc's strRoomID. */
export interface EnterRoomDetail { tag: 'enter_room'; code: 0; detail: { roomID: number | string } }
/** trtc: a clean exit after exitRoom()/stop(). */
export interface ExitRoomDetail { tag: 'exit_room'; code: 0; detail: { roomID: number | string } }
/** A remote user got a seat (legacy: no streamType). */
export interface MemberJoinDetail { tag: 'member_join'; code: 0; detail: { userID: string; streamType?: StreamType } }
/** A remote user's seat was freed. */
export interface MemberLeaveDetail { tag: 'member_leave'; code: 0; detail: { userID: string; streamType?: StreamType } }
/** trtc: a remote user entered the room. */
export interface RemoteUserJoinDetail { tag: 'remote_user_join'; code: 1031; detail: { userID: string } }
/** trtc: a remote user left the room. */
export interface RemoteUserLeaveDetail { tag: 'remote_user_leave'; code: 1032; detail: { userID: string } }
/** trtc: a remote video stream became (un)available. */
export interface RemoteVideoDetail {
  tag: 'remote_video'
  code: 1033
  detail: { userID: string; streamType: StreamType; available: boolean }
}
/** trtc: a remote user's audio became (un)available. */
export interface RemoteAudioDetail { tag: 'remote_audio'; code: 1034; detail: { userID: string; available: boolean } }

/** `e.detail` of `bindRoomEvent`, discriminated by `tag`. */
export type RoomEventDetail =
  | RoomErrorDetail
  | RoomWarningDetail
  | EnterRoomDetail
  | ExitRoomDetail
  | MemberJoinDetail
  | MemberLeaveDetail
  | RemoteUserJoinDetail
  | RemoteUserLeaveDetail
  | RemoteVideoDetail
  | RemoteAudioDetail
export type RoomEventTag = RoomEventDetail['tag']

// ----- IMEvent -----

/** A webim server reply as received. */
export interface ServerReply {
  ActionStatus: string
  ErrorCode: number
  ErrorInfo: string
  [field: string]: unknown
}
/** login_event detail: code 0 with your identifier and profile, or the server's error code and reply. */
export interface LoginReply extends ServerReply {
  identifier?: string
  /** Your IM nick; null when the profile has none. */
  identifierNick?: string | null
  /** Your avatar URL; null when the profile has none. */
  headurl?: string | null
}
/** connection_event codes: 0 connected, 1 reconnected, 9999 lost (retrying). */
export type ConnectionCode = 0 | 1 | 9999
/** Group system notification types (webim GROUP_SYSTEM_TYPE: 1 – 11, 255); 0 when the server gave none. */
export type GroupSystemType = 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9 | 10 | 11 | 255
export interface GroupSystemNotify {
  ReportType: GroupSystemType
  GroupId: string
  Operator_Account?: string
  MsgTime?: number
  RemarkInfo?: string
  UserDefinedField?: string
  /** The notification as the server sent it. */
  raw?: unknown
  [field: string]: unknown
}
export interface GroupInfoChange {
  GroupId: string
  GroupName?: string
  GroupFaceUrl?: string
  OwnerAccount?: string
  GroupNotification?: string
  GroupIntroduction?: string
}

export interface LoginEventDetail { tag: 'login_event'; code: number; detail: LoginReply }
export interface JoinGroupEventDetail { tag: 'join_group_event'; code: number; detail: ServerReply }
export interface ConnectionEventDetail {
  tag: 'connection_event'
  code: ConnectionCode
  detail: { ActionStatus: 'OK' | 'FAIL'; ErrorCode: ConnectionCode; ErrorInfo: string }
}
/** Group messages of one poll reply (in 2019's reverse reply order). */
export interface BigGroupMsgNotifyDetail { tag: 'big_group_msg_notify'; code: 0; detail: Msg[] }
/** C2C messages of one poll reply or fetch. */
export interface MsgNotifyDetail { tag: 'msg_notify'; code: 0; detail: Msg[] }
export interface GroupSystemNotifysDetail { tag: 'group_system_notifys'; code: GroupSystemType; detail: GroupSystemNotify }
export interface GroupInfoChangeNotifyDetail { tag: 'group_info_change_notify'; code: 0; detail: GroupInfoChange }
/** The same userID logged in elsewhere; polling has stopped. */
export interface KickedDetail { tag: 'kicked'; code: 91101; detail: ServerReply }
/** A reply IM could not use; `code` is the server's. */
export interface IMErrorDetail { tag: 'error'; code: number; detail: ServerReply }

/** `e.detail` of `bindIMEvent`, discriminated by `tag`. */
export type IMEventDetail =
  | LoginEventDetail
  | JoinGroupEventDetail
  | ConnectionEventDetail
  | BigGroupMsgNotifyDetail
  | MsgNotifyDetail
  | GroupSystemNotifysDetail
  | GroupInfoChangeNotifyDetail
  | KickedDetail
  | IMErrorDetail
export type IMEventTag = IMEventDetail['tag']

// ----- messages (plain data with 2019 webim's accessor methods) -----

export type SessionType = 'GROUP' | 'C2C'
export interface MsgSession {
  type(): SessionType
  /** GROUP: the group id (your own group send: the roomID number); C2C: the peer. */
  id(): string | number
  name(): string | number
}
export interface Msg {
  sess: { type: SessionType; id: string | number; name: string | number }
  /** group: 0 common, 1 like, 2 tip, 3 red packet; C2C: 0. */
  subType: number
  fromAccount: string
  fromAccountNick: string
  isSend: boolean
  seq: number
  random: number
  /** Seconds. */
  time: number
  elems: MsgElem[]
  getSession(): MsgSession
  getSubType(): number
  /** webim's Msg.getType(): the sub type. */
  getType(): number
  getFromAccount(): string
  getFromAccountNick(): string
  getIsSend(): boolean
  getSeq(): number
  getRandom(): number
  getTime(): number
  getElems(): MsgElem[]
}

interface ElemOf<T extends string, C> {
  type: T
  content: C
  getType(): T
  getContent(): C
}
export interface TextContent {
  text: string
  getText(): string
}
export interface CustomContent {
  data: string
  desc: string
  ext: string
  getData(): string
  getDesc(): string
  getExt(): string
}
export interface FaceContent {
  index: number
  data: string
  getIndex(): number
  getData(): string
}
/** Group tip kinds (webim GROUP_TIP_TYPE): 1 join, 2 quit, 3 kick, 4 admin set, 5 admin unset, 6 group info, 7 member info. */
export type GroupTipType = 1 | 2 | 3 | 4 | 5 | 6 | 7
/** A changed group field: type 1 face URL, 2 name, 3 owner, 4 notification, 5 introduction. */
export interface GroupInfoItem {
  type: number
  value: string
  getType(): number
  getValue(): string
}
export interface MemberInfoItem {
  userId: string
  shutupTime: number
  getUserId(): string
  getShutupTime(): number
}
export interface GroupTipContent {
  opType: GroupTipType
  opUserId: string
  groupId: string
  groupName: string
  userIdList: string[]
  groupInfoList: GroupInfoItem[]
  memberInfoList: MemberInfoItem[]
  /** Set for joins and quits; null otherwise (as 2019). */
  groupMemberNum: number | null
  getOpType(): GroupTipType
  getOpUserId(): string
  getGroupId(): string
  getGroupName(): string
  getUserIdList(): string[]
  getGroupInfoList(): GroupInfoItem[]
  getMemberInfoList(): MemberInfoItem[]
  getGroupMemberNum(): number | null
}
export type TextElem = ElemOf<'TIMTextElem', TextContent>
export type CustomElem = ElemOf<'TIMCustomElem', CustomContent>
export type FaceElem = ElemOf<'TIMFaceElem', FaceContent>
export type GroupTipElem = ElemOf<'TIMGroupTipElem', GroupTipContent>
/** Image, sound, file and location elements: the server's content as is. */
export type OtherElem = ElemOf<'TIMImageElem' | 'TIMSoundElem' | 'TIMFileElem' | 'TIMLocationElem', Record<string, unknown>>
/** One element of a message, discriminated by `type`. */
export type MsgElem = TextElem | CustomElem | FaceElem | GroupTipElem | OtherElem

// ----- the events a page binds -----

interface EventOwner {
  id: string
  dataset: Record<string, any>
}
/** The event object `bindRoomEvent` / `bindIMEvent` handlers get (a WechatMiniprogram.CustomEvent). */
export interface WebrtcRoomEvent<D> {
  type: string
  timeStamp: number
  target: EventOwner
  currentTarget: EventOwner
  detail: D
}
export type RoomEvent = WebrtcRoomEvent<RoomEventDetail>
export type IMEvent = WebrtcRoomEvent<IMEventDetail>
