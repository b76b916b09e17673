//! Resource actions: the operation's own fluent builder in the [`Act`] mode.
//!
//! `user.attach_policy()` returns `operation::AttachUserPolicy<Act<'_, Plain>>`:
//! the operation's setters set the caller's parameters; `send` fills in what
//! the model sources from the resource (identifiers, data, constants), with
//! the caller's members winning as in boto3 (`params.update(kwargs)`), calls
//! the operation, clears the resource's data when it has a `load`, and
//! returns the typed output ([`Plain`]) or typed resources ([`One`], [`Many`]).

use std::fmt;
use std::marker::PhantomData;

use futures_util::future::BoxFuture;
use serde_json::{Map, Value as J};

use super::params::{self, Parent, Shaped};
use super::spec::ActionSpec;
use super::{operation, Resource, ResourceError, TypedResource};
use crate::client::Client;
use crate::error::{Error, ResponseError};
use crate::protocol::DeserializeError;
use crate::value::{De, Ser};
use crate::view;

/// What an action needs of the resource it acts on, whatever its data type.
pub trait ResourceCore: Send {
    /// The client the resource calls through.
    fn client(&self) -> &Client;
    /// Identifiers and data view, for filling the action's parameters.
    fn parent(&self) -> Parent<'_>;
    /// Whether the model gives the resource type a `load`.
    fn has_load(&self) -> bool;
    /// Runs the resource's `load`, for actions whose parameters need its data.
    fn load_data(&mut self) -> BoxFuture<'_, Result<(), ResourceError>>;
    /// Forgets the loaded data, as boto3 does after an action.
    fn clear_data(&mut self);
}

impl<D: Ser + De + Default + Clone + Send + Sync + 'static> ResourceCore for Resource<D> {
    fn client(&self) -> &Client {
        Resource::client(self)
    }
    fn parent(&self) -> Parent<'_> {
        Resource::parent(self)
    }
    fn has_load(&self) -> bool {
        self.spec().load.is_some()
    }
    fn load_data(&mut self) -> BoxFuture<'_, Result<(), ResourceError>> {
        Box::pin(self.load())
    }
    fn clear_data(&mut self) {
        self.clear()
    }
}

/// The action returns the operation's typed output.
#[derive(Debug, Clone, Copy)]
pub struct Plain;
/// The action returns one resource `R`.
#[derive(Debug, Clone, Copy)]
pub struct One<R>(PhantomData<fn() -> R>);
/// The action returns a list of resources `R`.
#[derive(Debug, Clone, Copy)]
pub struct Many<R>(PhantomData<fn() -> R>);

/// The builder mode of a resource action (see the module docs).
pub struct Act<'a, T> {
    resource: Target<'a>,
    spec: &'static ActionSpec,
    _t: PhantomData<fn() -> T>,
}

/// The resource an action acts on: borrowed when a successful call clears
/// its data (types with a `load`), else a copy.
enum Target<'a> {
    Borrowed(&'a mut dyn ResourceCore),
    Owned(Box<dyn ResourceCore>),
}

impl<'a> std::ops::Deref for Target<'a> {
    type Target = dyn ResourceCore + 'a;
    fn deref(&self) -> &Self::Target {
        match self {
            Target::Borrowed(r) => &**r,
            Target::Owned(r) => &**r,
        }
    }
}
impl<'a> std::ops::DerefMut for Target<'a> {
    fn deref_mut(&mut self) -> &mut Self::Target {
        match self {
            Target::Borrowed(r) => &mut **r,
            Target::Owned(r) => &mut **r,
        }
    }
}

impl<T> fmt::Debug for Act<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Act")
            .field("action", &self.spec.name)
            .finish()
    }
}

impl ResourceError {
    /// As an error of the operation being called: a failed call (loading the
    /// resource's data) keeps its service error, typed when `E` models it.
    pub fn into_call_error<E: crate::error::OperationError>(self, operation: &str) -> Error<E> {
        match self {
            ResourceError::Call(e) => e.typed(),
            other => other.into_error(operation),
        }
    }

    /// As a response error: what the response held did not make a resource.
    pub(crate) fn into_response_error<E>(self, operation: &str) -> Error<E> {
        Error::Response(ResponseError {
            status: 200,
            request_id: None,
            source: DeserializeError::new(operation, self.to_string()),
        })
    }
}

impl<'a, T> Act<'a, T> {
    /// An action on a resource whose data a successful call clears.
    pub fn new(resource: &'a mut dyn ResourceCore, spec: &'static ActionSpec) -> Self {
        Act {
            resource: Target::Borrowed(resource),
            spec,
            _t: PhantomData,
        }
    }

