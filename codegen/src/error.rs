//! Errors of the generator: always naming the service, and the shape and
//! member when there is one.

use std::fmt;
use std::path::PathBuf;

/// Where in a model something went wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub service: String,
    pub operation: Option<String>,
    pub shape: Option<String>,
    pub member: Option<String>,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "service {}", self.service)?;
        if let Some(op) = &self.operation {
            write!(f, ", operation {op}")?;
        }
        if let Some(shape) = &self.shape {
            write!(f, ", shape {shape}")?;
        }
        if let Some(member) = &self.member {
            write!(f, ", member {member}")?;
        }
        Ok(())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CodegenError {
    /// A model cannot be cut down to the operations asked for.
    #[error("subset of {service}: {message}")]
    Subset { service: String, message: String },
    /// The model says something the generator cannot represent.
    #[error("{at}: {message}")]
    Model { at: Location, message: String },
    #[error("reading {}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("parsing {}", path.display())]
    Json {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
    #[error("{}: no api-version folder with a service-2.json", path.display())]
    NoModel { path: PathBuf },
    /// The emitted tokens did not parse as Rust: a generator bug.
    #[error("service {service}: generated {file} is not valid Rust")]
    Emit {
        service: String,
        file: String,
        #[source]
        source: syn::Error,
    },
}

impl CodegenError {
    pub fn model(
        service: &str,
        shape: Option<&str>,
        member: Option<&str>,
        message: impl Into<String>,
    ) -> CodegenError {
        CodegenError::Model {
            at: Location {
                service: service.to_owned(),
                operation: None,
                shape: shape.map(str::to_owned),
                member: member.map(str::to_owned),
            },
            message: message.into(),
        }
    }
}

/// The runtime's lowering names the same places.
impl From<boto_runtime::lower::ModelError> for CodegenError {
    fn from(e: boto_runtime::lower::ModelError) -> CodegenError {
        CodegenError::Model {
            at: Location {
                service: e.service,
                operation: e.operation,
                shape: e.shape,
                member: e.member,
            },
            message: e.message,
        }
    }
}

pub type Result<T, E = CodegenError> = std::result::Result<T, E>;

impl From<boto_runtime::model_files::ModelFileError> for CodegenError {
    fn from(e: boto_runtime::model_files::ModelFileError) -> CodegenError {
        use boto_runtime::model_files::ModelFileError as M;
        match e {
            M::NoBotocore { .. } => CodegenError::Io {
                path: PathBuf::from("botocore"),
                source: std::io::Error::other(e.to_string()),
            },
            M::Io { path, source } => CodegenError::Io { path, source },
            M::Json { path, source } => CodegenError::Json { path, source },
            M::NoModel { path } => CodegenError::NoModel { path },
        }
    }
}
