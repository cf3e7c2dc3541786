#!/usr/bin/env node
// Reference outputs of the npm package tls-sig-api-v2@1.0.2, for the usersig crate's
// cross-check test (usersig/tests/cross_check.rs).
//
//   node test/usersig/v2-reference.js '<JSON array of cases>'
//
// Each case: {nowMs, sdkappid, key, userid, expire, roomid?, roomstr?, privilege?}.
// The package reads the clock through Date.now(), so it is pinned to nowMs for each case.
// Prints one JSON array: per case {userSig, privateMapKey?, privateMapKeyStr?}.
'use strict';

let TLSSigAPIv2;
try {
  TLSSigAPIv2 = require('tls-sig-api-v2');
} catch (e) {
  console.error('v2-reference: cannot load tls-sig-api-v2 (' + e.message + '); run tools/setup.sh');
  process.exit(3);
}
const version = require('tls-sig-api-v2/package.json').version;
if (version !== '1.0.2') {
  console.error('v2-reference: tls-sig-api-v2 is ' + version + ', expected 1.0.2; run tools/setup.sh');
  process.exit(3);
}

const cases = JSON.parse(process.argv[2] || '[]');
const realNow = Date.now;
const out = cases.map((c) => {
  Date.now = () => c.nowMs;
  try {
    const api = new TLSSigAPIv2.Api(c.sdkappid, c.key);
    const r = { userSig: api.genUserSig(c.userid, c.expire) };
    if (c.roomid !== undefined) r.privateMapKey = api.genPrivateMapKey(c.userid, c.expire, c.roomid, c.privilege);
    if (c.roomstr !== undefined) {
      r.privateMapKeyStr = api.genPrivateMapKeyWithStringRoomID(c.userid, c.expire, c.roomstr, c.privilege);
    }
    return r;
  } finally {
    Date.now = realNow;
  }
});
process.stdout.write(JSON.stringify(out) + '\n');
