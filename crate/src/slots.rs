//! Who sits in which remote slot. Pure functions over the slot array, so the invariants (nobody seated
//! twice, seated users never move, capacity never exceeded) are property-tested on their own.

use crate::prelude::*;

/// One stream that wants a seat: an entry of a 1020 member list, or a trtc user's stream.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Listed {
    pub id: String,
    pub src: String,
    /// A user's second stream (screen share); a user may be seated twice, once per stream.
    pub aux: bool,
    /// The stream has no picture now (the poster shows); taken over by a seated member.
    pub novideo: bool,
}

/// A seated remote member and what its player shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Member {
    pub id: String,
    pub src: String,
    /// 2007 seen, 2004 not yet.
    pub loading: bool,
    /// Played for a moment after 2004 (bigsmall drops its poster then).
    pub live: bool,
    /// `enableAudio(false, id)`.
    pub muted: bool,
    pub aux: bool,
    pub novideo: bool,
    /// What `enableVideo` last asked for. Players always start playing (2019's layouts set
    /// `autoplay` on every live-player whatever the property said), so this starts true.
    pub video: bool,
}

impl Member {
    pub fn new(listed: &Listed) -> Member {
        Member {
            id: listed.id.clone(),
            src: listed.src.clone(),
            loading: false,
            live: false,
            muted: false,
            aux: listed.aux,
            novideo: listed.novideo,
            video: true,
        }
    }

    pub fn is(&self, listed: &Listed) -> bool {
        self.id == listed.id && self.aux == listed.aux
    }
}

/// What one re-seating did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Seating {
    /// `(slot, userID, aux)` newly seated.
    pub joined: Vec<(usize, String, bool)>,
    /// `(slot, userID, aux)` no longer listed, slot freed.
    pub left: Vec<(usize, String, bool)>,
    /// Listed users for whom no slot was free.
    pub refused: Vec<String>,
}

/// Drops duplicate and empty ids and the local user, keeping the first entry of each user.
pub fn clean_list(mut list: Vec<Listed>, self_id: &str) -> Vec<Listed> {
    let mut clean: Vec<Listed> = Vec::with_capacity(list.len());
    // By reference, taking each kept entry: no IntoIter instance for the list.
    for entry in list.iter_mut() {
        if entry.id.is_empty() || entry.id == self_id || clean.iter().any(|e| e.id == entry.id) {
            continue;
        }
        clean.push(core::mem::take(entry));
    }
    clean
}

/// Applies a member list: frees the slots of users no longer listed, then seats listed users who
/// have no slot in the first free one, in list order. Seated users keep their slot (a changed play
/// URL is taken over in place).
pub fn reseat(slots: &mut [Option<Member>], roster: &[Listed]) -> Seating {
    let mut seating = Seating::default();
    for (index, slot) in slots.iter_mut().enumerate() {
        let Some(member) = slot else { continue };
        match roster.iter().find(|listed| member.is(listed)) {
            None => {
                seating.left.push((index, member.id.clone(), member.aux));
                *slot = None;
            }
            Some(listed) if listed.src != member.src => {
                *member = Member::new(listed);
            }
            Some(listed) => member.novideo = listed.novideo,
        }
    }
    for listed in roster {
        if slots.iter().flatten().any(|member| member.is(listed)) {
            continue;
        }
        match slots.iter().position(Option::is_none) {
            Some(index) => {
                slots[index] = Some(Member::new(listed));
                seating.joined.push((index, listed.id.clone(), listed.aux));
            }
            None => seating.refused.push(listed.id.clone()),
        }
    }
    seating
}

/// A one-slot layout (bigsmall) shows a screen share rather than a camera: when a listed share has
/// no seat, the camera seated there gives its seat up (and waits). Returns whom it freed.
pub fn yield_to_share(slots: &mut [Option<Member>], roster: &[Listed]) -> Option<Member> {
    let share = roster.iter().find(|l| l.aux)?;
    match slots {
        [slot @ Some(_)] if slot.as_ref().is_some_and(|m| !m.aux && !m.is(share)) => slot.take(),
        _ => None,
    }
}

