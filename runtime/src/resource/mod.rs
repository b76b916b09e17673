//! boto3's resource layer: one engine for every resource of every service.
//!
//! A generated crate describes its `resources-1.json` with static specs
//! ([`spec`]) and thin typed glue: a struct per resource type wrapping a
//! [`Resource`], one method per action, sub-resource, reference, collection
//! and waiter. Everything that reads the model runs here, on the JSON view
//! ([`crate::view`]) of inputs, outputs and data:
//! - request parameters from identifiers, data and constants, written into
//!   the operation's typed input ([`Resource::prefill`]);
//! - resources built from responses, requests, identifiers and data
//!   ([`params::build_resources`]);
//! - `load`, collections ([`collection`], on the paginator engine) and
//!   batch actions.
//!
//! ## Attributes: explicit loading
//! boto3 loads a resource's data on first attribute access. Here attribute
//! access is synchronous and never calls the service: accessors read the data
//! the resource carries (from a collection item, an action's response, or an
//! explicit `load().await`), and return `None` when there is none. `load()`
//! (and `reload()`) are async and return an error for resource types without
//! a `load` in the model. A non-load action clears the data, as boto3 does.

pub mod action;
pub mod collection;
pub mod params;
pub mod spec;

use std::fmt;
use std::hash::{Hash, Hasher};

use serde_json::{Map, Value as J};

pub use action::{Act, Many, One, Plain, ResourceCore};
pub use collection::{BatchError, Collection, CollectionOp};
pub use params::{Built, Parent, Shaped};
pub use spec::{
    ActionSpec, Find, LoadSpec, Param, RequestSpec, ResourceIndex, ResourceSpec, ResponseResource,
    Source, WaiterSpec,
};

use crate::client::Client;
use crate::dynamic::DynValue;
use crate::error::{Error, RawServiceError};
use crate::protocol::SerializeError;
use crate::schema::{Operation, Service};
use crate::value::{De, Ser};
use crate::view;

/// Why a resource operation could not be done.
#[derive(Debug, thiserror::Error)]
pub enum ResourceError {
    /// The resource type has no `load` in the model.
    #[error("resource {resource} has no load: its data only comes from other responses")]
    NoLoad {
        /// The resource type's model name.
        resource: &'static str,
    },
    /// A request needs the resource's data and none is loaded.
    #[error("the resource's data is needed and not loaded: call load() first")]
    NotLoaded,
    /// The load response has no data at the model's path.
    #[error("resource {resource}: the load response has nothing at {path}")]
    NotFound {
        /// The resource type's model name.
        resource: &'static str,
        /// The load's JMESPath into the response.
        path: &'static str,
    },
    /// The model's spec does not fit the service (a generator bug).
    #[error("resource spec: {0}")]
    Spec(String),
    /// The call failed.
    #[error(transparent)]
    Call(#[from] Error<RawServiceError>),
    /// Data did not fit the resource's shape.
    #[error("resource data: {0}")]
    Data(String),
}

impl ResourceError {
    /// As a call error of any operation (a spec problem is a build error).
    pub fn into_error<E>(self, operation: &str) -> Error<E> {
        Error::Build(SerializeError::new(operation, "resource", self.to_string()))
    }
}

/// The typed view of a resource built by the engine: what generated resource
/// structs implement.
pub trait TypedResource: Sized {
    /// Builds the generated struct around a resource the engine made.
    fn from_built(client: &Client, built: Built) -> Result<Self, ResourceError>;
}

/// The data of a resource type without a `shape` in the model.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NoData;

impl Ser for NoData {
    fn value(&self) -> crate::value::ValueRef<'_> {
        crate::value::ValueRef::Struct(self)
    }
}
impl crate::value::StructSer for NoData {
    fn member(&self, _: usize) -> Option<&dyn Ser> {
        None
    }
}
impl De for NoData {
    fn init(&mut self) {}
    fn member(&mut self, index: usize) -> Result<&mut dyn De, crate::value::DeError> {
        Err(crate::value::DeError::NoMember(index))
    }
    fn expecting(&self) -> &'static str {
        "no data"
    }
}

/// What every resource holds: client, type, identifiers and data.
#[derive(Clone)]
pub struct Resource<D> {
    client: Client,
    spec: &'static ResourceSpec,
    identifiers: Vec<(&'static str, String)>,
    data: Option<D>,
    view: Option<J>,
}

impl<D> fmt::Debug for Resource<D> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = f.debug_struct(self.spec.name);
        for (n, v) in &self.identifiers {
            s.field(n, v);
        }
        s.field("loaded", &self.data.is_some()).finish()
    }
}

