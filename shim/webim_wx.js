// webim_wx.js of <webrtc-room>: NOT an IM SDK. Pages written for the 2019 component `require` this
// file from the component folder for webim's constants and Tool helpers; it holds the ones 2019's
// demo page and component used, with 2019's values. IM itself runs inside the component
// (enableIM): messages arrive through IMEvent and already answer webim's accessor methods.
const getStrBytes = s => {
  // 2019 counted UTF-16 code units: up to 0x7F one byte, up to 0x7FF two, anything else three (so
  // a character outside the BMP counts six). Pages compare these figures with MSG_MAX_LENGTH.
  if (typeof s !== 'string') return 0
  let n = 0
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    n += c < 0x80 ? 1 : c < 0x800 ? 2 : 3
  }
  return n
}

module.exports = {
  SESSION_TYPE: { C2C: 'C2C', GROUP: 'GROUP' },
  MSG_MAX_LENGTH: { C2C: 12000, GROUP: 8898 },
  C2C_MSG_SUB_TYPE: { COMMON: 0 },
  GROUP_MSG_SUB_TYPE: { COMMON: 0, LOVEMSG: 1, TIP: 2, REDPACKET: 3 },
  MSG_ELEMENT_TYPE: {
    TEXT: 'TIMTextElem',
    FACE: 'TIMFaceElem',
    IMAGE: 'TIMImageElem',
    CUSTOM: 'TIMCustomElem',
    SOUND: 'TIMSoundElem',
    FILE: 'TIMFileElem',
    LOCATION: 'TIMLocationElem',
    GROUP_TIP: 'TIMGroupTipElem'
  },
  GROUP_TIP_TYPE: { JOIN: 1, QUIT: 2, KICK: 3, SET_ADMIN: 4, CANCEL_ADMIN: 5, MODIFY_GROUP_INFO: 6, MODIFY_MEMBER_INFO: 7 },
  GROUP_TIP_MODIFY_GROUP_INFO_TYPE: { FACE_URL: 1, NAME: 2, OWNER: 3, NOTIFICATION: 4, INTRODUCTION: 5 },
  Tool: {
    getStrBytes,
    // HTML entities/tags of spaces and line breaks back to text (2019's demo ran messages through it).
    formatHtml2Text: h => h && h.replace(/&nbsp;/g, ' ').replace(/<br\/>/g, '\n')
  }
}
