//! Collections (`hasMany`): immutable, lazy queries over a listing
//! operation, on the paginator engine when the operation paginates.

use std::marker::PhantomData;

use futures_util::stream::{self, BoxStream, Stream, StreamExt};
use serde_json::{Map, Value as J};

use super::params::{self, Built, Parent};
use super::spec::ActionSpec;
use super::{call_json, operation, ResourceError, TypedResource};
use crate::client::Client;
use crate::dynamic::DynValue;
use crate::error::{Error, OperationError, ResponseError};
use crate::paginator::{PageInput, Paginator, PaginatorSpec};
use crate::protocol::DeserializeError;
use crate::value::{De, Ser};
use crate::view;

/// A listing operation's builder, as a collection's `filter` uses it.
/// Generated for each operation a collection lists with.
pub trait CollectionOp: Sized {
    /// The operation's input type ([`NoData`](super::NoData) when it takes none).
    type Input: PageInput + Clone;
    /// The operation's generated error enum.
    type Error: OperationError;
    /// The operation's builder on `client` with `input`.
    fn with_input(client: &Client, input: Self::Input) -> Self;
    /// The input the caller's setters built, for the collection to page with.
    fn into_input(self) -> Self::Input;
}

/// A batch action failed listing the collection or running the action.
#[derive(Debug, thiserror::Error)]
pub enum BatchError<L: std::error::Error + 'static, A: std::error::Error + 'static> {
    /// Listing the collection's resources failed.
    #[error("listing the collection: {0}")]
    List(#[source] Error<L>),
    /// The batch action failed on a page of resources.
    #[error("batch action: {0}")]
    Action(#[source] Error<A>),
}

/// A collection of resources `R` listed by operation builder `B`.
pub struct Collection<R, B: CollectionOp> {
    client: Client,
    spec: &'static ActionSpec,
    paginator: Option<&'static PaginatorSpec>,
    parent_ids: Vec<(&'static str, String)>,
    parent_data: Option<J>,
    input: Option<B::Input>,
    limit: Option<usize>,
    page_size: Option<i64>,
    _r: PhantomData<fn() -> R>,
}

impl<R, B: CollectionOp> Clone for Collection<R, B> {
    fn clone(&self) -> Self {
        Collection {
            client: self.client.clone(),
            spec: self.spec,
            paginator: self.paginator,
            parent_ids: self.parent_ids.clone(),
            parent_data: self.parent_data.clone(),
            input: self.input.clone(),
            limit: self.limit,
            page_size: self.page_size,
            _r: PhantomData,
        }
    }
}

impl<R, B: CollectionOp> std::fmt::Debug for Collection<R, B>
where
    B::Input: std::fmt::Debug,
{
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Collection")
            .field("name", &self.spec.name)
            .field("filter", &self.input)
            .field("limit", &self.limit)
            .field("page_size", &self.page_size)
            .finish()
    }
}

impl<R, B> Collection<R, B>
where
    R: TypedResource + Send + 'static,
    B: CollectionOp,
{
    /// What generated collection methods call.
    pub fn new(
        client: &Client,
        spec: &'static ActionSpec,
        paginator: Option<&'static PaginatorSpec>,
        parent: Parent<'_>,
    ) -> Self {
        Collection {
            client: client.clone(),
            spec,
            paginator,
            parent_ids: parent.identifiers.to_vec(),
            parent_data: parent.data.cloned(),
            input: None,
            limit: None,
            page_size: None,
            _r: PhantomData,
        }
    }

    /// Every item (the same query: nothing is requested until iteration).
    pub fn all(&self) -> Self {
        self.clone()
    }

    /// Adds the caller's request parameters, set on the operation's builder:
    /// `users().filter(|b| b.path_prefix("/admins/"))`. Model parameters win
    /// for scalars; lists (EC2 `Filters`) are appended after the model's.
    pub fn filter(&self, f: impl FnOnce(B) -> B) -> Self {
        let mut out = self.clone();
        let current = out.input.take().unwrap_or_default();
        out.input = Some(f(B::with_input(&self.client, current)).into_input());
        out
    }

    /// At most `n` items in all.
    pub fn limit(&self, n: usize) -> Self {
        let mut out = self.clone();
        out.limit = Some(n);
        out
    }

    /// Items per request (the paginator's page size).
    pub fn page_size(&self, n: i64) -> Self {
        let mut out = self.clone();
        out.page_size = Some(n);
        out
    }

    fn request(&self) -> Result<Map<String, J>, ResourceError> {
        let parent = Parent {
            identifiers: &self.parent_ids,
            data: self.parent_data.as_ref(),
        };
        let mut p = Map::new();
        params::request_params(self.spec.request.params, &parent, None, &mut p)?;
        if let Some(input) = &self.input {
            let service = self.client.service();
            let op = operation(service, self.spec.request.operation)?;
            if let Some(shape) = op.input {
                if let J::Object(user) = view::to_json(service, shape, input) {
                    params::merge(&mut p, user);
                }
            }
        }
        Ok(p)
    }

    /// Pages of built resources (identifiers and data views).
    pub fn built_pages(&self) -> BoxStream<'static, Result<Vec<Built>, Error<B::Error>>> {
        let spec = self.spec;
        let client = self.client.clone();
        let parent_ids = self.parent_ids.clone();
        let parent_data = self.parent_data.clone();
        let service = client.service();
        let op = match operation(service, spec.request.operation) {
            Ok(op) => op,
            Err(e) => return stream::once(async move { Err(e.into_error(spec.name)) }).boxed(),
        };
        let params = match self.request() {
            Ok(p) => p,
            Err(e) => return stream::once(async move { Err(e.into_error(op.name)) }).boxed(),
        };
        let limit = self.limit;
        let to_built = move |params: &J, page: J| -> Result<Vec<Built>, Error<B::Error>> {
            let parent = Parent {
                identifiers: &parent_ids,
                data: parent_data.as_ref(),
            };
            let Some(res) = &spec.resource else {
                return Ok(Vec::new());
            };
            params::build_resources(res, &parent, params, &page, &[])
                .map(params::Shaped::into_vec)
                .map_err(|e| {
                    Error::Response(ResponseError {
                        status: 200,
                        request_id: None,
                        source: DeserializeError::new(op.name, e.to_string()),
                    })
                })
        };
        let params_view = J::Object(params.clone());
        let pages: BoxStream<'static, Result<J, Error<B::Error>>> = match (self.paginator, op.input)
        {
            (Some(pspec), Some(shape)) => {
                let mut json = J::Object(params);
                params::coerce(service, shape, &mut json);
                let input = match DynValue::from_json(service, shape, &json) {
                    Ok(i) => i,
                    Err(e) => {
                        let e = ResourceError::Spec(e.to_string());
                        return stream::once(async move { Err(e.into_error(op.name)) }).boxed();
                    }
                };
                let mut pager = Paginator::<PageRequest, DynValue, B::Error>::new(
                    client,
                    op,
                    pspec,
                    PageRequest(input),
                );
                if let Some(n) = self.page_size {
                    pager = pager.page_size(n);
                }
                // No `max_items`: the limit is counted below on the built
                // resources, since the paginator counts its first result key,
                // not always the collection's items (EC2 Reservations).
                let out_shape = op.output;
                pager
                    .send()
                    .map(move |page| {
                        page.map(|p| match out_shape {
                            Some(s) => p.to_json(service, s),
                            None => J::Null,
                        })
                    })
                    .boxed()
            }
            _ => stream::once(async move {
                call_json(&client, spec.request.operation, params)
                    .await
                    .map_err(|e| match e {
                        ResourceError::Call(e) => e.typed(),
                        e => e.into_error(op.name),
                    })
            })
            .boxed(),
        };
        let pages = pages
            .map(move |page| page.and_then(|p| to_built(&params_view, p)))
            .boxed();
        // At most `limit` items, and no request once it is reached.
        stream::unfold((pages, 0usize), move |(mut pages, count)| async move {
            if limit.is_some_and(|n| count >= n) {
                return None;
            }
            let page = pages.next().await?.map(|mut p| {
                if let Some(n) = limit {
                    p.truncate(n - count);
                }
                p
            });
            let count = count + page.as_ref().map_or(0, Vec::len);
            Some((page, (pages, count)))
        })
        .boxed()
    }

    /// A stream of pages of typed resources.
    pub fn pages(&self) -> BoxStream<'static, Result<Vec<R>, Error<B::Error>>> {
        let client = self.client.clone();
        let name = self.spec.name;
        self.built_pages()
            .map(move |page| {
                page.and_then(|p| {
                    p.into_iter()
                        .map(|b| R::from_built(&client, b).map_err(|e| e.into_response_error(name)))
                        .collect()
                })
            })
            .boxed()
    }

