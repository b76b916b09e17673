//! The paging loop, as botocore's `PageIterator` runs it, on untyped values:
//! the request is the input's JSON view with tokens injected, each response
//! is read through `&dyn Ser`. Typed wrappers (in the parent module) only
//! materialize requests and pages.

use serde_json::{Map, Value as J};

use super::path;
use super::token::{self, TRUNCATE_AMOUNT};
use super::{PaginationError, PaginatorSpec};
use crate::jmespath::{cached, truthy, Compiled};
use crate::schema::{Operation, Service, ShapeId, ShapeKind};
use crate::value::Ser;
use crate::view;

/// What the user asked of the paginator.
#[derive(Debug, Clone, Default)]
pub(crate) struct Settings {
    pub page_size: Option<i64>,
    pub max_items: Option<usize>,
    pub starting_token: Option<String>,
}

#[derive(Debug)]
enum State {
    Ready,
    /// The next request must not be sent: report this instead.
    Failing(PaginationError),
    Done,
}

#[derive(Debug)]
pub(crate) struct Engine {
    pub service: &'static Service,
    pub operation: &'static Operation,
    pub spec: &'static PaginatorSpec,
    input_shape: ShapeId,
    output_shape: ShapeId,
    /// The next request's input view (botocore's `op_kwargs`, changed in place).
    kwargs: Map<String, J>,
    /// Input token values that produced the current page.
    next_token: Map<String, J>,
    previous_token: Option<Map<String, J>>,
    max_items: Option<usize>,
    resuming: bool,
    start_truncation: usize,
    total_items: usize,
    first_page: bool,
    state: State,
    resume_token: Option<String>,
    non_aggregate: Map<String, J>,
}

impl Engine {
    pub fn new(
        service: &'static Service,
        operation: &'static Operation,
        spec: &'static PaginatorSpec,
        input: &dyn Ser,
        settings: Settings,
    ) -> Engine {
        let mut engine = Engine {
            service,
            operation,
            spec,
            input_shape: operation.input.unwrap_or(0),
            output_shape: operation.output.unwrap_or(0),
            kwargs: Map::new(),
            next_token: spec
                .input_tokens
                .iter()
                .map(|t| ((*t).to_owned(), J::Null))
                .collect(),
            previous_token: None,
            max_items: settings.max_items,
            resuming: settings.starting_token.is_some(),
            start_truncation: 0,
            total_items: 0,
            first_page: true,
            state: State::Ready,
            resume_token: None,
            non_aggregate: Map::new(),
        };
        if let Err(e) = engine.start(input, settings) {
            engine.state = State::Failing(e);
        }
        engine
    }

    fn start(&mut self, input: &dyn Ser, settings: Settings) -> Result<(), PaginationError> {
        let (Some(input_shape), Some(output_shape)) = (self.operation.input, self.operation.output)
        else {
            return Err(self.spec_error("the operation needs both an input and an output"));
        };
        self.input_shape = input_shape;
        self.output_shape = output_shape;
        if let J::Object(kwargs) = view::to_json(self.service, input_shape, input) {
            self.kwargs = kwargs;
        }
        if let Some(starting) = settings.starting_token {
            let decoded = token::decode(&starting, self.spec.input_tokens).map_err(|reason| {
                PaginationError::BadStartingToken {
                    operation: self.spec.operation,
                    reason,
                }
            })?;
            self.start_truncation = decoded.truncate_amount;
            self.next_token = decoded.tokens;
            inject(&mut self.kwargs, &self.next_token);
        }
        if let Some(size) = settings.page_size {
            let limit_key = self.spec.limit_key.ok_or(PaginationError::NoLimitKey {
                operation: self.spec.operation,
            })?;
            // The member's type (integer or string) is applied when the view is written.
            self.kwargs.insert(limit_key.to_owned(), J::from(size));
        }
        Ok(())
    }

    /// The input view of the next request, or `None` when paging is over.
    pub fn next_request(&mut self) -> Result<Option<Map<String, J>>, PaginationError> {
        match std::mem::replace(&mut self.state, State::Done) {
            State::Ready => {
                self.state = State::Ready;
                Ok(Some(self.kwargs.clone()))
            }
            State::Failing(e) => Err(e),
            State::Done => Ok(None),
        }
    }

    /// Stops paging (after an error).
    pub fn stop(&mut self) {
        self.state = State::Done;
    }

    pub fn resume_token(&self) -> Option<&str> {
        self.resume_token.as_deref()
    }

    pub fn input_shape(&self) -> ShapeId {
        self.input_shape
    }

    pub fn output_shape(&self) -> ShapeId {
        self.output_shape
    }

    /// The `non_aggregate_keys` of the first page.
    pub fn non_aggregate(&self) -> &Map<String, J> {
        &self.non_aggregate
    }

