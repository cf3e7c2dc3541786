/*
 * ==========================================================================
 *  DEMO SETTING: the signing service the room page asks for a userSig.
 * ==========================================================================
 *  The room page POSTs {userID, roomID} (JSON) to SIGN_URL and expects
 *  {userID, sdkAppID, roomID, userSig, privateMapKey} back.
 *
 *  127.0.0.1 only answers in the WeChat devtools on this computer (with
 *  "do not verify request domains" ticked, which project.config.json sets).
 *  A real phone needs an https URL whose domain is whitelisted as a
 *  "request" domain in the mini program's admin console.
 *  Never sign on the phone itself: the signing key must stay on a server.
 */
module.exports = {
  SIGN_URL: 'http://127.0.0.1:8787/usersig',

  // Used only when the service's answer carries no sdkAppID.
  sdkAppID: 0,

  // '' talks to Tencent. To try everything on one computer, run `bash tools/demo.sh` and set
  // 'http://127.0.0.1:8790' (the local emulator of Tencent's endpoints it starts).
  API_BASE: '',

  // Group chat in the room (the "Hi" button sends a group message; incoming ones show as toasts).
  ENABLE_IM: true
};
