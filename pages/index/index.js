const config = require('../config.js');

const LAYOUTS = [
  { value: 'bigsmall', name: '1v1', hint: '2 people: the other fills the screen' },
  { value: 'float', name: 'floating', hint: 'up to 4: you fill the screen' },
  { value: 'grid', name: '4-person grid', hint: 'up to 4: 2 x 2 tiles' }
];

function randomUserID() {
  return 'user_' + Math.random().toString(36).slice(2, 8);
}

Page({
  data: {
    roomNo: '',
    userID: '',
    template: 'bigsmall',
    // false: the 2019 room protocol (room signature); true: today's TRTC (userSig in the pusher URL).
    trtc: false,
    layouts: LAYOUTS,
    signURL: config.SIGN_URL
  },

  onLoad() {
    this.setData({ userID: randomUserID() });
  },

  onRoomNo(e) {
    this.setData({ roomNo: e.detail.value });
  },

  onUserID(e) {
    this.setData({ userID: e.detail.value });
  },

  onProtocol(e) {
    this.setData({ trtc: !!e.detail.value });
  },

  onLayout(e) {
    this.setData({ template: e.detail.value });
  },

  enter() {
    // A double tap must not open two rooms.
    const now = Date.now();
    if (now - (this.lastTap || 0) < 1000) return;

    const roomNo = this.data.roomNo.trim();
    const userID = this.data.userID.trim();
    if (!/^[1-9]\d{0,8}$/.test(roomNo)) {
      wx.showToast({ title: 'Room number: 1-9 digits, no leading 0', icon: 'none' });
      return;
    }
    if (!/^[A-Za-z0-9_-]{1,32}$/.test(userID)) {
      wx.showToast({ title: 'User ID: up to 32 of A-Z a-z 0-9 _ -', icon: 'none' });
      return;
    }
    this.lastTap = now;
    // Both are checked above, so they need no URL encoding.
    wx.navigateTo({
      url: '/pages/room/room?roomID=' + roomNo + '&template=' + this.data.template + '&userID=' + userID +
        (this.data.trtc ? '&protocol=trtc' : '')
    });
  }
});