    /// Takes in a response. Returns the page's view when the page must be
    /// replaced by it: items cut off at the start (resuming mid-page) or the
    /// end (`max_items` reached mid-page).
    pub fn after_page(&mut self, page: &dyn Ser) -> Result<Option<J>, PaginationError> {
        let (service, shape) = (self.service, self.output_shape);
        let primary = self.spec.result_keys.first().copied();
        let mut rewritten: Option<J> = None;
        let mut starting_truncation = 0;
        if self.first_page {
            if self.resuming {
                starting_truncation = self.start_truncation;
                let mut full = view::to_json(service, shape, page);
                self.cut_first_page(&mut full, starting_truncation);
                rewritten = Some(full);
            }
            self.first_page = false;
            self.record_non_aggregate(page, rewritten.as_ref());
        }
        let count = match (primary, &rewritten) {
            (None, _) => 0,
            (Some(key), Some(full)) => path::len_of_json(path::get(full, key)),
            (Some(key), None) => {
                let found = path::lookup(service, shape, page, key);
                path::len_of(service, found.map_or(shape, |f| f.1), found.map(|f| f.0))
            }
        };
        if let Some(max) = self.max_items {
            if self.total_items + count > max {
                let keep = max - self.total_items;
                let mut full = rewritten.unwrap_or_else(|| view::to_json(service, shape, page));
                if let (Some(key), J::Object(obj)) = (primary, &mut full) {
                    let kept = path::take(path::get_in(obj, key), keep);
                    path::set(obj, key, kept);
                }
                let mut resume = self.next_token.clone();
                resume.insert(
                    TRUNCATE_AMOUNT.to_owned(),
                    J::from(keep + starting_truncation),
                );
                self.set_resume_token(resume)?;
                self.state = State::Done;
                return Ok(Some(full));
            }
        }
        self.total_items += count;
        let next = self.next_token_of(page, rewritten.as_ref())?;
        if next.values().all(J::is_null) {
            self.state = State::Done;
            return Ok(rewritten);
        }
        if self.max_items == Some(self.total_items) {
            // On a page boundary: the next page's token resumes.
            self.set_resume_token(next)?;
            self.state = State::Done;
            return Ok(rewritten);
        }
        if self.previous_token.as_ref() == Some(&next) {
            self.state = State::Failing(PaginationError::RepeatedToken {
                operation: self.spec.operation,
                token: J::Object(next).to_string(),
            });
            return Ok(rewritten);
        }
        inject(&mut self.kwargs, &next);
        self.previous_token = Some(next.clone());
        self.next_token = next;
        Ok(rewritten)
    }

    /// Resuming: drop the items of the first page seen before the token was
    /// made, and reset the other result keys as botocore does.
    fn cut_first_page(&self, full: &mut J, amount: usize) {
        let J::Object(obj) = full else { return };
        for (i, key) in self.spec.result_keys.iter().enumerate() {
            let current = path::get_in(obj, key);
            let value = if i == 0 {
                path::skip(current, amount)
            } else {
                match current {
                    J::Array(_) => J::Array(Vec::new()),
                    J::String(_) => J::String(String::new()),
                    J::Number(_) => current.clone(),
                    _ => J::Null,
                }
            };
            path::set(obj, key, value);
        }
    }

    fn record_non_aggregate(&mut self, page: &dyn Ser, full: Option<&J>) {
        let mut part = Map::new();
        for key in self.spec.non_aggregate_keys {
            let value = match full {
                Some(full) => path::get(full, key).clone(),
                None => path::view_at(self.service, self.output_shape, page, key),
            };
            path::set(&mut part, key, value);
        }
        self.non_aggregate = part;
    }

    /// The input tokens for the page after `page` (all `null`: no more pages).
    fn next_token_of(
        &self,
        page: &dyn Ser,
        full: Option<&J>,
    ) -> Result<Map<String, J>, PaginationError> {
        let spec = self.spec;
        let compile = |e: &'static str| cached(e).map_err(|e| self.spec_error(e.to_string()));
        let more = spec.more_results.map(compile).transpose()?;
        let outputs = spec
            .output_tokens
            .iter()
            .map(|e| compile(e))
            .collect::<Result<Vec<_>, _>>()?;
        let owned;
        let view = match full {
            Some(full) => full,
            None => {
                let roots = outputs.iter().chain(&more).map(|c| c.roots());
                owned = self.partial_view(page, roots);
                &owned
            }
        };
        let search = |c: &Compiled| match c.as_path() {
            // Plain paths keep the view's member order (JMESPath sorts object keys).
            Some(p) => Ok(path::get(view, p).clone()),
            None => c.search(view).map_err(|e| self.spec_error(e.to_string())),
        };
        if let Some(more) = &more {
            if !truthy(&search(more)?) {
                return Ok(Map::new());
            }
        }
        let mut next = Map::new();
        for (output, input) in outputs.iter().zip(spec.input_tokens) {
            let value = search(output)?;
            // Empty strings (and other falsy values) are no token.
            let value = if truthy(&value) { value } else { J::Null };
            next.insert((*input).to_owned(), value);
        }
        Ok(next)
    }