impl<D> PartialEq for Resource<D> {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self.client.service(), other.client.service())
            && self.spec.name == other.spec.name
            && self.identifiers == other.identifiers
    }
}
impl<D> Eq for Resource<D> {}
impl<D> Hash for Resource<D> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.client.service().name.hash(state);
        self.spec.name.hash(state);
        self.identifiers.hash(state);
    }
}

/// A resource's metadata, as boto3's `resource.meta`.
#[derive(Debug)]
pub struct Meta<'a, C, D> {
    client: C,
    resource: &'a Resource<D>,
}

impl<'a, C: Clone, D> Meta<'a, C, D> {
    /// Metadata of `resource`, presenting `client` (the typed service client).
    pub fn new(client: C, resource: &'a Resource<D>) -> Self {
        Meta { client, resource }
    }
    /// The service client the resource calls through.
    pub fn client(&self) -> C {
        self.client.clone()
    }
    /// The loaded data, if any.
    pub fn data(&self) -> Option<&'a D> {
        self.resource.data.as_ref()
    }
    /// `(name, value)` of each identifier, in the model's order.
    pub fn identifiers(&self) -> &'a [(&'static str, String)] {
        &self.resource.identifiers
    }
    /// botocore's service name (`iam`).
    pub fn service_name(&self) -> &'static str {
        self.resource.client.service().name
    }
    /// The model's resource type name (`User`).
    pub fn resource_model(&self) -> &'static str {
        self.resource.spec.name
    }
}

