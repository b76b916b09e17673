//! (in progress: replaced by the IMDS provider)
use crate::config::Profile;
use crate::env::Env;

/// EC2 instance metadata.
#[derive(Debug)]
pub struct ImdsProvider;

impl ImdsProvider {
    /// The provider.
    pub fn new(_env: &Env, _profile: &Profile) -> ImdsProvider {
        ImdsProvider
    }
}

impl super::ProvideCredentials for ImdsProvider {
    fn provide_credentials(
        &self,
    ) -> crate::BoxFuture<'_, Result<super::Credentials, crate::error::CredentialsError>> {
        Box::pin(async {
            Err(crate::error::CredentialsError::Unavailable {
                provider: "instance metadata",
                reason: "not yet".into(),
            })
        })
    }
}