    /// The view of only the members the expressions read.
    fn partial_view<'r>(
        &self,
        page: &dyn Ser,
        roots: impl Iterator<Item = Option<&'r [String]>>,
    ) -> J {
        let mut names: Vec<&str> = Vec::new();
        for r in roots {
            match r {
                Some(r) => names.extend(r.iter().map(String::as_str)),
                None => return view::to_json(self.service, self.output_shape, page),
            }
        }
        let mut obj = Map::new();
        for name in names {
            if !obj.contains_key(name) {
                let value = path::view_at(self.service, self.output_shape, page, name);
                if !value.is_null() {
                    obj.insert(name.to_owned(), value);
                }
            }
        }
        J::Object(obj)
    }

    fn set_resume_token(&mut self, state: Map<String, J>) -> Result<(), PaginationError> {
        let mut expected: Vec<&str> = self.spec.input_tokens.to_vec();
        if state.contains_key(TRUNCATE_AMOUNT) {
            expected.push(TRUNCATE_AMOUNT);
        }
        expected.sort_unstable();
        let mut got: Vec<&str> = state.keys().map(String::as_str).collect();
        got.sort_unstable();
        if got != expected {
            return Err(PaginationError::BadStartingToken {
                operation: self.spec.operation,
                reason: format!("a resume state needs keys {expected:?}, found {got:?}"),
            });
        }
        let input = self.service.shape(self.input_shape).structure();
        let mut blobs = Vec::new();
        for (name, value) in &state {
            let member = input.and_then(|st| st.member_named(name).map(|(_, m)| m.target));
            if let Some(target) = member {
                let mut at = vec![J::from(name.as_str())];
                blob_paths(self.service, target, value, &mut at, &mut blobs);
            }
        }
        self.resume_token = Some(token::encode(&state, blobs));
        Ok(())
    }

    fn spec_error(&self, message: impl Into<String>) -> PaginationError {
        PaginationError::Spec {
            operation: self.spec.operation,
            message: message.into(),
        }
    }
}

/// botocore's `_inject_token_into_kwargs`: set present tokens, drop absent ones.
fn inject(kwargs: &mut Map<String, J>, tokens: &Map<String, J>) {
    for (name, value) in tokens {
        if value.is_null() || value.as_str() == Some("None") {
            kwargs.shift_remove(name);
        } else {
            kwargs.insert(name.clone(), value.clone());
        }
    }
}

/// Paths of binary values in `value` (a view of shape `shape`): botocore
/// lists them in `boto_encoded_keys`.
fn blob_paths(service: &Service, shape: ShapeId, value: &J, at: &mut Vec<J>, out: &mut Vec<J>) {
    match (&service.shape(shape).kind, value) {
        (ShapeKind::Blob, J::String(_)) => out.push(J::Array(at.clone())),
        (ShapeKind::Structure(st), J::Object(obj)) if !st.document => {
            for (k, v) in obj {
                if let Some((_, m)) = st.member_named(k) {
                    at.push(J::from(k.as_str()));
                    blob_paths(service, m.target, v, at, out);
                    at.pop();
                }
            }
        }
        (ShapeKind::List { member }, J::Array(items)) => {
            for (i, v) in items.iter().enumerate() {
                at.push(J::from(i));
                blob_paths(service, member.target, v, at, out);
                at.pop();
            }
        }
        (ShapeKind::Map { value: vm, .. }, J::Object(obj)) => {
            for (k, v) in obj {
                at.push(J::from(k.as_str()));
                blob_paths(service, vm.target, v, at, out);
                at.pop();
            }
        }
        _ => {}
    }
}

/// Adds a page to the merged result as botocore's `build_full_result` does:
/// lists are concatenated, numbers summed, strings joined; anything else
/// keeps the first page's value.
pub(crate) fn merge_page(
    complete: &mut Map<String, J>,
    service: &Service,
    shape: ShapeId,
    spec: &PaginatorSpec,
    page: &dyn Ser,
) {
    for key in spec.result_keys {
        let value = path::view_at(service, shape, page, key);
        if value.is_null() {
            continue;
        }
        let Some(existing) = path::get_mut_in(complete, key).filter(|v| !v.is_null()) else {
            path::set(complete, key, value);
            continue;
        };
        match (existing, value) {
            (J::Array(a), J::Array(b)) => a.extend(b),
            (J::Number(a), J::Number(b)) => {
                let sum = match (a.as_i64(), b.as_i64()) {
                    (Some(x), Some(y)) => Some(serde_json::Number::from(x.saturating_add(y))),
                    _ => serde_json::Number::from_f64(
                        a.as_f64().unwrap_or(0.0) + b.as_f64().unwrap_or(0.0),
                    ),
                };
                if let Some(sum) = sum {
                    *a = sum;
                }
            }
            (J::String(a), J::String(b)) => a.push_str(&b),
            _ => {}
        }
    }
}
