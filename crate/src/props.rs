//! The component properties the core needs (the view reads the others straight from the properties).

use crate::json::Json;
use crate::prelude::*;

/// The three 2019 layouts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Template {
    /// One remote stream full view, the local camera in a small window: rooms of 2.
    BigSmall,
    /// Local camera full view, remote streams in a column at the right: rooms of 4.
    Float,
    /// 2 × 2 tiles: rooms of 4.
    Grid,
}

impl Template {
    /// Remote member slots of the layout.
    pub fn capacity(self) -> usize {
        match self {
            Template::BigSmall => 1,
            Template::Float | Template::Grid => 3,
        }
    }

    pub fn parse(name: &str) -> Option<Template> {
        match name {
            "bigsmall" => Some(Template::BigSmall),
            "float" => Some(Template::Float),
            "grid" => Some(Template::Grid),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Template::BigSmall => "bigsmall",
            Template::Float => "float",
            Template::Grid => "grid",
        }
    }
}

/// Which room protocol `start()` speaks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Protocol {
    /// The 2019 flow: a room-signature request, then member lists in pusher code 1020.
    #[default]
    Legacy,
    /// Today's TRTC: the userSig goes in the pusher URL; users and streams come in 1031-1034.
    Trtc,
}

/// Current property values, with the 2019 defaults.
#[derive(Clone, Debug, PartialEq)]
pub struct Props {
    pub room_id: u64,
    pub user_id: String,
    pub user_name: String,
    pub user_sig: String,
    pub sdk_app_id: u64,
    pub private_map_key: String,
    pub template: Template,
    pub debug: bool,
    pub enable_im: bool,
    pub use_cloud: bool,
    pub pure_audio_push_mod: u64,
    pub record_id: Option<u64>,
    /// Base URL that replaces Tencent's hosts (a local emulator, a proxy); empty: Tencent's.
    pub api_base: String,
    /// `minBitrate`, `maxBitrate` (kbps): the core keeps minBitrate ≤ maxBitrate.
    pub min_bitrate: u32,
    pub max_bitrate: u32,
    pub protocol: Protocol,
    /// trtc: a string room id, used instead of `room_id` when set.
    pub str_room_id: String,
    /// trtc: `appscene`, `videocall` or `live`.
    pub scene: String,
}

/// The property ranges the core enforces (README, "Properties").
pub mod range {
    pub const ROOM_ID: (i64, i64) = (1, 4_294_967_294);
    pub const SDK_APP_ID: (i64, i64) = (1, 4_294_967_295);
    pub const PURE_AUDIO_PUSH_MOD: (i64, i64) = (0, 2);
    pub const RECORD_ID: (i64, i64) = (0, 4_294_967_295);
    /// `beauty` and `whiteness`.
    pub const BEAUTY: (i64, i64) = (0, 9);
    pub const BITRATE: (i64, i64) = (1, 100_000);
}

impl Default for Props {
    fn default() -> Self {
        Props {
            room_id: 0,
            user_id: String::new(),
            user_name: String::new(),
            user_sig: String::new(),
            sdk_app_id: 0,
            private_map_key: String::new(),
            template: Template::Float,
            debug: false,
            enable_im: false,
            use_cloud: true,
            pure_audio_push_mod: 0,
            record_id: None,
            api_base: String::new(),
            min_bitrate: 200,
            max_bitrate: 400,
            protocol: Protocol::Legacy,
            str_room_id: String::new(),
            scene: String::new(),
        }
    }
}

/// Properties that changed; `None` means unchanged. `record_id: Some(None)` sets it back to null.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PropsPatch {
    pub room_id: Option<u64>,
    pub user_id: Option<String>,
    pub user_name: Option<String>,
    pub user_sig: Option<String>,
    pub sdk_app_id: Option<u64>,
    pub private_map_key: Option<String>,
    /// The raw name, so an unknown layout can be reported by name.
    pub template: Option<String>,
    pub debug: Option<bool>,
    pub enable_im: Option<bool>,
    pub use_cloud: Option<bool>,
    pub pure_audio_push_mod: Option<u64>,
    pub record_id: Option<Option<u64>>,
    pub api_base: Option<String>,
    pub min_bitrate: Option<u32>,
    pub max_bitrate: Option<u32>,
    /// Values refused or adjusted while decoding, each saying what was done instead: the room
    /// reports them as warnings and takes the rest of the patch.
    pub warnings: Vec<String>,
    /// Property values the view must show instead of what the page set (a clamped `beauty`, the
    /// default `aspect`): written back into the component's properties with the input's setData.
    pub fixed: Vec<(String, Json)>,
    /// The raw name, so an unknown protocol can be reported by name.
    pub protocol: Option<String>,
    pub str_room_id: Option<String>,
    pub scene: Option<String>,
}
