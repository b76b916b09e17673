//! The shared AWS config and credentials files (`~/.aws/config`,
//! `~/.aws/credentials`), read the way botocore reads them.
//!
//! Both are INI files. In the config file a profile is `[profile name]` (or
//! `[default]`); in the credentials file section names are profile names as
//! written. For one profile, credentials-file keys win over config-file keys.
//! An indented block under `key =` is a nested section (`s3 =\n  addressing_style = path`).

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use crate::env::Env;
use crate::error::ConfigError;

/// One profile's settings (keys lower-cased, values trimmed).
#[derive(Clone, Default, PartialEq)]
pub struct Profile {
    values: BTreeMap<String, String>,
    nested: BTreeMap<String, BTreeMap<String, String>>,
}

impl Profile {
    /// The value of top-level `key` (lower-case); an empty value counts as unset.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.values
            .get(key)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    /// A key of a nested section (`s3` → `addressing_style`).
    pub fn nested(&self, section: &str, key: &str) -> Option<&str> {
        self.nested
            .get(section)
            .and_then(|s| s.get(key))
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    /// Top-level settings, in key order.
    pub fn entries(&self) -> impl Iterator<Item = (&str, &str)> {
        self.values.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// Sets top-level `key` (lower-case) to `value`.
    pub fn set(&mut self, key: &str, value: &str) {
        self.nested.remove(key);
        self.values.insert(key.to_owned(), value.to_owned());
    }

    /// Keys of `other` replace ours (nested sections merge key by key).
    fn merge(&mut self, other: &Profile) {
        for (k, v) in &other.values {
            self.nested.remove(k);
            self.values.insert(k.clone(), v.clone());
        }
        for (k, section) in &other.nested {
            self.values.remove(k);
            self.nested
                .entry(k.clone())
                .or_default()
                .extend(section.iter().map(|(a, b)| (a.clone(), b.clone())));
        }
    }
}

impl fmt::Debug for Profile {
    // Profiles hold secret keys: show which keys are set, never values.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Profile")
            .field("keys", &self.values.keys().collect::<Vec<_>>())
            .field("nested", &self.nested.keys().collect::<Vec<_>>())
            .finish()
    }
}

/// A parsed INI file: sections in file order, each a [`Profile`]-like map.
#[derive(Debug, Default, Clone)]
pub struct IniFile {
    /// `(header, settings)` per section, in file order; a repeated header appears again.
    pub sections: Vec<(String, Profile)>,
}

impl IniFile {
    /// Parses INI text as Python's `configparser` does in botocore's use:
    /// `=` or `:` separators, full-line `#`/`;` comments, indented
    /// continuation lines, keys lower-cased.
    pub fn parse(text: &str, path: &Path) -> Result<IniFile, ConfigError> {
        let err = |line: usize, message: String| ConfigError::Parse {
            path: path.to_owned(),
            line,
            message,
        };
        // Sections in order, each with (key, raw value, line); nested values resolved at the end.
        type Entries = Vec<(String, String, usize)>;
        let mut raw: Vec<(String, Entries)> = Vec::new();
        // Whether an indented line continues the previous key's value.
        let mut in_key = false;
        for (i, line) in text.lines().enumerate() {
            let lineno = i + 1;
            let trimmed = line.trim();
            if trimmed.is_empty() || trimmed.starts_with('#') || trimmed.starts_with(';') {
                continue;
            }
            let indented = line.starts_with([' ', '\t']);
            if indented {
                if let (true, Some((_, entries))) = (in_key, raw.last_mut()) {
                    if let Some(entry) = entries.last_mut() {
                        entry.1.push('\n');
                        entry.1.push_str(trimmed);
                        continue;
                    }
                }
            }
            if let Some(rest) = trimmed.strip_prefix('[') {
                let Some(end) = rest.rfind(']') else {
                    return Err(err(
                        lineno,
                        format!("section header `{trimmed}` has no `]`"),
                    ));
                };
                raw.push((rest[..end].trim().to_owned(), Vec::new()));
                in_key = false;
                continue;
            }
            let Some(split) = trimmed.find(['=', ':']) else {
                return Err(err(
                    lineno,
                    format!("expected `key = value`, found `{trimmed}`"),
                ));
            };
            let key = trimmed[..split].trim().to_lowercase();
            let value = trimmed[split + 1..].trim().to_owned();
            let Some((_, entries)) = raw.last_mut() else {
                return Err(err(
                    lineno,
                    format!("`{key}` is outside any section; add a `[default]` or `[profile name]` header above it"),
                ));
            };
            entries.push((key, value, lineno));
            in_key = true;
        }

        let mut sections = Vec::with_capacity(raw.len());
        for (name, entries) in raw {
            let mut profile = Profile::default();
            for (key, value, lineno) in entries {
                if let Some(block) = value.strip_prefix('\n') {
                    let mut nested = BTreeMap::new();
                    for sub in block.lines() {
                        let Some((k, v)) = sub.split_once('=') else {
                            return Err(err(
                                lineno,
                                format!("nested setting under `{key}` must be `key = value`, found `{sub}`"),
                            ));
                        };
                        nested.insert(k.trim().to_lowercase(), v.trim().to_owned());
                    }
                    profile.values.remove(&key);
                    profile.nested.insert(key, nested);
                } else {
                    profile.nested.remove(&key);
                    profile.values.insert(key, value);
                }
            }
            sections.push((name, profile));
        }
        Ok(IniFile { sections })
    }

