//! (in progress: replaced by the container provider)
use crate::env::Env;

/// EC2 container.
#[derive(Debug)]
pub struct ContainerProvider;

impl ContainerProvider {
    /// The provider.
    pub fn new(_env: &Env) -> ContainerProvider {
        ContainerProvider
    }
}

impl super::ProvideCredentials for ContainerProvider {
    fn provide_credentials(
        &self,
    ) -> crate::BoxFuture<'_, Result<super::Credentials, crate::error::CredentialsError>> {
        Box::pin(async {
            Err(crate::error::CredentialsError::Unavailable {
                provider: "container",
                reason: "not yet".into(),
            })
        })
    }
}
