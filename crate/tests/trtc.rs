//! `protocol: 'trtc'`: entering with a room://…/rtc pusher URL, users and streams from pusher codes
//! 1031-1034, per-stream seating, and every pusher code trtc-wx-sdk handles.

mod support;

use serde_json::{json, Value};
use support::{Driver, Out};

fn trtc(props: Value) -> Driver {
    let mut all = json!({"protocol": "trtc", "template": "grid"});
    for (k, v) in props.as_object().unwrap() {
        all[k] = v.clone();
    }
    Driver::with_props(all)
}

/// A trtc room that has entered (start(), 1018).
fn entered(props: Value) -> Driver {
    let mut d = trtc(props);
    let out = d.call("start");
    assert!(out.requests().is_empty(), "no room-signature request");
    d.pusher(1018);
    d
}

fn users(d: &mut Driver, code: i64, list: Value) -> Out {
    let message = json!({ "userlist": list }).to_string();
    d.send(json!({"pusher": {"code": code, "message": message}}))
}

fn join(d: &mut Driver, ids: &[&str]) -> Out {
    let list: Vec<Value> = ids.iter().map(|id| json!({"userid": id})).collect();
    users(d, 1031, Value::Array(list))
}

fn leave(d: &mut Driver, ids: &[&str]) -> Out {
    let list: Vec<Value> = ids.iter().map(|id| json!({"userid": id})).collect();
    users(d, 1032, Value::Array(list))
}

fn video(d: &mut Driver, id: &str, stream: &str, on: bool) -> Out {
    users(
        d,
        1033,
        json!([{"userid": id, "streamtype": stream, "hasvideo": on, "playurl": "room://ignored"}]),
    )
}

fn audio(d: &mut Driver, id: &str, on: bool) -> Out {
    users(d, 1034, json!([{"userid": id, "hasaudio": on}]))
}

/// Users who joined and turned their camera on.
fn cameras(d: &mut Driver, ids: &[&str]) {
    join(d, ids);
    for id in ids {
        video(d, id, "main", true);
    }
}

fn src(id: &str, stream: &str) -> String {
    format!("room://cloud.tencent.com/rtc?userid={id}&streamtype={stream}")
}

/// slot -> "user/stream" ('' for an empty slot), from the room itself.
fn seats(d: &Driver) -> Vec<String> {
    d.room
        .seated()
        .into_iter()
        .map(|s| s.unwrap_or("").to_string())
        .collect()
}

fn seat_events(out: &Out) -> Vec<Value> {
    out.events()
        .into_iter()
        .filter(|e| e["tag"] == "member_join" || e["tag"] == "member_leave")
        .map(|e| json!([e["tag"], e["detail"]["userID"], e["detail"]["streamType"]]))
        .collect()
}

fn warnings(out: &Out) -> Vec<String> {
    out.tagged("warning")
        .iter()
        .map(|w| w["detail"].as_str().unwrap().to_string())
        .collect()
}

// ----- entering -----

#[test]
fn start_hands_the_pusher_the_trtc_url_with_the_sdk_defaults() {
    let mut d = trtc(json!({"privateMapKey": "pm&k", "userSig": "s+g/="}));
    let out = d.call("start");
    assert!(out.requests().is_empty());
    assert_eq!(
        out.data()["pushURL"],
        "room://cloud.tencent.com/rtc?sdkappid=1400000000&roomid=1234&userid=u-self&usersig=s%2Bg%2F%3D\
         &appscene=videocall&encsmall=0&cloudenv=PRO&enableBlackStream=&streamid=&userdefinerecordid=\
         &privatemapkey=pm%26k&pureaudiomode=&recvmode=1&enableinfiniteanchor=0&component=1"
    );
    let out = d.pusher(1018);
    assert_eq!(
        out.tagged("enter_room")[0]["detail"],
        json!({"roomID": 1234})
    );
    assert_eq!(out.tagged("enter_room")[0]["code"], 0);
}