    /// A stream of typed resources; every call requests again.
    pub fn stream(&self) -> BoxStream<'static, Result<R, Error<B::Error>>> {
        self.pages()
            .flat_map(|page| match page {
                Ok(items) => stream::iter(items.into_iter().map(Ok).collect::<Vec<_>>()),
                Err(e) => stream::iter(vec![Err(e)]),
            })
            .boxed()
    }

    /// Every item, collected.
    pub async fn collect(&self) -> Result<Vec<R>, Error<B::Error>> {
        let mut out = Vec::new();
        let mut s = self.stream();
        while let Some(item) = s.next().await {
            out.push(item?);
        }
        Ok(out)
    }

    /// The client the collection lists with.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// A batch action: one request per page, each item's parameters at its
    /// index (`[*]` targets). The typed outputs, one per page.
    pub async fn batch<O, A>(
        &self,
        action: &'static ActionSpec,
    ) -> Result<Vec<O>, BatchError<B::Error, A>>
    where
        O: De + Default,
        A: OperationError,
    {
        self.batch_with(action, None).await
    }

    /// [`batch`](Self::batch) with the caller's parameters (the action
    /// operation's input) laid over the model's in every request: as boto3's
    /// `params.update(kwargs)`, except that structures merge, so S3's
    /// `Delete.Quiet` keeps the model's `Delete.Objects`.
    pub async fn batch_with<O, A>(
        &self,
        action: &'static ActionSpec,
        user: Option<&(dyn Ser + Sync)>,
    ) -> Result<Vec<O>, BatchError<B::Error, A>>
    where
        O: De + Default,
        A: OperationError,
    {
        let mut outputs = Vec::new();
        let service = self.client.service();
        let mut pages = self.built_pages();
        let op = operation(service, action.request.operation)
            .map_err(|e| BatchError::Action(e.into_error(action.name)))?;
        let user = match (user, op.input) {
            (Some(user), Some(shape)) => match view::to_json(service, shape, user) {
                J::Object(map) => map,
                _ => Map::new(),
            },
            _ => Map::new(),
        };
        while let Some(page) = pages.next().await {
            let page = page.map_err(BatchError::List)?;
            if page.is_empty() {
                continue;
            }
            let mut p = Map::new();
            for (i, item) in page.iter().enumerate() {
                let ids: Vec<(&'static str, String)> = self
                    .parent_ids
                    .iter()
                    .cloned()
                    .chain(item_identifiers(self.spec, item))
                    .collect();
                let parent = Parent {
                    identifiers: &ids,
                    data: item.data.as_ref(),
                };
                params::request_params(action.request.params, &parent, Some(i), &mut p)
                    .map_err(|e| BatchError::Action(e.into_error(op.name)))?;
            }
            params::overlay(&mut p, user.clone());
            let out = call_json(&self.client, action.request.operation, p)
                .await
                .map_err(|e| match e {
                    ResourceError::Call(e) => BatchError::Action(e.typed()),
                    e => BatchError::Action(e.into_error(op.name)),
                })?;
            let mut typed = O::default();
            if let Some(shape) = op.output {
                view::write(service, shape, &out, &mut typed).map_err(|e| {
                    BatchError::Action(Error::Response(ResponseError {
                        status: 200,
                        request_id: None,
                        source: DeserializeError::new(op.name, e.to_string()),
                    }))
                })?;
            }
            outputs.push(typed);
        }
        Ok(outputs)
    }
}

