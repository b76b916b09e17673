//! The `User-Agent` header, in botocore's `useragent.py` format (`ua/2.1`):
//!
//! `boto-rs/0.1.0 ua/2.1 os/linux md/arch#x86_64 lang/rust#1.85.0 cfg/retry-mode#standard app/my-app`

use crate::env::Env;
use crate::retry::RetryMode;

/// The SDK name and version, the header's first component.
pub const SDK: &str = concat!("boto-rs/", env!("CARGO_PKG_VERSION"));

/// The compiler that built this crate (`unknown` if the build could not tell).
pub const RUSTC_VERSION: &str = env!("BOTO_RUSTC_VERSION");

/// Replaces characters a user agent component cannot hold with `-`
/// (botocore's `sanitize_user_agent_string_component`).
fn sanitize(raw: &str, allow_hash: bool) -> String {
    raw.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric()
                || "!$%&'*+-.^_`|~,".contains(c)
                || (allow_hash && c == '#')
            {
                c
            } else {
                '-'
            }
        })
        .collect()
}

/// botocore's OS names; others are `other`.
fn os_name() -> &'static str {
    match std::env::consts::OS {
        "linux" => "linux",
        "windows" => "windows",
        "macos" => "macos",
        "android" => "android",
        "ios" => "ios",
        "watchos" => "watchos",
        "tvos" => "tvos",
        _ => "other",
    }
}

/// The header for a client in `mode` with app id `app_id`.
pub fn user_agent(mode: RetryMode, app_id: Option<&str>) -> String {
    let mut ua = format!(
        "{SDK} ua/2.1 os/{} md/arch#{} lang/rust#{} cfg/retry-mode#{}",
        os_name(),
        sanitize(std::env::consts::ARCH, false),
        sanitize(RUSTC_VERSION, false),
        mode.as_str(),
    );
    if let Some(app) = app_id.filter(|a| !a.is_empty()) {
        ua.push_str(" app/");
        ua.push_str(&sanitize(app, true));
    }
    ua
}

/// `AWS_SDK_UA_APP_ID`, else the profile's `sdk_ua_app_id`.
pub(crate) fn app_id_setting(env: &Env, profile: &crate::config::Profile) -> Option<String> {
    env.get("AWS_SDK_UA_APP_ID")
        .or_else(|| profile.get("sdk_ua_app_id").map(str::to_owned))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format() {
        let ua = user_agent(RetryMode::Adaptive, Some("my app/1"));
        assert!(ua.starts_with("boto-rs/"), "{ua}");
        assert!(ua.contains(" ua/2.1 os/"), "{ua}");
        assert!(ua.contains(" lang/rust#"), "{ua}");
        assert!(ua.contains(" cfg/retry-mode#adaptive"), "{ua}");
        assert!(ua.ends_with(" app/my-app-1"), "{ua}");
        assert!(!user_agent(RetryMode::Standard, None).contains("app/"));
        assert_ne!(RUSTC_VERSION, "");
    }
}