    /// An action on a copy of a resource without `load` (nothing to clear).
    pub fn owned(resource: Box<dyn ResourceCore>, spec: &'static ActionSpec) -> Self {
        Act {
            resource: Target::Owned(resource),
            spec,
            _t: PhantomData,
        }
    }

    /// The action's model name.
    pub fn name(&self) -> &'static str {
        self.spec.name
    }

    fn needs_data(&self) -> bool {
        self.spec
            .request
            .params
            .iter()
            .any(|p| matches!(p.source, super::Source::Data(_)))
    }

    /// Writes the model's parameters into `input` under the members the
    /// caller set, loading the resource first when a parameter comes from
    /// its data and none is loaded.
    pub async fn prepare<I: Ser + De + Default>(
        &mut self,
        input: &mut I,
    ) -> Result<(), ResourceError> {
        let merged = self.merged(input).await?;
        let mut fresh = I::default();
        let service = self.resource.client().service();
        super::prefill_json(service, self.spec.request.operation, merged, &mut fresh)?;
        *input = fresh;
        Ok(())
    }

    async fn merged(&mut self, user: &dyn Ser) -> Result<Map<String, J>, ResourceError> {
        if self.needs_data() && self.resource.parent().data.is_none() {
            if !self.resource.has_load() {
                return Err(ResourceError::NotLoaded);
            }
            self.resource.load_data().await?;
        }
        let mut p = Map::new();
        params::request_params(
            self.spec.request.params,
            &self.resource.parent(),
            None,
            &mut p,
        )?;
        let service = self.resource.client().service();
        let op = operation(service, self.spec.request.operation)?;
        if let Some(shape) = op.input {
            if let J::Object(user) = view::to_json(service, shape, user) {
                // The caller's members replace the model's, as boto3's `params.update`.
                p.extend(user);
            }
        }
        Ok(p)
    }

    /// After a successful call: a non-load action clears the data (boto3).
    fn done(&mut self) {
        if self.resource.has_load() {
            self.resource.clear_data();
        }
    }

    fn shaped(
        &mut self,
        input: Option<&dyn Ser>,
        output: Option<&dyn Ser>,
    ) -> Result<Shaped, ResourceError> {
        let service = self.resource.client().service();
        let op = operation(service, self.spec.request.operation)?;
        let json = |shape: Option<u32>, v: Option<&dyn Ser>| match (shape, v) {
            (Some(s), Some(v)) => view::to_json(service, s, v),
            _ => J::Null,
        };
        let params = json(op.input, input);
        let response = json(op.output, output);
        let spec = self.spec.resource.as_ref().ok_or_else(|| {
            ResourceError::Spec(format!("{} returns no resource", self.spec.name))
        })?;
        let shaped =
            params::build_resources(spec, &self.resource.parent(), &params, &response, &[])?;
        self.done();
        Ok(shaped)
    }
}

impl Act<'_, Plain> {
    /// Ends a successful plain action.
    pub fn finish(mut self) {
        self.done()
    }
}

impl<R: TypedResource> Act<'_, One<R>> {
    /// The resource the response describes; a response without its
    /// identifiers is a response error.
    pub fn finish<E>(
        mut self,
        input: Option<&dyn Ser>,
        output: Option<&dyn Ser>,
    ) -> Result<R, Error<E>> {
        let name = self.spec.name;
        let client = self.resource.client().clone();
        let built = self
            .shaped(input, output)
            .and_then(|s| {
                s.into_one().ok_or_else(|| {
                    ResourceError::Data("the response lacks the new resource's identifiers".into())
                })
            })
            .map_err(|e| e.into_response_error(name))?;
        R::from_built(&client, built).map_err(|e| e.into_response_error(name))
    }
}

impl<R: TypedResource> Act<'_, Many<R>> {
    /// The resources the response describes, in its order.
    pub fn finish<E>(
        mut self,
        input: Option<&dyn Ser>,
        output: Option<&dyn Ser>,
    ) -> Result<Vec<R>, Error<E>> {
        let name = self.spec.name;
        let client = self.resource.client().clone();
        let built = self
            .shaped(input, output)
            .map_err(|e| e.into_response_error(name))?;
        built
            .into_vec()
            .into_iter()
            .map(|b| R::from_built(&client, b).map_err(|e| e.into_response_error(name)))
            .collect()
    }
}
