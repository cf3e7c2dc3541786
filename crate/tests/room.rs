//! The room's behaviour, case by case, through the same JSON the shim speaks.

mod support;

use serde_json::{json, Value};
use support::{play_url, Driver, SIG_OK};
use webrtc_room_core::{encode_component, Input, Room};

const ROOMSIG_ENC: &str = "%7B%22sig%22%3A%22room-sig%22%7D";

// ----- the room-signature request -----

#[test]
fn start_sends_the_2019_signature_request() {
    let mut d = Driver::with_props(json!({"privateMapKey": "pmk"}));
    let out = d.call("start");
    let reqs = out.requests();
    assert_eq!(reqs.len(), 1);
    let req = &reqs[0];
    assert_eq!(req["method"], "POST");
    assert_eq!(
        req["url"],
        format!(
            "https://official.opensso.tencent-cloud.com/v4/openim/jsonvideoapp?sdkappid=1400000000&identifier=u-self&usersig=sig-self&random={}&contenttype=json",
            d.now as u64
        )
    );
    assert_eq!(
        req["data"],
        json!({"ReqHead": {"Cmd": 1, "SeqNo": 1, "BusType": 7, "GroupId": 1234},
               "ReqBody": {"PrivMapEncrypt": "pmk", "TerminalType": 1, "FromType": 3, "SdkVersion": 26280566}})
    );
    assert!(out.data().is_null(), "nothing to show before the signature");
}

