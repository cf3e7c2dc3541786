const config = require('../config.js');

// RoomEvent error codes of <webrtc-room> (tag 'error').
const ERRORS = {
  '-4': 'The camera could not be opened.',
  '-5': 'The microphone could not be opened.',
  '-6': 'The push connection was lost.',
  '-7': 'No permission to use the camera or the microphone. Allow both in the mini program settings.',
  '-8': 'The room is full for this layout.',
  '-9': 'The room signature could not be obtained.',
  '-10': 'Joining the room failed.',
  '-11': 'The component\'s wasm core failed to load (it needs WeChat base library 2.14.0 or newer: update WeChat) or crashed.',
  // protocol 'trtc' only: the raw pusher codes.
  '-1303': 'Video encoding failed on this phone.',
  '-1304': 'Audio encoding failed on this phone.',
  '-100018': 'The userSig was refused.',
  '-3301': 'Entering the room failed.'
};
// After these the component has left the room (or, -11, cannot work): leave the page too.
const FATAL = [-4, -5, -6, -9, -10, -11, -100018, -3301];
const TEMPLATES = ['bigsmall', 'float', 'grid'];

Page({
  data: {
    roomID: 0,
    userID: '',
    userSig: '',
    sdkAppID: 0,
    privateMapKey: '',
    template: 'float',
    protocol: 'legacy',
    beauty: 5,
    muted: false,
    debug: false,
    enableIM: config.ENABLE_IM,
    apiBase: config.API_BASE,
    frontCamera: true
  },

  onLoad(query) {
    const roomID = Number(query.roomID) || 0;
    const userID = query.userID || '';
    const template = TEMPLATES.indexOf(query.template) >= 0 ? query.template : 'float';
    const protocol = query.protocol === 'trtc' ? 'trtc' : 'legacy';
    this.setData({ roomID, userID, template, protocol });
    if (!(roomID >= 1 && roomID <= 4294967294 && Math.floor(roomID) === roomID) || !userID) {
      this.showError('Cannot enter', 'The page was opened without a valid room number and user ID (' +
        JSON.stringify(query) + '). Pick them on the first page.', true);
      return;
    }
    wx.setNavigationBarTitle({ title: 'Room ' + roomID });
    this.sign(roomID, userID);
  },

  onShow() {
    wx.setKeepScreenOn({ keepScreenOn: true });
    // Going to the background (pusher 5000) makes the component leave the room: enter again.
    if (this.hidden && this.signed && !this.gone) {
      const room = this.selectComponent('#webrtcroom');
      if (room) room.start();
    }
    this.hidden = false;
  },

  onHide() {
    this.hidden = true;
  },

  onUnload() {
    // The component leaves the room by itself when it is detached.
    this.gone = true;
    wx.setKeepScreenOn({ keepScreenOn: false });
    if (this.signTask) this.signTask.abort();
  },

  // Ask the signing service for userSig and privateMapKey, then start the component.
  sign(roomID, userID) {
    const url = config.SIGN_URL;
    wx.showLoading({ title: 'Signing…' });
    this.signTask = wx.request({
      url,
      method: 'POST',
      data: { userID, roomID },
      timeout: 10000,
      success: (res) => {
        if (this.gone) return;
        const d = res.data || {};
        if (res.statusCode !== 200) {
          return this.signFailed(url, 'HTTP status ' + res.statusCode + (d.message ? ' (' + d.message + ')' : ''));
        }
        if (!d.userSig) return this.signFailed(url, 'the answer has no userSig');
        const sdkAppID = Number(d.sdkAppID) || config.sdkAppID;
        if (!sdkAppID) return this.signFailed(url, 'the answer has no sdkAppID and pages/config.js sets none');
        this.setData({
          userID: d.userID || userID,
          roomID: Number(d.roomID) || roomID,
          sdkAppID,
          userSig: d.userSig,
          privateMapKey: d.privateMapKey || ''
        }, () => {
          if (this.gone) return;
          this.signed = true;
          const room = this.selectComponent('#webrtcroom');
          if (room) room.start();
          else console.error('webrtc-room: component not found');
        });
      },
      fail: (err) => {
        if (!this.gone) this.signFailed(url, err.errMsg || 'request failed');
      },
      complete: () => {
        this.signTask = null;
        wx.hideLoading();
      }
    });
  },

  signFailed(url, why) {
    console.error('signing failed:', url, why);
    this.showError('Signing failed', 'Could not get a userSig from ' + url + ': ' + why +
      '. Check SIGN_URL in pages/config.js and that the service runs.', true);
  },

  onRoomEvent(e) {
    const d = e.detail || {};
    if (d.tag !== 'error') {
      console.log('RoomEvent', d.tag, d.code, d.detail);
      return;
    }
    console.error('RoomEvent error', d.code, d.detail);
    const text = ERRORS[String(d.code)] || 'Unknown error.';
    const detail = typeof d.detail === 'string' ? d.detail : JSON.stringify(d.detail || '');
    this.showError('Error ' + d.code, text + (detail ? '\n' + detail : ''), FATAL.indexOf(Number(d.code)) >= 0);
  },

  onIMEvent(e) {
    const d = e.detail || {};
    console.log('IMEvent', d.tag, d.code, d.detail);
    if (d.tag !== 'big_group_msg_notify' && d.tag !== 'msg_notify') return;
    (d.detail || []).filter((m) => !m.isSend).forEach((m) => {
      const text = (m.elems || []).map((el) => (el.content && el.content.text) || '').join('');
      if (text) wx.showToast({ title: m.fromAccountNick + ': ' + text, icon: 'none' });
    });
  },

  sayHi() {
    const room = this.selectComponent('#webrtcroom');
    if (!room) return;
    room.sendGroupTextMsg('Hi from ' + this.data.userID + ' 👋', () => {}, (code, info) => {
      wx.showToast({ title: 'Not sent (' + code + ')', icon: 'none' });
      console.warn('sendGroupTextMsg failed', code, info);
    });
  },

  // One modal at a time; if any error on screen asks to leave, leave when it closes.
  showError(title, content, leave) {
    this.leaveAfterModal = this.leaveAfterModal || leave;
    if (this.modalOpen || this.gone) return;
    this.modalOpen = true;
    wx.showModal({
      title,
      content,
      showCancel: false,
      complete: () => {
        this.modalOpen = false;
        if (this.leaveAfterModal) this.leave();
      }
    });
  },

  switchCamera() {
    const room = this.selectComponent('#webrtcroom');
    if (room) room.switchCamera();
    this.setData({ frontCamera: !this.data.frontCamera });
  },

  toggleBeauty() {
    this.setData({ beauty: this.data.beauty ? 0 : 5 });
  },

  toggleMute() {
    this.setData({ muted: !this.data.muted });
  },

  toggleDebug() {
    this.setData({ debug: !this.data.debug });
  },

  hangUp() {
    const room = this.selectComponent('#webrtcroom');
    if (room) room.exitRoom();
    this.leave();
  },

  leave() {
    if (this.gone) return;
    this.gone = true;
    wx.navigateBack({
      // Opened without a page below (e.g. compiled straight into this page).
      fail: () => wx.reLaunch({ url: '/pages/index/index' })
    });
  }
});