#[test]
fn str_room_id_scene_record_id_and_pure_audio_go_in_the_url() {
    let mut d = trtc(
        json!({"roomID": 0, "strRoomID": "课堂 #7", "scene": "live", "recordId": 42,
                           "pureAudioPushMod": 1, "userID": "张三"}),
    );
    let url = d.call("start").data()["pushURL"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(url.contains("&strroomid=%E8%AF%BE%E5%A0%82%20%237&userid=%E5%BC%A0%E4%B8%89&"));
    assert!(!url.contains("&roomid="));
    assert!(url.contains("&appscene=live&"));
    assert!(url.contains("&userdefinerecordid=42&"));
    assert!(url.contains("&pureaudiomode=1&"));
    let out = d.pusher(1018);
    assert_eq!(
        out.tagged("enter_room")[0]["detail"],
        json!({"roomID": "课堂 #7"})
    );
}

#[test]
fn unknown_scene_is_videocall() {
    let mut d = trtc(json!({"scene": "rtc"}));
    let url = d.call("start").data()["pushURL"].to_string();
    assert!(url.contains("&appscene=videocall&"), "{url}");
}

#[test]
fn missing_credentials_give_the_legacy_minus_9_detail() {
    for missing in ["sdkAppID", "roomID", "userID", "userSig"] {
        let blank = json!({missing: if missing.ends_with("ID") && missing != "userID" { json!(0) } else { json!("") }});
        let mut legacy = Driver::with_props(blank.clone());
        let mut d = trtc(blank);
        let want = legacy.call("start").error_detail(-9);
        let out = d.call("start");
        assert_eq!(out.error_detail(-9), want);
        assert!(want.contains(missing), "{want}");
        assert!(out.data().is_null(), "nothing pushed");
    }
    // A strRoomID stands in for roomID in trtc mode only.
    let mut d = trtc(json!({"roomID": 0, "strRoomID": "r1"}));
    assert!(d.call("start").errors().is_empty());
    let mut d = Driver::with_props(json!({"roomID": 0, "strRoomID": "r1"}));
    assert!(d.call("start").error_detail(-9).contains("roomID"));
}

#[test]
fn unknown_protocol_warns_and_stays_legacy() {
    let mut d = Driver::with_props(json!({"protocol": "TRTC"}));
    let out = d.send(json!({"props": {"protocol": "TRTC"}}));
    assert!(warnings(&out)[0].starts_with("unknown protocol: use legacy or trtc"));
    assert_eq!(
        d.call("start").requests().len(),
        1,
        "the legacy signature request"
    );
}

#[test]
fn user_sig_stays_out_of_logs_unless_debug() {
    let mut d = trtc(json!({"userSig": "secret-sig", "privateMapKey": "secret-pmk"}));
    let logs = d.call("start").logs().join("\n");
    assert!(!logs.contains("secret"), "{logs}");
    d.pusher(1018);
    assert!(!format!("{:?}", d.pusher(-100018).0).contains("secret"));
}

// ----- users and streams -----

#[test]
fn a_camera_takes_a_seat_and_keeps_it_without_video_until_the_user_leaves() {
    let mut d = entered(json!({}));
    let out = join(&mut d, &["a"]);
    assert_eq!(
        out.tagged("remote_user_join"),
        vec![json!({"tag": "remote_user_join", "code": 1031, "detail": {"userID": "a"}})]
    );
    assert!(out.data().is_null(), "a user without streams takes no seat");

    let out = video(&mut d, "a", "main", true);
    assert_eq!(
        out.tagged("remote_video")[0],
        json!({"tag": "remote_video", "code": 1033, "detail": {"userID": "a", "streamType": "main", "available": true}})
    );
    assert_eq!(seat_events(&out), vec![json!(["member_join", "a", "main"])]);
    assert_eq!(
        out.data(),
        json!({"m[0]": {"id": "a", "src": src("a", "main")}})
    );

    let out = video(&mut d, "a", "main", false);
    assert_eq!(out.tagged("remote_video")[0]["detail"]["available"], false);
    assert_eq!(
        out.data(),
        json!({"m[0].novideo": true}),
        "the seat stays, the poster shows"
    );
    assert!(seat_events(&out).is_empty());

    let out = audio(&mut d, "a", true);
    assert_eq!(
        out.tagged("remote_audio")[0],
        json!({"tag": "remote_audio", "code": 1034, "detail": {"userID": "a", "available": true}})
    );
    let out = audio(&mut d, "a", false);
    assert_eq!(out.tagged("remote_audio")[0]["detail"]["available"], false);
    assert!(
        out.data().is_null(),
        "neither video nor audio: still seated"
    );
    assert_eq!(seats(&d), ["a", "", ""]);

    let out = video(&mut d, "a", "main", true);
    assert_eq!(out.data(), json!({"m[0].novideo": false}));

    let out = leave(&mut d, &["a"]);
    assert_eq!(
        out.tagged("remote_user_leave"),
        vec![json!({"tag": "remote_user_leave", "code": 1032, "detail": {"userID": "a"}})]
    );
    assert_eq!(
        seat_events(&out),
        vec![json!(["member_leave", "a", "main"])]
    );
    assert_eq!(out.data(), json!({"m[0]": {}}));
}

#[test]
fn an_audio_only_user_is_seated_with_the_poster() {
    let mut d = entered(json!({}));
    join(&mut d, &["a"]);
    let out = audio(&mut d, "a", true);
    assert_eq!(
        out.data(),
        json!({"m[0]": {"id": "a", "src": src("a", "main"), "novideo": true}})
    );
    assert_eq!(seat_events(&out), vec![json!(["member_join", "a", "main"])]);
}

#[test]
fn repeated_states_are_not_reported_again() {
    let mut d = entered(json!({}));
    cameras(&mut d, &["a"]);
    let out = video(&mut d, "a", "main", true);
    assert!(
        out.events().is_empty() && out.data().is_null(),
        "{:?}",
        out.0
    );
    let out = join(&mut d, &["a"]);
    assert!(out.events().is_empty(), "a second 1031 changes nothing");
}

#[test]
fn a_list_of_several_users_is_one_input_and_one_set_data() {
    let mut d = entered(json!({}));
    join(&mut d, &["a", "b", "c"]);
    let out = users(
        &mut d,
        1033,
        json!([{"userid": "a", "streamtype": "main", "hasvideo": true},
               {"userid": "b", "streamtype": "main", "hasvideo": 1},
               {"userid": "c", "streamtype": "main", "hasvideo": true}]),
    );
    assert_eq!(seats(&d), ["a", "b", "c"]);
    assert_eq!(out.data().as_object().unwrap().len(), 3);
    assert_eq!(out.tagged("remote_video").len(), 3);
}

#[test]
fn own_user_id_in_a_list_is_not_a_remote_user() {
    let mut d = entered(json!({}));
    let out = join(&mut d, &["u-self"]);
    assert!(out.events().is_empty());
    let out = video(&mut d, "u-self", "main", true);
    assert!(out.events().is_empty() && out.data().is_null());
}

#[test]
fn waiting_cameras_get_minus_8_once_and_the_first_takes_a_freed_seat() {
    let mut d = entered(json!({}));
    cameras(&mut d, &["a", "b", "c"]);
    join(&mut d, &["d"]);
    let out = video(&mut d, "d", "main", true);
    assert_eq!(out.errors(), vec![-8]);
    assert!(out.error_detail(-8).ends_with("not shown: d"));
    join(&mut d, &["e"]);
    let out = video(&mut d, "e", "main", true);
    assert!(
        out.error_detail(-8).ends_with("not shown: e"),
        "only the newcomer"
    );
    let out = audio(&mut d, "d", true);
    assert!(out.errors().is_empty(), "d was told already");
    let out = leave(&mut d, &["b"]);
    assert_eq!(seats(&d), ["a", "d", "c"], "seated users never move");
    assert_eq!(
        seat_events(&out),
        vec![
            json!(["member_leave", "b", "main"]),
            json!(["member_join", "d", "main"])
        ]
    );
    assert!(out.errors().is_empty());
}

#[test]
fn a_screen_share_takes_its_own_seat_ahead_of_waiting_cameras() {
    let mut d = entered(json!({}));
    cameras(&mut d, &["a", "b"]);
    let out = video(&mut d, "a", "aux", true);
    assert_eq!(
        out.tagged("remote_video")[0]["detail"],
        json!({"userID": "a", "streamType": "aux", "available": true})
    );
    assert_eq!(seat_events(&out), vec![json!(["member_join", "a", "aux"])]);
    assert_eq!(
        out.data(),
        json!({"m[2]": {"id": "a", "src": src("a", "aux")}})
    );
    assert_eq!(seats(&d), ["a", "b", "a"]);
    // The layout is full: a camera waits, then b shares too and waits ahead of it.
    cameras(&mut d, &["c"]);
    let out = video(&mut d, "b", "aux", true);
    assert!(out.error_detail(-8).ends_with("not shown: b (screen)"));
    let out = leave(&mut d, &["a"]);
    assert_eq!(
        seats(&d),
        ["b", "b", "c"],
        "b's share first, then c's camera"
    );
    assert_eq!(
        seat_events(&out),
        vec![
            json!(["member_leave", "a", "main"]),
            json!(["member_leave", "a", "aux"]),
            json!(["member_join", "b", "aux"]),
            json!(["member_join", "c", "main"])
        ]
    );
    assert_eq!(out.data()["m[0]"]["src"], src("b", "aux"));
    // The share ends: its seat is freed, the camera stays.
    let out = video(&mut d, "b", "aux", false);
    assert_eq!(seat_events(&out), vec![json!(["member_leave", "b", "aux"])]);
    assert_eq!(seats(&d), ["", "b", "c"]);
}

#[test]
fn bigsmall_shows_a_share_in_the_big_view_and_the_camera_comes_back_after_it() {
    let mut d = entered(json!({"template": "bigsmall"}));
    cameras(&mut d, &["a"]);
    join(&mut d, &["b"]);
    let out = video(&mut d, "b", "main", true);
    assert!(out.error_detail(-8).ends_with("not shown: b"));
    assert_eq!(seats(&d), ["a"]);

    let out = video(&mut d, "a", "aux", true);
    assert_eq!(
        seat_events(&out),
        vec![
            json!(["member_leave", "a", "main"]),
            json!(["member_join", "a", "aux"])
        ]
    );
    assert!(
        out.errors().is_empty(),
        "the displaced camera is not 'over capacity'"
    );
    assert_eq!(
        out.data(),
        json!({"m[0]": {"id": "a", "src": src("a", "aux")}})
    );

    // Camera changes of the waiting camera do not take the share's place.
    let out = video(&mut d, "a", "main", false);
    assert!(out.data().is_null() && out.errors().is_empty());
    video(&mut d, "a", "main", true);

    let out = video(&mut d, "a", "aux", false);
    assert_eq!(
        seat_events(&out),
        vec![
            json!(["member_leave", "a", "aux"]),
            json!(["member_join", "a", "main"])
        ],
        "the displaced camera comes back ahead of b who waited longer"
    );
    assert_eq!(
        out.data(),
        json!({"m[0]": {"id": "a", "src": src("a", "main")}})
    );

    // A share by the waiting user b takes the big view from a, a waits silently.
    let out = video(&mut d, "b", "aux", true);
    assert_eq!(seats(&d), ["b"]);
    assert!(out.errors().is_empty());
    let out = leave(&mut d, &["b"]);
    assert_eq!(seats(&d), ["a"]);
    assert_eq!(
        seat_events(&out),
        vec![
            json!(["member_leave", "b", "aux"]),
            json!(["member_join", "a", "main"])
        ]
    );
}

#[test]
fn a_second_share_in_bigsmall_waits() {
    let mut d = entered(json!({"template": "bigsmall"}));
    join(&mut d, &["a", "b"]);
    video(&mut d, "a", "aux", true);
    let out = video(&mut d, "b", "aux", true);
    assert!(out.error_detail(-8).ends_with("not shown: b (screen)"));
    assert_eq!(seats(&d), ["a"]);
    let out = video(&mut d, "a", "aux", false);
    assert_eq!(seats(&d), ["b"]);
    assert_eq!(seat_events(&out)[1], json!(["member_join", "b", "aux"]));
}

#[test]
fn layout_switch_reseats_streams_share_first_in_bigsmall() {
    let mut d = entered(json!({}));
    cameras(&mut d, &["a", "b"]);
    video(&mut d, "b", "aux", true);
    assert_eq!(seats(&d), ["a", "b", "b"]);
    let out = d.send(json!({"props": {"template": "bigsmall"}}));
    assert_eq!(seats(&d), ["b"]);
    assert_eq!(d.room.seated(), [Some("b")]);
    assert_eq!(out.data()["m"][0]["src"], src("b", "aux"));
    let out = d.send(json!({"props": {"template": "float"}}));
    assert_eq!(out.data()["m"].as_array().unwrap().len(), 3);
    assert_eq!(
        seats(&d),
        ["b", "a", "b"],
        "the share keeps its place, cameras follow in order"
    );
}

#[test]
fn enable_video_and_audio_of_a_remote_user_cover_all_their_players() {
    let mut d = entered(json!({}));
    cameras(&mut d, &["a"]);
    video(&mut d, "a", "aux", true);
    let out = d.send(json!({"call": "enableVideo", "args": [false, "a"]}));
    assert_eq!(
        out.data(),
        json!({"m[0].novideo": true, "m[1].novideo": true})
    );
    assert!(
        out.player_cmds().is_empty(),
        "the player keeps playing the sound"
    );
    let out = d.send(json!({"call": "enableVideo", "args": [true, "a"]}));
    assert_eq!(
        out.data(),
        json!({"m[0].novideo": false, "m[1].novideo": false})
    );
    let out = d.send(json!({"call": "enableAudio", "args": [false, "a"]}));
    assert_eq!(out.data(), json!({"m[0].muted": true, "m[1].muted": true}));
    let out = d.send(json!({"call": "enableVideo", "args": [false, "nobody"]}));
    assert!(warnings(&out)[0].contains("'nobody' is not shown"));
    // The page's choice outlives the stream: a camera that comes back stays covered.
    d.send(json!({"call": "enableVideo", "args": [false, "a"]}));
    video(&mut d, "a", "main", false);
    let out = video(&mut d, "a", "main", true);
    assert!(out.data().is_null(), "{:?}", out.0);
}

// ----- malformed 1031-1034 -----

#[test]
fn malformed_user_messages_are_warnings_and_change_nothing() {
    let mut d = entered(json!({}));
    cameras(&mut d, &["a"]);
    let cases: Vec<(i64, Option<&str>, &str)> = vec![
        (
            1031,
            Some("not json"),
            "pusher 1031 ignored: message is not JSON",
        ),
        (
            1033,
            Some("[1,2]"),
            "pusher 1033 ignored: message has no userlist array",
        ),
        (
            1034,
            Some(r#"{"userlist": {"userid": "a"}}"#),
            "pusher 1034 ignored: message has no userlist array",
        ),
        (1032, None, "pusher 1032 ignored: no message"),
        (
            1032,
            Some(r#"{"userlist": "a"}"#),
            "pusher 1032 ignored: message has no userlist array",
        ),
    ];
    for (code, message, want) in cases {
        let out = d.send(json!({"pusher": {"code": code, "message": message}}));
        assert_eq!(warnings(&out), vec![want.to_string()], "{code} {message:?}");
        assert!(out.data().is_null());
        assert_eq!(out.events().len(), 1);
    }
    assert_eq!(seats(&d), ["a", "", ""]);
}

#[test]
fn unusable_entries_are_skipped_and_the_rest_of_the_list_counts() {
    let mut d = entered(json!({}));
    join(&mut d, &["a"]);
    let out = users(
        &mut d,
        1033,
        json!([{"userid": "a", "streamtype": "sub", "hasvideo": true},
               {"userid": "a", "hasvideo": true},
               {"userid": "ghost", "streamtype": "main", "hasvideo": true},
               {"streamtype": "main", "hasvideo": true},
               {"userid": 7, "streamtype": "main", "hasvideo": true},
               "a",
               {"userid": "a", "streamtype": "main", "hasvideo": true}]),
    );
    let w = warnings(&out);
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(w[0].starts_with("pusher 1033: skipped entries"), "{}", w[0]);
    for part in [
        r#""streamtype":"sub""#,
        r#""userid":"ghost""#,
        r#""userid":7"#,
        r#""a""#,
    ] {
        assert!(w[0].contains(part), "{part} in {}", w[0]);
    }
    assert_eq!(seats(&d), ["a", "", ""], "the good entry still counts");
    let out = audio(&mut d, "ghost", true);
    assert_eq!(warnings(&out).len(), 1, "a user 1031 never announced");
    let out = leave(&mut d, &["ghost"]);
    assert_eq!(warnings(&out).len(), 1);
    assert!(out.data().is_null());
}

#[test]
fn user_codes_before_entering_or_in_legacy_mode_do_nothing() {
    let mut d = trtc(json!({}));
    let out = join(&mut d, &["a"]);
    assert!(out.events().is_empty());
    let mut legacy = Driver::with_props(json!({}));
    legacy.enter();
    let out = join(&mut legacy, &["a"]);
    assert!(out.events().is_empty() && out.data().is_null());
}

#[test]
fn the_legacy_1020_list_means_nothing_in_trtc_mode() {
    let mut d = entered(json!({}));
    let out = d.userlist(&["a"]);
    assert!(out.is_empty(), "{:?}", out.0);
}

// ----- pusher codes -----

#[test]
fn exit_room_is_a_clean_exit_and_the_1019_that_follows_no_error() {
    let mut d = entered(json!({}));
    cameras(&mut d, &["a"]);
    let out = d.call("exitRoom");
    assert_eq!(out.pusher_cmds(), ["stop"]);
    assert_eq!(out.data(), json!({"pushURL": "", "m[0]": {}}));
    assert_eq!(
        out.events(),
        vec![json!({"tag": "exit_room", "code": 0, "detail": {"roomID": 1234}})]
    );
    let out = d.pusher(1019);
    assert!(out.is_empty(), "{:?}", out.0);
    // stop() says so too, with the strRoomID; a second stop() is not a second exit.
    let mut d = entered(json!({"strRoomID": "s1"}));
    let out = d.call("stop");
    assert_eq!(
        out.events(),
        vec![json!({"tag": "exit_room", "code": 0, "detail": {"roomID": "s1"}})]
    );
    assert!(d.call("stop").events().is_empty());
    assert!(d.pusher(1019).errors().is_empty());
    // Not in a room: no exit.
    let mut d = trtc(json!({}));
    assert!(d.call("exitRoom").events().is_empty());
    // Legacy mode has no exit_room.
    let mut legacy = Driver::with_props(json!({}));
    legacy.enter();
    assert!(legacy.call("exitRoom").events().is_empty());
}

#[test]
fn an_unasked_1019_is_minus_10() {
    let mut d = entered(json!({}));
    let out = d.pusher(1019);
    assert_eq!(out.errors(), vec![-10]);
}

#[test]
fn user_sig_refused_and_enter_failed_report_the_raw_code_and_leave() {
    for (code, hint) in [(-100018, "userSig"), (-3301, "strRoomID")] {
        let mut d = entered(json!({}));
        cameras(&mut d, &["a"]);
        let out = d.pusher(code);
        assert_eq!(out.errors(), vec![code]);
        assert!(out.error_detail(code).contains(hint));
        assert_eq!(out.pusher_cmds(), ["stop"]);
        assert_eq!(out.data(), json!({"pushURL": "", "m[0]": {}}));
        assert!(!d.room.is_active());
    }
}

#[test]
fn encode_failures_report_the_raw_code_and_keep_the_room() {
    for (code, what) in [(-1303, "video"), (-1304, "audio")] {
        let mut d = entered(json!({}));
        let out = d.pusher(code);
        assert_eq!(out.errors(), vec![code]);
        assert!(out.error_detail(code).contains(what));
        assert!(out.pusher_cmds().is_empty());
        assert!(d.room.is_active());
    }
}

#[test]
fn media_failures_background_and_network_change() {
    for (code, want) in [(-1301, -4), (-1302, -5), (-1307, -6)] {
        let mut d = entered(json!({}));
        let out = d.pusher(code);
        assert_eq!(out.errors(), vec![want]);
        assert_eq!(out.pusher_cmds(), ["stop"]);
    }
    let mut d = entered(json!({}));
    let out = d.pusher(1021);
    assert!(
        out.is_empty(),
        "the trtc pusher enters again by itself: {:?}",
        out.0
    );
    assert!(d.pusher(5001).is_empty());
    cameras(&mut d, &["a"]);
    let out = d.pusher(5000);
    assert!(out.errors().is_empty());
    assert_eq!(out.data(), json!({"pushURL": "", "m[0]": {}}));
    assert!(!d.room.is_active());
    // Entering again starts from an empty room.
    d.call("start");
    d.pusher(1018);
    let out = video(&mut d, "a", "main", true);
    assert!(warnings(&out)[0].contains("never announced"));
}

#[test]
fn start_again_in_a_room_enters_again_with_the_new_props() {
    let mut d = entered(json!({}));
    cameras(&mut d, &["a"]);
    d.send(json!({"props": {"roomID": 99}}));
    let out = d.call("start");
    let url = out.data()["pushURL"].as_str().unwrap().to_string();
    assert!(url.contains("&roomid=99&"), "{url}");
    assert_eq!(out.data()["m[0]"], json!({}));
    assert_eq!(out.pusher_cmds(), ["stop"]);
}

#[test]
fn im_group_is_the_str_room_id() {
    let mut d = trtc(json!({"roomID": 0, "strRoomID": "class-7", "enableIM": true}));
    let out = d.call("start");
    let login = out
        .requests()
        .into_iter()
        .find(|r| r["url"].as_str().unwrap().contains("login"))
        .expect("an IM login request");
    let mut out = d.reply(
        login["id"].as_u64().unwrap(),
        r#"{"ActionStatus":"OK","ErrorCode":0,"TinyId":"1","A2Key":"a2"}"#,
    );
    // The IM login may ask for the profile first; answer what comes until the group call.
    for _ in 0..4 {
        let reqs = out.requests();
        if let Some(group) = reqs.iter().find(|r| r["data"].get("GroupId").is_some()) {
            assert_eq!(group["data"]["GroupId"], "class-7");
            return;
        }
        let next = reqs
            .first()
            .expect("a request on the way to the group call");
        let ok = r#"{"ActionStatus":"OK","ErrorCode":0,"UserProfileItem":[]}"#;
        out = d.reply(next["id"].as_u64().unwrap(), ok);
    }
    panic!("no group request");
}

// ----- properties -----

use proptest::prelude::*;

/// One random happening: (code 1031..=1034, user 0..6, stream aux?, on?).
fn happenings() -> impl Strategy<Value = Vec<(i64, u8, bool, bool)>> {
    prop::collection::vec(
        (1031i64..=1034, 0u8..6, any::<bool>(), any::<bool>()),
        1..40,
    )
}

proptest! {
    #[test]
    fn stream_seating_invariants_hold(template in prop::sample::select(vec!["bigsmall", "float", "grid"]), seq in happenings()) {
        let mut d = entered(json!({"template": template}));
        let capacity = if template == "bigsmall" { 1 } else { 3 };
        // What the protocol says: users in the room, their camera (had a stream), their share.
        let mut inside: Vec<String> = Vec::new();
        let mut camera: Vec<String> = Vec::new();
        let mut share: Vec<String> = Vec::new();
        let mut before: Vec<String> = vec![String::new(); capacity];
        for (code, n, aux, on) in seq {
            let id = format!("user{n}");
            let entry = json!({"userid": id, "streamtype": if aux { "aux" } else { "main" }, "hasvideo": on, "hasaudio": on});
            let shared_before = share.clone();
            users(&mut d, code, json!([entry]));
            let known = inside.contains(&id);
            match code {
                1031 if !known => inside.push(id.clone()),
                1032 => {
                    inside.retain(|u| *u != id);
                    camera.retain(|u| *u != id);
                    share.retain(|u| *u != id);
                }
                1033 if known && aux => {
                    share.retain(|u| *u != id);
                    if on {
                        share.push(id.clone())
                    }
                }
                1033 | 1034 if known && on && !camera.contains(&id) => camera.push(id.clone()),
                _ => {}
            }
            let now = seats(&d);
            let seated: Vec<&String> = now.iter().filter(|id| !id.is_empty()).collect();
            // every seated user is in the room with a stream that wants a seat
            for id in &seated {
                prop_assert!(camera.contains(id) || share.contains(id), "{} seated without a stream", id);
            }
            // as many streams seated as fit
            prop_assert_eq!(seated.len(), (camera.len() + share.len()).min(capacity));
            // a camera (of a user who shares nothing, then or now) never moves, unless a share
            // takes the only seat of bigsmall
            for (slot, id) in before.iter().enumerate() {
                let single = !shared_before.contains(id) && !share.contains(id);
                let big_view_shared = capacity == 1 && !share.is_empty();
                if camera.contains(id) && single && !big_view_shared {
                    prop_assert_eq!(&now[slot], id, "{} moved", id);
                }
            }
            before = now;
        }
    }

    #[test]
    fn arbitrary_user_messages_never_panic(msgs in prop::collection::vec((1031i64..=1034, "[a-z0-9{}\":,\\[\\] ]{0,40}"), 1..20)) {
        let mut d = entered(json!({"template": "bigsmall"}));
        for (code, message) in msgs {
            d.send(json!({"pusher": {"code": code, "message": message}}));
        }
        join(&mut d, &["a"]);
        video(&mut d, "a", "main", true);
        prop_assert_eq!(seats(&d), vec!["a".to_string()]);
    }
}

// ----- hostile inputs (issue 10) -----

#[test]
fn player_minus_2301_leaves_with_the_stream_named_and_a_later_1033_seats_it_again() {
    let mut d = entered(json!({}));
    cameras(&mut d, &["a", "b"]);
    let out = d.player(0, "a", -2301);
    assert_eq!(
        seat_events(&out),
        vec![json!(["member_leave", "a", "main"])]
    );
    assert_eq!(seats(&d), ["", "b", ""]);
    let out = video(&mut d, "a", "main", true);
    assert_eq!(seat_events(&out), vec![json!(["member_join", "a", "main"])]);
    assert_eq!(seats(&d), ["a", "b", ""]);
}

#[test]
fn an_altered_str_room_id_is_refused_never_entered() {
    // A lone surrogate crosses the wasm boundary as U+FFFD.
    let mut d = trtc(json!({"roomID": 0}));
    let out = d.send(json!({"props": {"strRoomID": "a\u{FFFD}"}}));
    assert_eq!(
        warnings(&out),
        ["property strRoomID: it has a lone UTF-16 surrogate or U+FFFD; it is set to ''"]
    );
    assert!(d.call("start").error_detail(-9).contains("roomID"));
    let mut d = trtc(json!({"strRoomID": "\u{FFFD}"}));
    let url = d.call("start").data()["pushURL"].to_string();
    assert!(url.contains("&roomid=1234&"), "{url}");
}