#[test]
fn use_cloud_false_uses_the_legacy_endpoint() {
    let mut d = Driver::with_props(json!({"useCloud": false}));
    let url = d.call("start").requests()[0]["url"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(url.starts_with("https://yun.tim.qq.com/v4/openim/jsonvideoapp?sdkappid=1400000000&"));
}

#[test]
fn api_base_points_the_request_at_another_server() {
    let mut d = Driver::with_props(json!({"apiBase": "http://127.0.0.1:8790/", "useCloud": false}));
    let url = d.call("start").requests()[0]["url"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        url.starts_with("http://127.0.0.1:8790/v4/openim/jsonvideoapp?sdkappid=1400000000&"),
        "{url}"
    );
}

#[test]
fn signature_success_sets_the_push_url() {
    let mut d = Driver::with_props(json!({}));
    let id = d.call("start").requests()[0]["id"].as_u64().unwrap();
    let out = d.reply(id, SIG_OK);
    assert_eq!(
        out.data(),
        json!({"pushURL": format!("room://cloud.tencent.com?sdkappid=1400000000&roomid=1234&userid=u-self&roomsig={ROOMSIG_ENC}")})
    );
    assert!(out.errors().is_empty());
}

#[test]
fn roomsig_keeps_the_reply_body_as_sent() {
    let mut d = Driver::with_props(json!({}));
    let id = d.call("start").requests()[0]["id"].as_u64().unwrap();
    let out = d.reply(
        id,
        r#"{"RspHead":{"ErrorCode":0},"RspBody":{"z":1,"a":"x","m":[1,2]}}"#,
    );
    let url = out.data()["pushURL"].as_str().unwrap().to_string();
    assert!(
        url.ends_with(&format!(
            "roomsig={}",
            encode_component(r#"{"z":1,"a":"x","m":[1,2]}"#)
        )),
        "{url}"
    );
}

#[test]
fn reserved_and_cjk_identifiers_are_percent_encoded_in_both_urls() {
    for (user, enc) in [
        ("a&b=c", "a%26b%3Dc"),
        ("张三", "%E5%BC%A0%E4%B8%89"),
        ("x y+#?/", "x%20y%2B%23%3F%2F"),
    ] {
        let mut d = Driver::with_props(json!({"userID": user, "userSig": "s+ig/=="}));
        let req = d.call("start").requests()[0].clone();
        let url = req["url"].as_str().unwrap();
        assert!(
            url.contains(&format!("&identifier={enc}&usersig=s%2Big%2F%3D%3D&")),
            "{url}"
        );
        let out = d.reply(req["id"].as_u64().unwrap(), SIG_OK);
        let push = out.data()["pushURL"].as_str().unwrap().to_string();
        assert!(push.contains(&format!("&userid={enc}&roomsig=")), "{push}");
    }
}

#[test]
fn bizbuf_when_pure_audio_or_record_id_is_set() {
    let mut d = Driver::with_props(json!({"pureAudioPushMod": 1, "recordId": 9}));
    let id = d.call("start").requests()[0]["id"].as_u64().unwrap();
    let push = d.reply(id, SIG_OK).data()["pushURL"]
        .as_str()
        .unwrap()
        .to_string();
    let bizbuf = encode_component(r#"{"Str_uc_params":{"pure_audio_push_mod":1,"record_id":9}}"#);
    assert!(
        push.ends_with(&format!("&roomsig={ROOMSIG_ENC}&bizbuf={bizbuf}")),
        "{push}"
    );

    let mut d = Driver::with_props(json!({"recordId": null}));
    let id = d.call("start").requests()[0]["id"].as_u64().unwrap();
    let push = d.reply(id, SIG_OK).data()["pushURL"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(!push.contains("bizbuf"));
}

#[test]
fn start_without_credentials_says_which_are_missing() {
    let mut d = Driver::new();
    d.send(json!({"props": {"roomID": 7, "sdkAppID": 1}}));
    let out = d.call("start");
    assert!(out.requests().is_empty());
    let detail = out.error_detail(-9);
    assert!(
        detail.contains("userID") && detail.contains("userSig") && !detail.contains("roomID"),
        "{detail}"
    );
}

fn failing_reply_retries_once_then_gives_up(fail: impl Fn(&mut Driver, u64) -> support::Out) {
    let mut d = Driver::with_props(json!({}));
    let id = d.call("start").requests()[0]["id"].as_u64().unwrap();
    let out = fail(&mut d, id);
    assert!(out.errors().is_empty(), "no error after the first failure");
    let timers = out.timers();
    assert_eq!(timers.len(), 1);
    assert_eq!(timers[0].1, 1000, "retry after 1 s");
    let retry = d.timer(timers[0].0);
    let reqs = retry.requests();
    assert_eq!(reqs.len(), 1, "one retry");
    let second = reqs[0]["id"].as_u64().unwrap();
    assert_ne!(second, id);
    let out = fail(&mut d, second);
    assert_eq!(out.errors(), vec![-9]);
    assert!(
        out.timers().is_empty() && out.requests().is_empty(),
        "no third try"
    );
    assert!(!d.room.is_active());
}

#[test]
fn transport_failure_retries_then_minus_9() {
    failing_reply_retries_once_then_gives_up(|d, id| d.fail(id));
}

#[test]
fn top_level_error_code_retries_then_minus_9() {
    failing_reply_retries_once_then_gives_up(|d, id| {
        d.reply(id, r#"{"ErrorCode":70001,"ErrorInfo":"sig expired"}"#)
    });
}

#[test]
fn rsp_head_error_code_retries_then_minus_9() {
    failing_reply_retries_once_then_gives_up(|d, id| {
        d.reply(id, r#"{"RspHead":{"ErrorCode":-100,"ErrorInfo":"bad"}}"#)
    });
}

#[test]
fn http_error_status_and_non_object_reply_fail() {
    failing_reply_retries_once_then_gives_up(|d, id| {
        d.send(json!({"reply": {"id": id, "status": 502, "data": "Bad Gateway"}}))
    });
    failing_reply_retries_once_then_gives_up(|d, id| {
        d.send(json!({"reply": {"id": id, "status": 200, "data": "<html>"}}))
    });
}

#[test]
fn minus_9_detail_carries_the_server_reason() {
    let mut d = Driver::with_props(json!({}));
    let id = d.call("start").requests()[0]["id"].as_u64().unwrap();
    let t = d
        .reply(id, r#"{"ErrorCode":70001,"ErrorInfo":"sig expired"}"#)
        .timers()[0]
        .0;
    let id = d.timer(t).requests()[0]["id"].as_u64().unwrap();
    let detail = d
        .reply(id, r#"{"ErrorCode":70001,"ErrorInfo":"sig expired"}"#)
        .error_detail(-9);
    assert!(
        detail.contains("70001") && detail.contains("sig expired"),
        "{detail}"
    );
}

#[test]
fn success_after_one_failure_enters() {
    let mut d = Driver::with_props(json!({}));
    let id = d.call("start").requests()[0]["id"].as_u64().unwrap();
    let t = d.fail(id).timers()[0].0;
    let id = d.timer(t).requests()[0]["id"].as_u64().unwrap();
    let out = d.reply(id, SIG_OK);
    assert!(out.data()["pushURL"]
        .as_str()
        .unwrap()
        .starts_with("room://"));
}

// ----- leaving cleanly; late replies and timers -----

#[test]
fn exit_mid_request_aborts_and_late_reply_changes_nothing() {
    let mut d = Driver::with_props(json!({}));
    let id = d.call("start").requests()[0]["id"].as_u64().unwrap();
    let out = d.call("exitRoom");
    assert_eq!(out.op_values("abort"), vec![json!(id)]);
    assert!(d.reply(id, SIG_OK).is_empty());
    assert_eq!(d.room.push_url(), "");
}

#[test]
fn stop_during_retry_wait_clears_the_timer_and_late_timer_is_ignored() {
    let mut d = Driver::with_props(json!({}));
    let id = d.call("start").requests()[0]["id"].as_u64().unwrap();
    let t = d.fail(id).timers()[0].0;
    let out = d.call("stop");
    assert_eq!(out.op_values("clearTimer"), vec![json!(t)]);
    assert!(
        d.timer(t).is_empty(),
        "a timer firing after stop does nothing"
    );
}

#[test]
fn detach_leaves_and_then_ignores_everything() {
    let mut d = Driver::with_props(json!({"template": "grid"}));
    d.enter();
    d.userlist(&["a", "b"]);
    let out = d.send(json!({"detached": true}));
    assert_eq!(out.pusher_cmds(), vec!["stop"]);
    assert_eq!(
        out.player_cmds(),
        vec![(0, "stop".into()), (1, "stop".into())]
    );
    for input in [
        json!({"call": "start"}),
        json!({"pusher": {"code": 1020, "message": "{\"userlist\":[]}"}}),
        json!({"timer": 1}),
        json!({"reply": {"id": 1, "error": "x"}}),
        json!("garbage"),
    ] {
        assert!(d.send(input).is_empty());
    }
}

#[test]
fn detach_mid_request_aborts_it() {
    let mut d = Driver::with_props(json!({}));
    let id = d.call("start").requests()[0]["id"].as_u64().unwrap();
    let out = d.send(json!({"detached": true}));
    assert_eq!(out.op_values("abort"), vec![json!(id)]);
    assert!(d.reply(id, SIG_OK).is_empty());
}

#[test]
fn leaving_stops_pusher_and_players_and_clears_the_view() {
    let mut d = Driver::with_props(json!({}));
    d.enter();
    d.userlist(&["a", "b"]);
    let out = d.call("exitRoom");
    assert_eq!(out.pusher_cmds(), vec!["stop"]);
    assert_eq!(
        out.player_cmds(),
        vec![(0, "stop".into()), (1, "stop".into())]
    );
    assert_eq!(out.data(), json!({"pushURL": "", "m[0]": {}, "m[1]": {}}));
}

#[test]
fn start_while_in_room_enters_again() {
    let mut d = Driver::with_props(json!({}));
    d.enter();
    let out = d.call("start");
    assert_eq!(out.pusher_cmds(), vec!["stop"]);
    assert_eq!(out.requests().len(), 1);
    assert_eq!(out.data(), json!({"pushURL": ""}));
}

// ----- live-pusher codes -----

#[test]
fn pusher_1002_and_1018_are_quiet_except_enter_event() {
    let mut d = Driver::with_props(json!({}));
    d.call("start");
    let id = 1;
    d.reply(id, SIG_OK);
    assert!(d.pusher(1002).data().is_null());
    let out = d.pusher(1018);
    assert!(out.errors().is_empty());
    assert_eq!(out.tagged("enter_room").len(), 1);
}

#[test]
fn pusher_1019_is_minus_10() {
    let mut d = Driver::with_props(json!({}));
    d.enter();
    assert_eq!(d.pusher(1019).errors(), vec![-10]);
}

#[test]
fn pusher_media_failures_report_and_leave() {
    for (code, err) in [(-1301, -4), (-1302, -5), (-1307, -6)] {
        let mut d = Driver::with_props(json!({}));
        d.enter();
        d.userlist(&["a"]);
        let out = d.pusher(code);
        assert_eq!(out.errors(), vec![err], "pusher {code}");
        assert_eq!(out.pusher_cmds(), vec!["stop"]);
        assert_eq!(out.player_cmds(), vec![(0, "stop".into())]);
        assert_eq!(out.data(), json!({"pushURL": "", "m[0]": {}}));
        assert!(!d.room.is_active());
    }
}

#[test]
fn pusher_5000_leaves_without_error() {
    let mut d = Driver::with_props(json!({}));
    d.enter();
    let out = d.pusher(5000);
    assert!(out.errors().is_empty());
    assert_eq!(out.pusher_cmds(), vec!["stop"]);
    assert_eq!(out.data(), json!({"pushURL": ""}));
}

#[test]
fn pusher_1021_leaves_and_enters_again() {
    let mut d = Driver::with_props(json!({}));
    d.enter();
    d.userlist(&["a"]);
    let out = d.pusher(1021);
    assert_eq!(out.pusher_cmds(), vec!["stop"]);
    assert_eq!(out.player_cmds(), vec![(0, "stop".into())]);
    assert_eq!(out.requests().len(), 1, "a fresh signature request");
    assert_eq!(out.data(), json!({"pushURL": "", "m[0]": {}}));
    let id = out.requests()[0]["id"].as_u64().unwrap();
    assert!(d.reply(id, SIG_OK).data()["pushURL"]
        .as_str()
        .unwrap()
        .starts_with("room://"));
}

#[test]
fn binderror_permissions_are_minus_7_with_the_right_message() {
    let mut d = Driver::with_props(json!({}));
    let cam = d
        .send(json!({"pusherError": {"errCode": 10001, "errMsg": "x"}}))
        .error_detail(-7);
    assert!(
        cam.contains("camera") && !cam.contains("microphone"),
        "{cam}"
    );
    let mic = d
        .send(json!({"pusherError": {"errCode": 10002}}))
        .error_detail(-7);
    assert!(mic.contains("microphone"), "{mic}");
    let other = d
        .send(json!({"pusherError": {"errCode": 3, "errMsg": "busy"}}))
        .error_detail(-7);
    assert!(other.contains("busy"), "{other}");
}

// ----- members and layouts -----

#[test]
fn member_list_seats_in_first_free_slot_and_seated_never_move() {
    let mut d = Driver::with_props(json!({"template": "grid"}));
    d.enter();
    let out = d.userlist(&["a"]);
    assert_eq!(
        out.data(),
        json!({"m[0]": {"id": "a", "src": play_url("a")}})
    );
    assert_eq!(out.tagged("member_join")[0]["detail"]["userID"], "a");
    d.userlist(&["a", "b", "c"]);
    assert_eq!(d.seated(), ["a", "b", "c"]);
    let out = d.userlist(&["b", "c"]);
    assert_eq!(out.data(), json!({"m[0]": {}}));
    assert_eq!(out.tagged("member_leave")[0]["detail"]["userID"], "a");
    d.userlist(&["c", "b", "d"]);
    assert_eq!(d.seated(), ["d", "b", "c"]);
}

#[test]
fn own_user_in_the_list_is_not_seated() {
    let mut d = Driver::with_props(json!({"template": "bigsmall"}));
    d.enter();
    d.userlist(&["u-self", "a"]);
    assert_eq!(d.seated(), ["a"]);
}

#[test]
fn overflow_is_minus_8_naming_the_room_size() {
    let mut d = Driver::with_props(json!({"template": "bigsmall"}));
    d.enter();
    d.userlist(&["a"]);
    let out = d.userlist(&["a", "b"]);
    let detail = out.error_detail(-8);
    assert!(
        detail.contains(" 2 people") && detail.contains('b'),
        "{detail}"
    );
    assert!(out.data().is_null(), "a keeps the slot, nothing changes");

    let mut d = Driver::with_props(json!({"template": "float"}));
    d.enter();
    let detail = d.userlist(&["a", "b", "c", "d"]).error_detail(-8);
    assert!(
        detail.contains(" 4 people") && detail.contains('d'),
        "{detail}"
    );
    assert_eq!(d.seated(), ["a", "b", "c"]);
}

#[test]
fn malformed_member_list_is_a_warning_and_changes_nothing() {
    let mut d = Driver::with_props(json!({}));
    d.enter();
    d.userlist(&["a"]);
    for message in [json!("not json"), json!("{\"users\":[]}"), Value::Null] {
        let out = d.send(json!({"pusher": {"code": 1020, "message": message}}));
        assert_eq!(out.tagged("warning").len(), 1, "{message}");
        assert!(out.errors().is_empty());
    }
    assert_eq!(d.seated(), ["a", "", ""]);
    let out = d.send(json!({"pusher": {"code": 1020, "message": "{\"userlist\":[{\"userid\":\"a\",\"playurl\":\"room://cloud.tencent.com?userid=a\"},{\"userid\":\"b\"}]}"}}));
    assert_eq!(
        out.tagged("warning").len(),
        1,
        "entry without playurl skipped"
    );
    assert_eq!(d.seated(), ["a", "", ""]);
}

#[test]
fn member_list_before_entering_is_ignored() {
    let mut d = Driver::with_props(json!({}));
    assert!(d.userlist(&["a"]).is_empty());
    assert_eq!(d.seated(), ["", "", ""]);
}

#[test]
fn player_loading_toggles_and_bigsmall_drops_poster_after_500ms() {
    let mut d = Driver::with_props(json!({"template": "bigsmall"}));
    d.enter();
    d.userlist(&["a"]);
    assert_eq!(d.player(0, "a", 2007).data(), json!({"m[0].loading": true}));
    let out = d.player(0, "a", 2004);
    assert_eq!(out.data(), json!({"m[0].loading": false}));
    let timers = out.timers();
    assert_eq!(timers.len(), 1);
    assert_eq!(timers[0].1, 500);
    assert_eq!(d.timer(timers[0].0).data(), json!({"m[0].live": true}));
    assert!(d.player(0, "a", 2004).timers().is_empty(), "already live");
}

#[test]
fn float_player_has_no_poster_timer() {
    let mut d = Driver::with_props(json!({"template": "float"}));
    d.enter();
    d.userlist(&["a", "b"]);
    assert_eq!(d.player(1, "b", 2007).data(), json!({"m[1].loading": true}));
    let out = d.player(1, "b", 2004);
    assert_eq!(out.data(), json!({"m[1].loading": false}));
    assert!(out.timers().is_empty());
}

#[test]
fn player_events_from_a_replaced_player_are_ignored() {
    let mut d = Driver::with_props(json!({"template": "bigsmall"}));
    d.enter();
    d.userlist(&["a"]);
    d.userlist(&["b"]);
    assert!(d.player(0, "a", 2007).is_empty());
    assert!(d.player(5, "b", 2007).is_empty());
}

#[test]
fn player_minus_2301_empties_that_slot() {
    let mut d = Driver::with_props(json!({"template": "grid"}));
    d.enter();
    d.userlist(&["a", "b"]);
    let out = d.player(1, "b", -2301);
    assert_eq!(out.data(), json!({"m[1]": {}}));
    assert_eq!(out.player_cmds(), vec![(1, "stop".into())]);
    assert_eq!(d.seated(), ["a", "", ""]);
}

#[test]
fn live_timer_of_a_member_who_left_does_nothing() {
    let mut d = Driver::with_props(json!({"template": "bigsmall"}));
    d.enter();
    d.userlist(&["a"]);
    let t = d.player(0, "a", 2004).timers()[0].0;
    let out = d.userlist(&["b"]);
    assert_eq!(out.op_values("clearTimer"), vec![json!(t)]);
    assert!(d.timer(t).is_empty());
}

#[test]
fn template_switch_keeps_the_room_and_reseats_within_capacity() {
    let mut d = Driver::with_props(json!({"template": "float"}));
    d.enter();
    d.userlist(&["a", "b", "c"]);
    d.userlist(&["b", "c"]); // a leaves: slots ["", b, c]
    let out = d.send(json!({"props": {"template": "bigsmall"}}));
    assert_eq!(
        out.data(),
        json!({"m": [{"id": "b", "src": play_url("b")}]})
    );
    let detail = out.error_detail(-8);
    assert!(
        detail.contains("c") && detail.contains(" 2 people"),
        "{detail}"
    );
    assert!(
        out.requests().is_empty() && out.pusher_cmds().is_empty(),
        "the room is kept"
    );
    let out = d.send(json!({"props": {"template": "grid"}}));
    assert_eq!(d.seated(), ["b", "c", ""]);
    assert!(out.errors().is_empty());
    assert_eq!(out.data()["m"].as_array().unwrap().len(), 3);
}

#[test]
fn initial_bigsmall_props_shrink_the_slots_once() {
    let mut d = Driver::new();
    let out = d.send(json!({"props": {"template": "bigsmall", "roomID": 1}}));
    assert_eq!(out.data(), json!({"m": [{}]}));
    assert!(d
        .send(json!({"props": {"template": "bigsmall"}}))
        .is_empty());
}

#[test]
fn unknown_template_warns_and_lays_out_like_float() {
    let mut d = Driver::with_props(json!({"template": "bigsmall"}));
    let out = d.send(json!({"props": {"template": "mosaic"}}));
    assert_eq!(out.tagged("warning").len(), 1);
    assert_eq!(d.seated().len(), 3);
}

// ----- methods -----

#[test]
fn pause_resume_and_switch_camera_reach_pusher_and_players() {
    let mut d = Driver::with_props(json!({}));
    d.enter();
    d.userlist(&["a", "b"]);
    let out = d.call("pause");
    assert_eq!(out.pusher_cmds(), vec!["pause"]);
    assert_eq!(
        out.player_cmds(),
        vec![(0, "pause".into()), (1, "pause".into())]
    );
    let out = d.call("resume");
    assert_eq!(out.pusher_cmds(), vec!["resume"]);
    assert_eq!(out.player_cmds().len(), 2);
    assert_eq!(d.call("switchCamera").pusher_cmds(), vec!["switchCamera"]);
}

#[test]
fn enable_video_and_audio_per_member_and_local() {
    let mut d = Driver::with_props(json!({}));
    d.enter();
    d.userlist(&["a", "b"]);
    let out = d.send(json!({"call": "enableVideo", "args": [false, "b"]}));
    assert_eq!(out.player_cmds(), vec![(1, "stop".into())]);
    assert!(d
        .send(json!({"call": "enableVideo", "args": [false, "b"]}))
        .player_cmds()
        .is_empty());
    assert_eq!(
        d.send(json!({"call": "enableVideo", "args": [true, "b"]}))
            .player_cmds(),
        vec![(1, "play".into())]
    );
    assert_eq!(
        d.send(json!({"call": "enableAudio", "args": [false, "a"]}))
            .data(),
        json!({"m[0].muted": true})
    );
    assert_eq!(
        d.send(json!({"call": "enableAudio", "args": [true, "a"]}))
            .data(),
        json!({"m[0].muted": false})
    );
    assert_eq!(
        d.send(json!({"call": "enableAudio", "args": [false, 0]}))
            .data(),
        json!({"muted": true})
    );
    assert_eq!(
        d.send(json!({"call": "enableVideo", "args": [false]}))
            .data(),
        json!({"enableCamera": false})
    );
    let out = d.send(json!({"call": "enableAudio", "args": [false, "zed"]}));
    assert_eq!(out.tagged("warning").len(), 1);
}

// ----- robustness and secrets -----

#[test]
fn undecodable_inputs_give_a_warning_and_keep_state() {
    let mut d = Driver::with_props(json!({"template": "grid"}));
    d.enter();
    d.userlist(&["a"]);
    for raw in [
        "",
        "nul",
        "[]",
        "42",
        "{}",
        "{\"a\":1,\"b\":2}",
        "{\"call\":\"fly\"}",
        "{\"call\":7}",
        "{\"pusher\":{}}",
        "{\"pusher\":{\"code\":\"x\"}}",
        "{\"player\":{\"slot\":-1,\"user\":\"a\",\"code\":1}}",
        "{\"reply\":{\"id\":99999999999}}",
        "{\"timer\":-3}",
        "{\"props\":{\"roomID\":\"abc\"}}",
        "{\"props\":{\"userID\":{}}}",
        "{\"props\":[]}",
    ] {
        let out = d.send_raw(raw);
        assert_eq!(out.tagged("warning").len(), 1, "input {raw:?}: {:?}", out.0);
        assert!(out.data().is_null());
    }
    assert_eq!(d.seated(), ["a", "", ""]);
    assert!(d.room.push_url().starts_with("room://"));
}

#[test]
fn lenient_property_types_as_the_runtime_coerces_them() {
    let mut d = Driver::new();
    d.send(json!({"props": {"roomID": "1234", "sdkAppID": 1400000000.0, "userID": 42, "userSig": "s", "debug": 1}}));
    let p = d.room.props();
    assert_eq!(
        (p.room_id, p.sdk_app_id, p.user_id.as_str(), p.debug),
        (1234, 1400000000, "42", true)
    );
}

#[test]
fn secrets_stay_out_of_logs_unless_debug() {
    let secret_sig = "SECRET-SIG";
    let secret_key = "SECRET-PMK";
    let run = |debug: bool| {
        let mut d = Driver::with_props(
            json!({"userSig": secret_sig, "privateMapKey": secret_key, "debug": debug}),
        );
        let mut logs = Vec::new();
        let out = d.call("start");
        logs.extend(out.logs());
        let id = out.requests()[0]["id"].as_u64().unwrap();
        logs.extend(d.fail(id).logs());
        let t = 3;
        logs.extend(d.timer(t).logs());
        logs.extend(d.fail(4).logs());
        logs.join("\n")
    };
    let quiet = run(false);
    assert!(!quiet.is_empty(), "errors are still logged");
    assert!(
        !quiet.contains(secret_sig) && !quiet.contains(secret_key),
        "{quiet}"
    );
    assert!(
        run(true).contains(secret_sig),
        "debug shows the request URL"
    );
}

#[test]
fn typed_api_matches_the_wire_form() {
    let mut room = Room::new();
    room.handle_input(0.0, Input::Detached);
    assert!(room.poll_output().is_none());
}
