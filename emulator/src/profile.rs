//! User profiles, as `v4/profile/portrait_set` and `v4/profile/portrait_get` keep and read them.
//!
//! An account exists once it has logged in; its profile then lives as long as the emulator (a
//! real account's profile outlives its sessions too). Nick and portrait are what matters to a
//! room: the 2019 SDK reads both right after login (its `identifierNick` / `headurl`), and the
//! sender's nick travels on every group message as `GroupInfo.From_AccountNick`.
//!
//! Tags are Tencent's: the standard `Tag_Profile_IM_*` fields with their JSON types, and custom
//! `Tag_Profile_Custom_*` fields (strings or unsigned integers). Values are bounded as Tencent
//! bounds them (500 bytes); a tag that was never set reads as its type's empty value.

use crate::codes;
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap};

pub const NICK: &str = "Tag_Profile_IM_Nick";
pub const IMAGE: &str = "Tag_Profile_IM_Image";
/// Longest value of one tag, bytes.
const MAX_VALUE_BYTES: usize = 500;
/// Most accounts one `portrait_get` may ask for.
const MAX_ACCOUNTS: usize = 100;
/// Most custom tags one profile keeps (the standard ones are a fixed dozen).
const MAX_CUSTOM_TAGS: usize = 20;
const CUSTOM_PREFIX: &str = "Tag_Profile_Custom_";

/// The standard tags and whether their value is a string (else an unsigned integer).
const STANDARD: [(&str, bool); 12] = [
    (NICK, true),
    ("Tag_Profile_IM_Gender", true),
    ("Tag_Profile_IM_BirthDay", false),
    ("Tag_Profile_IM_Location", true),
    ("Tag_Profile_IM_SelfSignature", true),
    ("Tag_Profile_IM_AllowType", true),
    ("Tag_Profile_IM_Language", false),
    (IMAGE, true),
    ("Tag_Profile_IM_MsgSettings", false),
    ("Tag_Profile_IM_AdminForbidType", true),
    ("Tag_Profile_IM_Level", false),
    ("Tag_Profile_IM_Role", false),
];

/// What a tag name is.
enum Kind {
    Standard { text: bool },
    Custom,
}

fn kind_of(tag: &str) -> Option<Kind> {
    if let Some((_, text)) = STANDARD.iter().find(|(name, _)| *name == tag) {
        return Some(Kind::Standard { text: *text });
    }
    let key = tag.strip_prefix(CUSTOM_PREFIX)?;
    let ok = !key.is_empty()
        && key.len() <= 16
        && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    ok.then_some(Kind::Custom)
}

/// A refusal: code and why.
pub type Refusal = (i64, String);

#[derive(Default)]
pub(crate) struct Profiles {
    /// Account → tag → value. An entry exists for every account that has logged in.
    by_account: HashMap<String, BTreeMap<String, Value>>,
}

impl Profiles {
    /// The account exists from its first login on.
    pub(crate) fn register(&mut self, account: &str) {
        self.by_account.entry(account.to_string()).or_default();
    }

    /// The account's nick, `""` when it has none.
    pub(crate) fn nick(&self, account: &str) -> &str {
        self.by_account
            .get(account)
            .and_then(|p| p.get(NICK))
            .and_then(Value::as_str)
            .unwrap_or("")
    }