    /// Reads and parses a file; a missing file is an empty one.
    pub fn load(path: &Path) -> Result<IniFile, ConfigError> {
        match std::fs::read(path) {
            Ok(bytes) => {
                let text = String::from_utf8(bytes).map_err(|e| ConfigError::Parse {
                    path: path.to_owned(),
                    line: 0,
                    message: format!("not UTF-8: {e}"),
                })?;
                IniFile::parse(&text, path)
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(IniFile::default()),
            Err(source) => Err(ConfigError::Io {
                path: path.to_owned(),
                source: source.into(),
            }),
        }
    }
}

/// `[profile "my name"]` → `my name`: splits a section header shell-style and
/// keeps it only when it is exactly `<kind> <name>`.
fn section_name(header: &str, kind: &str) -> Option<String> {
    let parts = shell_split(header)?;
    match parts.as_slice() {
        [k, name] if k == kind => Some(name.clone()),
        _ => None,
    }
}

fn shell_split(s: &str) -> Option<Vec<String>> {
    let mut parts = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut quote: Option<char> = None;
    for c in s.chars() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => cur.push(c),
            None if c == '"' || c == '\'' => {
                quote = Some(c);
                in_word = true;
            }
            None if c.is_whitespace() => {
                if in_word {
                    parts.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            None => {
                cur.push(c);
                in_word = true;
            }
        }
    }
    if quote.is_some() {
        return None;
    }
    if in_word {
        parts.push(cur);
    }
    Some(parts)
}

/// Both shared files, split into profiles and `[services x]` sections.
#[derive(Debug, Clone, Default)]
pub struct SharedConfig {
    /// The shared config file's path (`~/.aws/config`), loaded or not.
    pub config_file: PathBuf,
    /// The shared credentials file's path (`~/.aws/credentials`), loaded or not.
    pub credentials_file: PathBuf,
    config_profiles: BTreeMap<String, Profile>,
    credentials_profiles: BTreeMap<String, Profile>,
    services: BTreeMap<String, Profile>,
    sso_sessions: BTreeMap<String, Profile>,
}

impl SharedConfig {
    /// The file locations: `AWS_CONFIG_FILE` / `AWS_SHARED_CREDENTIALS_FILE`,
    /// else `~/.aws/config` / `~/.aws/credentials`.
    pub fn paths(env: &Env) -> (PathBuf, PathBuf) {
        let locate = |var: &str, default: &str| match env.get(var) {
            Some(p) => env.expand_home(&p),
            None => env.expand_home(default),
        };
        (
            locate("AWS_CONFIG_FILE", "~/.aws/config"),
            locate("AWS_SHARED_CREDENTIALS_FILE", "~/.aws/credentials"),
        )
    }

    /// No profiles, at the usual locations (for a session whose files failed to load).
    pub fn empty(env: &Env) -> SharedConfig {
        let (config_file, credentials_file) = SharedConfig::paths(env);
        SharedConfig {
            config_file,
            credentials_file,
            ..SharedConfig::default()
        }
    }

    /// Reads both files at their [`paths`](SharedConfig::paths); a missing file is empty.
    pub fn load(env: &Env) -> Result<SharedConfig, ConfigError> {
        let (config_file, credentials_file) = SharedConfig::paths(env);
        let config = IniFile::load(&config_file)?;
        let credentials = IniFile::load(&credentials_file)?;
        Ok(SharedConfig::from_files(
            config,
            credentials,
            config_file,
            credentials_file,
        ))
    }

