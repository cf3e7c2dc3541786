//! What the component's view shows, and the smallest setData patch from one view to the next.
//! The room mutates its state freely during an input; at the end the view is derived from it and
//! diffed against what was last sent, so each input costs at most one setData carrying only
//! the paths that changed.

use crate::json::Json;
use crate::prelude::*;

use crate::slots::Member;

/// The data keys the core owns (see `docs/core-protocol.md`). Short on purpose: setData payloads
/// are serialised and copied to the render thread on every call.
pub const PUSH_URL: &str = "pushURL";
pub const MEMBERS: &str = "m";

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct View {
    pub push_url: String,
    pub slots: Vec<Option<Member>>,
}

impl View {
    /// What the shim's initial data holds: the default `float` layout, nobody in it.
    pub fn initial() -> View {
        View {
            push_url: String::new(),
            slots: crate::slots::empty(3),
        }
    }
}

fn member_json(member: &Option<Member>) -> Json {
    let mut fields = Vec::new();
    if let Some(m) = member {
        fields.push(("id".into(), m.id.as_str().into()));
        fields.push(("src".into(), m.src.as_str().into()));
        for (key, on) in [
            ("loading", m.loading),
            ("live", m.live),
            ("muted", m.muted),
            ("novideo", m.novideo),
        ] {
            if on {
                fields.push((key.into(), true.into()));
            }
        }
    }
    Json::Obj(fields)
}

/// Appends to `patch` the path keys that turn `old` into `new`.
pub fn diff(old: &View, new: &View, patch: &mut Vec<(String, Json)>) {
    if old.push_url != new.push_url {
        patch.push((PUSH_URL.into(), new.push_url.as_str().into()));
    }
    if old.slots.len() != new.slots.len() {
        // A push loop: a mapped collect is one more generic loop.
        let mut all = Vec::new();
        for slot in &new.slots {
            all.push(member_json(slot));
        }
        patch.push((MEMBERS.into(), Json::Arr(all)));
        return;
    }
    for (index, (before, after)) in old.slots.iter().zip(&new.slots).enumerate() {
        match (before, after) {
            (Some(b), Some(a)) if b.id == a.id && b.src == a.src => {
                for (key, was, is) in [
                    ("loading", b.loading, a.loading),
                    ("live", b.live, a.live),
                    ("muted", b.muted, a.muted),
                    ("novideo", b.novideo, a.novideo),
                ] {
                    if was != is {
                        patch.push((cat!(MEMBERS, "[", index, "].", key), is.into()));
                    }
                }
            }
            (None, None) => {}
            _ => patch.push((cat!(MEMBERS, "[", index, "]"), member_json(after))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn show(patch: &[(String, Json)]) -> String {
        let items = patch
            .iter()
            .map(|(k, v)| Json::Arr(vec![k.as_str().into(), v.clone()]))
            .collect();
        Json::Arr(items).to_string()
    }

    fn member(id: &str) -> Member {
        Member {
            id: id.into(),
            src: format!("room://{id}"),
            loading: false,
            live: false,
            muted: false,
            aux: false,
            novideo: false,
            video: true,
        }
    }

    #[test]
    fn unchanged_view_gives_empty_patch() {
        let mut patch = Vec::new();
        diff(&View::initial(), &View::initial(), &mut patch);
        assert!(patch.is_empty());
    }

    #[test]
    fn flags_change_by_path_and_members_whole() {
        let old = View {
            push_url: String::new(),
            slots: vec![Some(member("a")), None, None],
        };
        let mut new = old.clone();
        new.slots[0].as_mut().unwrap().loading = true;
        new.slots[2] = Some(member("c"));
        new.slots[2].as_mut().unwrap().muted = true;
        let mut patch = Vec::new();
        diff(&old, &new, &mut patch);
        assert_eq!(
            show(&patch),
            r#"[["m[0].loading",true],["m[2]",{"id":"c","src":"room://c","muted":true}]]"#
        );
    }

    #[test]
    fn capacity_change_sends_whole_array() {
        let old = View::initial();
        let new = View {
            push_url: "room://x".into(),
            slots: vec![None],
        };
        let mut patch = Vec::new();
        diff(&old, &new, &mut patch);
        assert_eq!(show(&patch), r#"[["pushURL","room://x"],["m",[{}]]]"#);
    }
}