/// A listing request for the paginator: a [`DynValue`] that is a structure
/// even with no members. The paginator writes each page's request into
/// `default()`, and a request without parameters (`ListBuckets`) would
/// otherwise stay `DynValue::Empty`, which is no structure to the codecs.
struct PageRequest(DynValue);

impl Default for PageRequest {
    fn default() -> Self {
        PageRequest(DynValue::Struct(Vec::new()))
    }
}

impl Ser for PageRequest {
    fn value(&self) -> crate::value::ValueRef<'_> {
        self.0.value()
    }
}

impl De for PageRequest {
    fn init(&mut self) {
        self.0.init()
    }
    fn set(&mut self, value: crate::value::Scalar) -> Result<(), crate::value::DeError> {
        self.0.set(value)
    }
    fn member(&mut self, index: usize) -> Result<&mut dyn De, crate::value::DeError> {
        self.0.member(index)
    }
    fn push(&mut self) -> Result<&mut dyn De, crate::value::DeError> {
        self.0.push()
    }
    fn entry(&mut self, key: String) -> Result<&mut dyn De, crate::value::DeError> {
        self.0.entry(key)
    }
    fn expecting(&self) -> &'static str {
        self.0.expecting()
    }
}

/// The identifiers of a built item, named as the collection's resource spec names them.
fn item_identifiers(spec: &ActionSpec, item: &Built) -> Vec<(&'static str, String)> {
    let names = spec.resource.map(|r| r.identifiers).unwrap_or(&[]);
    names
        .iter()
        .map(|p| p.target)
        .zip(item.identifiers.iter().cloned())
        .collect()
}

impl<R, B> Collection<R, B>
where
    R: TypedResource + Send + 'static,
    B: CollectionOp,
{
    /// `Stream` of typed resources (same as [`stream`](Self::stream)).
    pub fn into_stream(self) -> impl Stream<Item = Result<R, Error<B::Error>>> {
        self.stream()
    }
}