    /// Sorts parsed files into profiles (`[default]`, `[profile x]`, the
    /// credentials file's `[x]`) and `[services x]` sections; repeated sections merge.
    pub fn from_files(
        config: IniFile,
        credentials: IniFile,
        config_file: PathBuf,
        credentials_file: PathBuf,
    ) -> SharedConfig {
        let mut shared = SharedConfig {
            config_file,
            credentials_file,
            ..SharedConfig::default()
        };
        for (header, section) in config.sections {
            let target = if header == "default" {
                Some((&mut shared.config_profiles, header))
            } else if header.starts_with("profile") {
                section_name(&header, "profile").map(|n| (&mut shared.config_profiles, n))
            } else if header.starts_with("services") {
                section_name(&header, "services").map(|n| (&mut shared.services, n))
            } else if header.starts_with("sso-session") {
                section_name(&header, "sso-session").map(|n| (&mut shared.sso_sessions, n))
            } else {
                None // unknown sections
            };
            if let Some((map, name)) = target {
                map.entry(name).or_default().merge(&section);
            }
        }
        for (name, section) in credentials.sections {
            shared
                .credentials_profiles
                .entry(name)
                .or_default()
                .merge(&section);
        }
        shared
    }

    /// Whether either file defines `name`.
    pub fn has_profile(&self, name: &str) -> bool {
        self.config_profiles.contains_key(name) || self.credentials_profiles.contains_key(name)
    }

    /// The profile's settings from both files, credentials file winning.
    pub fn profile(&self, name: &str) -> Profile {
        let mut merged = self.config_profiles.get(name).cloned().unwrap_or_default();
        if let Some(creds) = self.credentials_profiles.get(name) {
            merged.merge(creds);
        }
        merged
    }

    /// The profile's settings in the config file alone (botocore's `ConfigProvider` reads only these).
    pub fn config_file_profile(&self, name: &str) -> Option<&Profile> {
        self.config_profiles.get(name)
    }

    /// The profile's settings in the credentials file alone (`SharedCredentialProvider`).
    pub fn credentials_file_profile(&self, name: &str) -> Option<&Profile> {
        self.credentials_profiles.get(name)
    }

    /// An `[sso-session name]` section of the config file.
    pub fn sso_session(&self, name: &str) -> Option<&Profile> {
        self.sso_sessions.get(name)
    }

