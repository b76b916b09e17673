//! Environment variables, read through a value so tests can supply their own.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

/// Where settings such as `AWS_REGION` are read from: the process environment,
/// or a fixed map (tests, sandboxed sessions).
#[derive(Clone, Default)]
pub struct Env {
    fixed: Option<Arc<HashMap<String, String>>>,
}

impl Env {
    /// The process environment, read at each lookup.
    pub fn process() -> Env {
        Env { fixed: None }
    }

    /// A fixed set of variables; the process environment is not consulted.
    pub fn from_vars<K: Into<String>, V: Into<String>>(
        vars: impl IntoIterator<Item = (K, V)>,
    ) -> Env {
        let map = vars
            .into_iter()
            .map(|(k, v)| (k.into(), v.into()))
            .collect();
        Env {
            fixed: Some(Arc::new(map)),
        }
    }

    /// The variable's value; unset, empty and non-UTF-8 values are all `None`
    /// (an empty `AWS_PROFILE=` means "not set", as in the AWS CLI).
    pub fn get(&self, key: &str) -> Option<String> {
        let value = match &self.fixed {
            Some(map) => map.get(key).cloned(),
            None => std::env::var(key).ok(),
        };
        value.filter(|v| !v.is_empty())
    }

    /// The user's home directory (`HOME`, else `USERPROFILE`, else `HOMEDRIVE` + `HOMEPATH`).
    pub fn home_dir(&self) -> Option<PathBuf> {
        if let Some(home) = self.get("HOME").or_else(|| self.get("USERPROFILE")) {
            return Some(PathBuf::from(home));
        }
        match (self.get("HOMEDRIVE"), self.get("HOMEPATH")) {
            (Some(drive), Some(path)) => Some(PathBuf::from(format!("{drive}{path}"))),
            _ => None,
        }
    }

    /// Expands a leading `~` to the home directory.
    pub fn expand_home(&self, path: &str) -> PathBuf {
        if let Some(rest) = path.strip_prefix("~/").or_else(|| path.strip_prefix("~\\")) {
            if let Some(home) = self.home_dir() {
                return home.join(rest);
            }
        } else if path == "~" {
            if let Some(home) = self.home_dir() {
                return home;
            }
        }
        PathBuf::from(path)
    }
}

impl std::fmt::Debug for Env {
    // Values may hold secrets (AWS_SECRET_ACCESS_KEY): never print them.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.fixed {
            None => f.write_str("Env::process"),
            Some(map) => f
                .debug_struct("Env::fixed")
                .field("vars", &map.len())
                .finish(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_values_are_unset() {
        let env = Env::from_vars([("AWS_PROFILE", ""), ("AWS_REGION", "eu-west-1")]);
        assert_eq!(env.get("AWS_PROFILE"), None);
        assert_eq!(env.get("AWS_REGION").as_deref(), Some("eu-west-1"));
        assert_eq!(env.get("PATH"), None, "fixed env must not read the process");
    }

    #[test]
    fn expands_home() {
        let env = Env::from_vars([("HOME", "/home/me")]);
        assert_eq!(
            env.expand_home("~/.aws/config"),
            PathBuf::from("/home/me/.aws/config")
        );
        assert_eq!(env.expand_home("/etc/x"), PathBuf::from("/etc/x"));
    }

    #[test]
    fn debug_hides_values() {
        let env = Env::from_vars([("AWS_SECRET_ACCESS_KEY", "hunter2")]);
        assert!(!format!("{env:?}").contains("hunter2"));
    }
}