fn operation(service: &'static Service, index: usize) -> Result<&'static Operation, ResourceError> {
    service
        .operations
        .get(index)
        .ok_or_else(|| ResourceError::Spec(format!("no operation {index} in {}", service.name)))
}

/// Calls an operation with JSON parameters; the output's view.
pub async fn call_json(
    client: &Client,
    operation_index: usize,
    params: Map<String, J>,
) -> Result<J, ResourceError> {
    let service = client.service();
    let op = operation(service, operation_index)?;
    let input = match op.input {
        Some(shape) => {
            let mut json = J::Object(params);
            params::coerce(service, shape, &mut json);
            Some(
                DynValue::from_json(service, shape, &json)
                    .map_err(|e| ResourceError::Spec(format!("{}: {e}", op.name)))?,
            )
        }
        None => None,
    };
    let mut out = DynValue::Empty;
    client
        .call(op, input.as_ref().map(|i| i as &(dyn Ser + Sync)), &mut out)
        .await?;
    Ok(match op.output {
        Some(shape) => out.to_json(service, shape),
        None => J::Object(Map::new()),
    })
}

impl<D: Ser + De + Default + Clone> Resource<D> {
    /// A resource with these identifier values (in the spec's order), no data.
    pub fn new(client: &Client, spec: &'static ResourceSpec, identifiers: Vec<String>) -> Self {
        Resource {
            client: client.clone(),
            spec,
            identifiers: spec.identifiers.iter().copied().zip(identifiers).collect(),
            data: None,
            view: None,
        }
    }

    /// A resource the engine built, its data view written into `D`.
    pub fn from_built(
        client: &Client,
        spec: &'static ResourceSpec,
        built: Built,
    ) -> Result<Self, ResourceError> {
        let mut r = Self::new(client, spec, built.identifiers);
        if let Some(view) = built.data {
            r.set_view(view)?;
        }
        Ok(r)
    }

    fn set_view(&mut self, view: J) -> Result<(), ResourceError> {
        let Some(shape) = self.spec.shape else {
            self.view = Some(view);
            return Ok(());
        };
        let mut data = D::default();
        view::write(self.client.service(), shape, &view, &mut data)
            .map_err(|e| ResourceError::Data(format!("{}: {e}", self.spec.name)))?;
        self.data = Some(data);
        self.view = Some(view);
        Ok(())
    }

    /// The client the resource calls through.
    pub fn client(&self) -> &Client {
        &self.client
    }
    /// The resource type's static description.
    pub fn spec(&self) -> &'static ResourceSpec {
        self.spec
    }
    /// The value of identifier `index`.
    pub fn identifier(&self, index: usize) -> &str {
        self.identifiers
            .get(index)
            .map(|(_, v)| v.as_str())
            .unwrap_or_default()
    }
    /// `(name, value)` of each identifier, in the model's order.
    pub fn identifiers(&self) -> &[(&'static str, String)] {
        &self.identifiers
    }
    /// The value of the identifier the model names `name`.
    pub fn identifier_named(&self, name: &str) -> &str {
        self.identifiers
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or_default()
    }
    /// Whether data is loaded (or carried from a response).
    pub fn is_loaded(&self) -> bool {
        self.view.is_some()
    }
    /// The loaded data, typed; `None` until loaded (or for types without a data shape).
    pub fn data(&self) -> Option<&D> {
        self.data.as_ref()
    }
    /// The data's JSON view (model member names).
    pub fn data_view(&self) -> Option<&J> {
        self.view.as_ref()
    }
    /// Forgets the data (after a non-load action, as boto3 does).
    pub fn clear(&mut self) {
        self.data = None;
        self.view = None;
    }
    /// Identifiers and data view, as actions and sub-resources read them.
    pub fn parent(&self) -> Parent<'_> {
        Parent {
            identifiers: &self.identifiers,
            data: self.view.as_ref(),
        }
    }

    /// Calls the model's `load` and keeps the data.
    pub async fn load(&mut self) -> Result<(), ResourceError> {
        let load = self.spec.load.ok_or(ResourceError::NoLoad {
            resource: self.spec.name,
        })?;
        let mut p = Map::new();
        params::request_params(load.request.params, &self.parent(), None, &mut p)?;
        let out = call_json(&self.client, load.request.operation, p).await?;
        let mut view = params::search(load.path, &out)?;
        if let Some(find) = load.find {
            let want = self.identifier_named(find.identifier);
            view = match view {
                J::Array(items) => items
                    .into_iter()
                    .find(|item| item.get(find.member).and_then(J::as_str) == Some(want))
                    .unwrap_or(J::Null),
                _ => J::Null,
            };
        }
        if view.is_null() {
            return Err(ResourceError::NotFound {
                resource: self.spec.name,
                path: load.path,
            });
        }
        self.set_view(view)
    }

    /// The request parameters `request` gets from this resource, written
    /// into the operation's typed input. A parameter that does not fit the
    /// input is an error naming it.
    pub fn prefill(&self, request: &RequestSpec, input: &mut dyn De) -> Result<(), ResourceError> {
        let mut p = Map::new();
        params::request_params(request.params, &self.parent(), None, &mut p)?;
        prefill_json(self.client.service(), request.operation, p, input)
    }

    /// [`prefill`](Self::prefill) for a typed input, for resource waiters,
    /// whose builders have no place for an error. The generator only lets
    /// identifiers and constants feed a waiter, so no data can be missing;
    /// a spec that did not fit the input (a generator bug) is logged as an
    /// error and leaves those members unset.
    pub fn prefilled<I: De + Default>(&self, request: &RequestSpec) -> I {
        let mut input = I::default();
        if let Err(e) = self.prefill(request, &mut input) {
            tracing::error!(resource = self.spec.name, error = %e, "resource waiter input");
        }
        input
    }

    /// Resources `has` builds from this one: sub-resources (identifiers and
    /// `inputs`) and references (identifiers from data).
    /// A reference's `path` reads this resource's data, as boto3 hands the
    /// parent's data to the reference's handler as the response.
    pub fn has(&self, spec: &ResponseResource, inputs: &[String]) -> Result<Shaped, ResourceError> {
        let data = self.view.as_ref().unwrap_or(&J::Null);
        params::build_resources(spec, &self.parent(), &J::Null, data, inputs)
    }

    /// A reference (`has` from data) to one resource: `None` when the data
    /// holds no identifiers for it; an error when no data is loaded.
    pub fn reference_one<R: TypedResource>(
        &self,
        spec: &ResponseResource,
    ) -> Result<Option<R>, ResourceError> {
        self.has(spec, &[])?
            .into_one()
            .map(|b| R::from_built(&self.client, b))
            .transpose()
    }

    /// A reference to a list of resources.
    pub fn reference_many<R: TypedResource>(
        &self,
        spec: &ResponseResource,
    ) -> Result<Vec<R>, ResourceError> {
        self.has(spec, &[])?
            .into_vec()
            .into_iter()
            .map(|b| R::from_built(&self.client, b))
            .collect()
    }

    /// The resources an action's response describes.
    pub fn response_resources(
        &self,
        spec: &ResponseResource,
        input: &dyn Ser,
        request: &RequestSpec,
        output: &J,
    ) -> Result<Shaped, ResourceError> {
        let service = self.client.service();
        let op = operation(service, request.operation)?;
        let params = match op.input {
            Some(shape) => view::to_json(service, shape, input),
            None => J::Null,
        };
        params::build_resources(spec, &self.parent(), &params, output, &[])
    }
}

/// Writes JSON parameters into an operation's typed input.
pub fn prefill_json(
    service: &'static Service,
    operation_index: usize,
    params: Map<String, J>,
    input: &mut dyn De,
) -> Result<(), ResourceError> {
    let op = operation(service, operation_index)?;
    let Some(shape) = op.input else {
        return Ok(());
    };
    let mut json = J::Object(params);
    params::coerce(service, shape, &mut json);
    view::write(service, shape, &json, input)
        .map_err(|e| ResourceError::Spec(format!("{}: {e}", op.name)))
}

#[cfg(test)]
mod tests;