/// Lays the seated members out for a new capacity, keeping their order; returns the members that
/// no longer fit. Players are re-created by the new layout, so their play state starts afresh.
pub fn resize(slots: &mut Vec<Option<Member>>, capacity: usize) -> Vec<Member> {
    // Plain loops: drain/flatten/collect, split_off and Vec::resize each add generic code.
    let mut dropped = Vec::new();
    // By reference, taking each member: no IntoIter instance for the old slots.
    for slot in core::mem::take(slots).iter_mut() {
        let Some(mut member) = slot.take() else {
            continue;
        };
        member.loading = false;
        member.live = false;
        if slots.len() < capacity {
            slots.push(Some(member));
        } else {
            dropped.push(member);
        }
    }
    fill(slots, capacity);
    dropped
}

/// `capacity` empty slots.
pub fn empty(capacity: usize) -> Vec<Option<Member>> {
    let mut slots = Vec::new();
    fill(&mut slots, capacity);
    slots
}

fn fill(slots: &mut Vec<Option<Member>>, capacity: usize) {
    while slots.len() < capacity {
        slots.push(None);
    }
}

/// The slot `user` sits in.
pub fn find(slots: &[Option<Member>], user: &str) -> Option<usize> {
    slots
        .iter()
        .position(|slot| slot.as_ref().is_some_and(|member| member.id == user))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(ids: &[&str]) -> Vec<Listed> {
        ids.iter()
            .map(|id| Listed {
                id: id.to_string(),
                src: format!("room://x?userid={id}"),
                ..Listed::default()
            })
            .collect()
    }

    fn ids(slots: &[Option<Member>]) -> Vec<&str> {
        slots
            .iter()
            .map(|s| s.as_ref().map_or("", |m| m.id.as_str()))
            .collect()
    }

    #[test]
    fn newcomers_take_first_free_slot_and_seated_stay() {
        let mut slots = vec![None, None, None];
        reseat(&mut slots, &list(&["a", "b", "c"]));
        assert_eq!(ids(&slots), ["a", "b", "c"]);
        let s = reseat(&mut slots, &list(&["b", "c"]));
        assert_eq!(ids(&slots), ["", "b", "c"]);
        assert_eq!(s.left, vec![(0, "a".to_string(), false)]);
        let s = reseat(&mut slots, &list(&["b", "c", "d", "e"]));
        assert_eq!(ids(&slots), ["d", "b", "c"]);
        assert_eq!(s.joined, vec![(0, "d".to_string(), false)]);
        assert_eq!(s.refused, vec!["e".to_string()]);
    }

    #[test]
    fn leavers_are_freed_before_newcomers_are_seated() {
        let mut slots = vec![None];
        reseat(&mut slots, &list(&["a"]));
        let s = reseat(&mut slots, &list(&["b", "c"]));
        assert_eq!(ids(&slots), ["b"]);
        assert_eq!(s.refused, vec!["c".to_string()]);
    }

    #[test]
    fn changed_play_url_is_taken_over_in_place() {
        let mut slots = vec![None, None];
        reseat(&mut slots, &list(&["a"]));
        slots[0].as_mut().unwrap().loading = true;
        let moved = vec![Listed {
            id: "a".into(),
            src: "room://y".into(),
            ..Listed::default()
        }];
        let s = reseat(&mut slots, &moved);
        assert_eq!(s, Seating::default());
        let member = slots[0].as_ref().unwrap();
        assert_eq!(member.src, "room://y");
        assert!(!member.loading);
    }

    #[test]
    fn clean_list_drops_self_duplicates_and_empty_ids() {
        let mut raw = list(&["a", "me", "", "a", "b"]);
        raw[3].src = "other".into();
        let clean = clean_list(raw, "me");
        assert_eq!(
            clean.iter().map(|l| l.id.as_str()).collect::<Vec<_>>(),
            ["a", "b"]
        );
        assert_eq!(clean[0].src, "room://x?userid=a");
    }

    #[test]
    fn resize_keeps_order_and_returns_overflow() {
        let mut slots = vec![None, None, None];
        reseat(&mut slots, &list(&["a", "b", "c"]));
        slots[0] = None;
        let dropped = resize(&mut slots, 1);
        assert_eq!(ids(&slots), ["b"]);
        assert_eq!(dropped.len(), 1);
        assert_eq!(dropped[0].id, "c");
        let dropped = resize(&mut slots, 3);
        assert!(dropped.is_empty());
        assert_eq!(ids(&slots), ["b", "", ""]);
    }
}
