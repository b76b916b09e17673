//! Static descriptions of boto3's `resources-1.json`, as the generator emits them.

use crate::schema::ShapeId;

/// Where a request parameter or a new resource's identifier comes from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Source {
    /// The parent resource's identifier of this name.
    Identifier(&'static str),
    /// A JMESPath expression on the parent's loaded data.
    Data(&'static str),
    /// A literal string (`source: string`, its `value`).
    String(&'static str),
    /// A literal integer (`source: integer`).
    Integer(i64),
    /// A literal boolean (`source: boolean`).
    Boolean(bool),
    /// Given by the caller (a setter on the builder, an argument of a constructor).
    Input,
    /// A JMESPath expression on the response.
    Response(&'static str),
    /// A JMESPath expression on the request parameters.
    RequestParameter(&'static str),
}

/// One parameter: `target` in boto3's forms (`A.B`, `A[0]`, `A[]`, `A[*]`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Param {
    /// Where the value goes: a request member path, or an identifier name.
    pub target: &'static str,
    /// Where the value comes from.
    pub source: Source,
}

/// A request: the operation (index into the service's operations) and the
/// parameters the model fills.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RequestSpec {
    /// Index of the operation in the service's `operations`.
    pub operation: usize,
    /// The model's `params`; members the caller sets win, as in boto3 (`params.update(kwargs)`).
    pub params: &'static [Param],
}

/// Resources made from a response (or from a parent, for `has`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ResponseResource {
    /// Index of the resource type in the crate's `RESOURCES` table.
    pub resource: usize,
    /// One per identifier of the resource type, in its order (`target` = identifier name).
    pub identifiers: &'static [Param],
    /// JMESPath to each resource's data in the response.
    pub path: Option<&'static str>,
    /// The first identifier's list times the others' (zipped) lists, rather
    /// than all zipped: boto3's ec2 `create_tags` customization (a tag per
    /// resource and tag).
    pub product: bool,
}

/// An action, a batch action or a collection.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ActionSpec {
    /// The model's name (`AttachPolicy`).
    pub name: &'static str,
    /// The request the action sends.
    pub request: RequestSpec,
    /// The resources built from the response, when the action returns some.
    pub resource: Option<ResponseResource>,
    /// JMESPath on the response for actions not returning resources.
    pub path: Option<&'static str>,
}

/// A resource waiter: the client waiter, with parameters filled.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WaiterSpec {
    /// The resource waiter's model name (`Exists`, run as `wait_until_exists`).
    pub name: &'static str,
    /// `waiterName`: the client waiter it runs (`BucketExists`).
    pub waiter_name: &'static str,
    /// Parameters filled from the resource, usually its identifiers.
    pub params: &'static [Param],
    /// `path`, as the model gives it.
    pub path: Option<&'static str>,
}

/// A resource's `load`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LoadSpec {
    /// The request `load` sends.
    pub request: RequestSpec,
    /// JMESPath to the data in the response.
    pub path: &'static str,
    /// With `find`, `path` is a list and the data is its item whose member
    /// equals the identifier (boto3's S3 `Bucket.load` through ListBuckets).
    pub find: Option<Find>,
}

/// The item of a list whose `member` equals identifier `identifier`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Find {
    /// The member of each item compared (`Name`).
    pub member: &'static str,
    /// The resource identifier it must equal (`Name`).
    pub identifier: &'static str,
}

/// One resource type.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ResourceSpec {
    /// The model's name (`User`), or `ServiceResource`.
    pub name: &'static str,
    /// Identifier names, in order.
    pub identifiers: &'static [&'static str],
    /// The shape of the resource's data.
    pub shape: Option<ShapeId>,
    /// How to fetch the data, when the model has a `load`.
    pub load: Option<LoadSpec>,
}

/// What a resource type has, by model name and generated Rust name: what the
/// "every item is generated" test walks.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ResourceIndex {
    /// The resource's model name (`User`), or `ServiceResource`.
    pub name: &'static str,
    /// `(model name, Rust method)` per kind.
    pub actions: &'static [(&'static str, &'static str)],
    /// Batch actions on a collection's resources.
    pub batch_actions: &'static [(&'static str, &'static str)],
    /// `has`: sub-resources built from identifiers or data.
    pub has: &'static [(&'static str, &'static str)],
    /// `hasMany`: collections.
    pub has_many: &'static [(&'static str, &'static str)],
    /// Resource waiters (`wait_until_*`).
    pub waiters: &'static [(&'static str, &'static str)],
    /// Attributes of the data shape: `(member, accessor)`.
    pub attributes: &'static [(&'static str, &'static str)],
}
