//! Replays the room-churn traces of `../shared/traces/` through the core and checks the visible
//! behaviour their README states (who is shown after each input, -8 on overflow, -2301 frees the
//! slot, the pusher is removed at stop).

mod support;

use serde_json::{json, Value};
use support::{Driver, SIG_OK};

fn trace(name: &str) -> Value {
    let path = format!(
        "{}/../../shared/traces/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!("{path}: {e} (the traces live in ../shared beside the project)")
    });
    serde_json::from_str(&text).unwrap()
}

/// After one trace event: the users shown, and the error codes raised.
type Step = (Vec<String>, Vec<i64>);

/// Runs a trace; returns what each trace event left shown and raised.
fn replay(trace: &Value) -> (Driver, Vec<Step>) {
    let mut d = Driver::with_props(trace["props"].clone());
    let mut seen = Vec::new();
    for event in trace["events"].as_array().unwrap() {
        let mut outs = Vec::new();
        if let Some(call) = event.get("call") {
            outs.push(d.call(call.as_str().unwrap()));
        } else if let Some(code) = event.get("pusher") {
            outs.push(d.pusher(code.as_i64().unwrap()));
        } else if let Some(list) = event.get("userlist") {
            let ids: Vec<&str> = list
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_str().unwrap())
                .collect();
            outs.push(d.userlist(&ids));
        } else if let Some(user) = event.get("player") {
            let user = user.as_str().unwrap();
            // Only a seated user has a live-player to send events.
            if let Some(slot) = d.seated().iter().position(|id| id == user) {
                outs.push(d.player(slot, user, event["code"].as_i64().unwrap()));
            }
        }
        // What the runtime does next: answer the request, let timers run out.
        let mut i = 0;
        while i < outs.len() {
            let out = outs[i].clone();
            for req in out.requests() {
                outs.push(d.reply(req["id"].as_u64().unwrap(), SIG_OK));
            }
            for (id, _) in out.timers() {
                outs.push(d.timer(id));
            }
            i += 1;
        }
        let errors = outs.iter().flat_map(|o| o.errors()).collect();
        // The README lists who is shown, not where: compare as sorted sets.
        let mut shown: Vec<String> = d.seated().into_iter().filter(|id| !id.is_empty()).collect();
        shown.sort();
        seen.push((shown, errors));
    }
    (d, seen)
}

fn shown_after_lists(trace: &Value, seen: &[Step]) -> Vec<(String, bool)> {
    trace["events"]
        .as_array()
        .unwrap()
        .iter()
        .zip(seen)
        .filter(|(e, _)| e.get("userlist").is_some() || e["code"] == -2301)
        .map(|(_, (shown, errors))| (shown.join(","), errors.contains(&-8)))
        .collect()
}

fn expect(pairs: &[(&str, bool)]) -> Vec<(String, bool)> {
    pairs.iter().map(|(s, e)| (s.to_string(), *e)).collect()
}

#[test]
fn churn_grid_shows_what_the_readme_states() {
    let t = trace("churn-grid");
    let (d, seen) = replay(&t);
    assert_eq!(
        shown_after_lists(&t, &seen),
        expect(&[
            ("a", false),
            ("a,b", false),
            ("a,b,c", false),
            ("b,c", false),
            ("b,c,d", false),
            ("b,c,d", true),
            ("c", false),
            ("", false),
            ("", false)
        ])
    );
    assert_eq!(d.room.push_url(), "", "pusher removed at stop");
    assert!(
        seen.iter().flat_map(|(_, e)| e).all(|&c| c == -8),
        "no other error"
    );
}

#[test]
fn churn_float_seats_like_grid() {
    let t = trace("churn-float");
    let (d, seen) = replay(&t);
    assert_eq!(
        shown_after_lists(&t, &seen),
        expect(&[
            ("a", false),
            ("a,b", false),
            ("a,b,c", false),
            ("b,c", false),
            ("b,c,d", false),
            ("b,c,d", true),
            ("c", false),
            ("", false),
            ("", false)
        ])
    );
    assert_eq!(d.room.push_url(), "");
}

#[test]
fn churn_bigsmall_keeps_one_remote_and_refuses_the_rest() {
    let t = trace("churn-bigsmall");
    let (d, seen) = replay(&t);
    assert_eq!(
        shown_after_lists(&t, &seen),
        expect(&[
            ("a", false),
            ("a", true),
            ("a", true),
            ("b", true),
            ("b", true),
            ("b", true),
            ("c", false),
            ("", false),
            ("", false)
        ])
    );
    assert_eq!(d.room.push_url(), "");
}

#[test]
fn pusher_url_is_set_once_entered() {
    let (mut d, _) =
        replay(&json!({"props": trace("churn-grid")["props"], "events": [{"call": "start"}]}));
    assert!(d.room.push_url().starts_with(
        "room://cloud.tencent.com?sdkappid=1400000000&roomid=1234&userid=u-self&roomsig="
    ));
    assert!(d.call("stop").pusher_cmds() == vec!["stop"]);
}
