//! Shared config and credentials files for credential tests.

use std::path::{Path, PathBuf};

use boto_runtime::env::Env;
use sha1::{Digest, Sha1};

/// A fresh directory (removed again on drop) holding `config`, `credentials` and a home for SSO caches.
pub struct Files {
    dir: PathBuf,
}

impl Files {
    /// Writes `config` and `credentials` into a directory named after `name`.
    pub fn new(name: &str, config: &str, credentials: &str) -> Files {
        let dir =
            std::env::temp_dir().join(format!("boto-rs-credentials-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("config"), config).unwrap();
        std::fs::write(dir.join("credentials"), credentials).unwrap();
        Files { dir }
    }

    /// The path of `name` in the directory.
    pub fn path(&self, name: &str) -> String {
        self.dir.join(name).to_string_lossy().into_owned()
    }

    /// The environment of a program on a machine with these files and
    /// nothing else (no IMDS, no container), plus `extra`.
    pub fn env(&self, extra: &[(&str, &str)]) -> Env {
        let mut vars = vec![
            ("AWS_CONFIG_FILE".to_owned(), self.path("config")),
            (
                "AWS_SHARED_CREDENTIALS_FILE".to_owned(),
                self.path("credentials"),
            ),
            ("HOME".to_owned(), self.path("home")),
            ("AWS_EC2_METADATA_DISABLED".to_owned(), "true".to_owned()),
        ];
        vars.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        Env::from_vars(vars)
    }
}

impl Files {
    /// Writes the SSO token cache file `aws sso login` would for `key` (an
    /// `sso_session` name or a legacy start URL), named as botocore names it:
    /// the sha1 of the key.
    pub fn sso_token(&self, key: &str, token: serde_json::Value) -> PathBuf {
        let dir = Path::new(&self.path("home")).join(".aws/sso/cache");
        std::fs::create_dir_all(&dir).unwrap();
        let name: String = Sha1::digest(key.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let path = dir.join(format!("{name}.json"));
        std::fs::write(&path, token.to_string()).unwrap();
        path
    }
}

impl Drop for Files {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