    /// `portrait_set`'s `ProfileItem: [{Tag, Value}]` applied to `account`: all or nothing.
    pub(crate) fn set(&mut self, account: &str, items: Option<&Value>) -> Result<(), Refusal> {
        let items = items
            .and_then(Value::as_array)
            .filter(|a| !a.is_empty())
            .ok_or((
                codes::PROFILE_BAD_REQUEST,
                "ProfileItem must be a non-empty array of {Tag, Value}".to_string(),
            ))?;
        let mut checked = Vec::with_capacity(items.len());
        for item in items {
            let tag = item.get("Tag").and_then(Value::as_str).ok_or((
                codes::PROFILE_BAD_REQUEST,
                "each ProfileItem needs a string Tag".to_string(),
            ))?;
            let kind = kind_of(tag).ok_or((
                codes::PROFILE_NO_SUCH_TAG,
                format!("{tag:?} is neither a standard Tag_Profile_IM_* tag nor a Tag_Profile_Custom_* tag"),
            ))?;
            let value = item.get("Value").ok_or((
                codes::PROFILE_BAD_REQUEST,
                format!("{tag}: Value is missing"),
            ))?;
            let type_ok = match (&kind, value) {
                (Kind::Standard { text: true }, Value::String(_)) => true,
                (Kind::Standard { text: false }, Value::Number(n)) => n.is_u64(),
                (Kind::Custom, Value::String(_)) => true,
                (Kind::Custom, Value::Number(n)) => n.is_u64(),
                _ => false,
            };
            if !type_ok {
                let want = match kind {
                    Kind::Standard { text: true } => "a string",
                    Kind::Standard { text: false } => "an unsigned integer",
                    Kind::Custom => "a string or an unsigned integer",
                };
                return Err((
                    codes::PROFILE_VALUE_TYPE,
                    format!("{tag}: Value must be {want}"),
                ));
            }
            if value.as_str().is_some_and(|s| s.len() > MAX_VALUE_BYTES) {
                return Err((
                    codes::PROFILE_VALUE_TOO_LONG,
                    format!("{tag}: Value is longer than {MAX_VALUE_BYTES} bytes"),
                ));
            }
            checked.push((tag.to_string(), value.clone()));
        }
        let profile = self.by_account.entry(account.to_string()).or_default();
        let custom_after = {
            let mut names: Vec<&str> = profile
                .keys()
                .map(String::as_str)
                .chain(checked.iter().map(|(t, _)| t.as_str()))
                .filter(|t| t.starts_with(CUSTOM_PREFIX))
                .collect();
            names.sort_unstable();
            names.dedup();
            names.len()
        };
        if custom_after > MAX_CUSTOM_TAGS {
            return Err((
                codes::PROFILE_BAD_REQUEST,
                format!("a profile keeps at most {MAX_CUSTOM_TAGS} custom tags"),
            ));
        }
        profile.extend(checked);
        Ok(())
    }

    /// `portrait_get` for `To_Account` and `TagList`: the reply's fields (`UserProfileItem`,
    /// `Fail_Account`). Accounts that never logged in are failures (40003), as with Tencent.
    pub(crate) fn get(
        &self,
        accounts: Option<&Value>,
        tags: Option<&Value>,
    ) -> Result<Value, Refusal> {
        let accounts: Vec<&str> = accounts
            .and_then(Value::as_array)
            .filter(|a| !a.is_empty() && a.len() <= MAX_ACCOUNTS)
            .and_then(|a| a.iter().map(Value::as_str).collect())
            .ok_or((
                codes::PROFILE_BAD_REQUEST,
                format!("To_Account must be an array of 1 to {MAX_ACCOUNTS} account strings"),
            ))?;
        let tags: Vec<&str> = tags
            .and_then(Value::as_array)
            .filter(|a| !a.is_empty())
            .and_then(|a| a.iter().map(Value::as_str).collect())
            .ok_or((
                codes::PROFILE_BAD_REQUEST,
                "TagList must be a non-empty array of tag strings".to_string(),
            ))?;
        let mut kinds = Vec::with_capacity(tags.len());
        for tag in &tags {
            let kind = kind_of(tag).ok_or((
                codes::PROFILE_NO_SUCH_TAG,
                format!("{tag:?} is neither a standard Tag_Profile_IM_* tag nor a Tag_Profile_Custom_* tag"),
            ))?;
            kinds.push(kind);
        }
        let mut items = Vec::with_capacity(accounts.len());
        let mut failed = Vec::new();
        for account in accounts {
            let Some(profile) = self.by_account.get(account) else {
                failed.push(account);
                items.push(json!({
                    "To_Account": account,
                    "ProfileItem": [],
                    "ResultCode": codes::PROFILE_NO_ACCOUNT,
                    "ResultInfo": "this account has never logged in to the emulator",
                }));
                continue;
            };
            let values: Vec<Value> = tags
                .iter()
                .zip(&kinds)
                .map(|(tag, kind)| {
                    let value = profile.get(*tag).cloned().unwrap_or(match kind {
                        Kind::Standard { text: false } => json!(0),
                        _ => json!(""),
                    });
                    json!({"Tag": tag, "Value": value})
                })
                .collect();
            items.push(json!({
                "To_Account": account,
                "ProfileItem": values,
                "ResultCode": 0,
                "ResultInfo": "",
            }));
        }
        Ok(json!({"UserProfileItem": items, "Fail_Account": failed}))
    }
}