    /// A `[services name]` section.
    pub fn services(&self, name: &str) -> Option<&Profile> {
        self.services.get(name)
    }
}

/// Where a configured endpoint URL came from, for error messages.
#[derive(Debug, Clone, PartialEq)]
pub struct ConfiguredUrl {
    /// The URL as configured.
    pub url: String,
    /// Where it came from (`AWS_ENDPOINT_URL_S3`, `[services dev] s3.endpoint_url`).
    pub source: String,
}

/// The endpoint URL configured outside the code for a service, botocore's
/// order: `AWS_ENDPOINT_URL_<SERVICE_ID>`, `AWS_ENDPOINT_URL`, the profile's
/// `[services]` section, the profile's `endpoint_url`. Disabled by
/// `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true` or `ignore_configured_endpoint_urls`.
pub fn configured_endpoint_url(
    env: &Env,
    profile: &Profile,
    shared: &SharedConfig,
    service_id: &str,
) -> Option<ConfiguredUrl> {
    let ignore = env.get("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS").or_else(|| {
        profile
            .get("ignore_configured_endpoint_urls")
            .map(str::to_owned)
    });
    if ignore.is_some_and(|v| v.eq_ignore_ascii_case("true")) {
        return None;
    }
    let env_name = format!(
        "AWS_ENDPOINT_URL_{}",
        service_id.replace([' ', '-'], "_").to_uppercase()
    );
    if let Some(url) = env.get(&env_name) {
        return Some(ConfiguredUrl {
            url,
            source: env_name,
        });
    }
    if let Some(url) = env.get("AWS_ENDPOINT_URL") {
        return Some(ConfiguredUrl {
            url,
            source: "AWS_ENDPOINT_URL".into(),
        });
    }
    let config_key = service_id.replace([' ', '-'], "_").to_lowercase();
    if let Some(services) = profile.get("services") {
        if let Some(url) = shared
            .services(services)
            .and_then(|s| s.nested(&config_key, "endpoint_url"))
        {
            return Some(ConfiguredUrl {
                url: url.to_owned(),
                source: format!("[services {services}] {config_key}.endpoint_url"),
            });
        }
    }
    profile.get("endpoint_url").map(|url| ConfiguredUrl {
        url: url.to_owned(),
        source: "profile endpoint_url".into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> IniFile {
        IniFile::parse(text, Path::new("test")).unwrap()
    }

    fn shared(config: &str, credentials: &str) -> SharedConfig {
        SharedConfig::from_files(
            parse(config),
            parse(credentials),
            "config".into(),
            "credentials".into(),
        )
    }

    #[test]
    fn config_profiles_need_the_profile_prefix() {
        let s = shared(
            "[default]\nregion = us-west-2\n\n[profile dev]\nregion=eu-west-1\n[staging]\nregion = x\n[profile \"with space\"]\nregion = ap-south-1\n[profilefoo]\nregion=y\n",
            "",
        );
        assert_eq!(s.profile("default").get("region"), Some("us-west-2"));
        assert_eq!(s.profile("dev").get("region"), Some("eu-west-1"));
        assert_eq!(s.profile("with space").get("region"), Some("ap-south-1"));
        assert!(!s.has_profile("staging"), "no `profile` prefix in config");
        assert!(!s.has_profile("profilefoo"));
        assert!(!s.has_profile("foo"));
    }

    #[test]
    fn credentials_file_names_are_verbatim_and_win() {
        let s = shared(
            "[profile dev]\naws_access_key_id = FROMCONFIG\nregion = eu-west-1\n",
            "[dev]\naws_access_key_id = FROMCREDS\naws_secret_access_key = s\n[profile odd]\nx = 1\n",
        );
        let dev = s.profile("dev");
        assert_eq!(dev.get("aws_access_key_id"), Some("FROMCREDS"));
        assert_eq!(dev.get("aws_secret_access_key"), Some("s"));
        assert_eq!(dev.get("region"), Some("eu-west-1"));
        assert!(s.has_profile("profile odd"));
    }

    #[test]
    fn comments_whitespace_case_and_separators() {
        let ini = parse(
            "# comment\n; another\n  [ default ]  \n  Region   =   us-east-1   \nOutput: json\n\n   # indented comment\nempty =\n",
        );
        let (name, p) = &ini.sections[0];
        assert_eq!(name, "default");
        assert_eq!(p.get("region"), Some("us-east-1"));
        assert_eq!(p.get("output"), Some("json"));
        assert_eq!(p.get("empty"), None);
    }

    #[test]
    fn nested_sections() {
        let s = shared(
            "[default]\ns3 =\n  addressing_style = path\n  signature_version=s3v4\nregion = us-east-1\n",
            "",
        );
        let p = s.profile("default");
        assert_eq!(p.nested("s3", "addressing_style"), Some("path"));
        assert_eq!(p.nested("s3", "signature_version"), Some("s3v4"));
        assert_eq!(p.get("region"), Some("us-east-1"));
    }

    #[test]
    fn bad_lines_are_errors_with_line_numbers() {
        let e = IniFile::parse("[default]\nregion us-east-1\n", Path::new("cfg")).unwrap_err();
        assert!(e.to_string().contains("cfg:2"), "{e}");
        let e = IniFile::parse("region = x\n", Path::new("cfg")).unwrap_err();
        assert!(e.to_string().contains("outside any section"), "{e}");
        let e = IniFile::parse("[default\n", Path::new("cfg")).unwrap_err();
        assert!(e.to_string().contains("no `]`"), "{e}");
    }

    #[test]
    fn missing_file_is_empty() {
        let ini = IniFile::load(Path::new("/nonexistent/boto-rs/config")).unwrap();
        assert!(ini.sections.is_empty());
    }

    #[test]
    fn endpoint_url_precedence() {
        let s = shared(
            "[default]\nendpoint_url = http://profile\nservices = local\n[services local]\nsecrets_manager =\n  endpoint_url = http://svc-section\n",
            "",
        );
        let p = s.profile("default");
        let env = Env::from_vars([
            ("AWS_ENDPOINT_URL_SECRETS_MANAGER", "http://env-svc"),
            ("AWS_ENDPOINT_URL", "http://env-global"),
        ]);
        let url = |env: &Env, id: &str| configured_endpoint_url(env, &p, &s, id).map(|c| c.url);
        assert_eq!(
            url(&env, "Secrets Manager").as_deref(),
            Some("http://env-svc")
        );
        assert_eq!(url(&env, "IAM").as_deref(), Some("http://env-global"));
        let none = Env::from_vars::<&str, &str>([]);
        assert_eq!(
            url(&none, "Secrets Manager").as_deref(),
            Some("http://svc-section")
        );
        assert_eq!(url(&none, "IAM").as_deref(), Some("http://profile"));
        let ignore = Env::from_vars([("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true")]);
        assert_eq!(url(&ignore, "IAM"), None);
    }

    #[test]
    fn paths_from_env() {
        let env = Env::from_vars([("HOME", "/h"), ("AWS_CONFIG_FILE", "~/cfg")]);
        let (c, k) = SharedConfig::paths(&env);
        assert_eq!(c, PathBuf::from("/h/cfg"));
        assert_eq!(k, PathBuf::from("/h/.aws/credentials"));
    }

    #[test]
    fn profile_debug_hides_values() {
        let s = shared("", "[default]\naws_secret_access_key = TOPSECRET\n");
        assert!(!format!("{:?}", s.profile("default")).contains("TOPSECRET"));
        assert!(!format!("{s:?}").contains("TOPSECRET"));
    }
}
