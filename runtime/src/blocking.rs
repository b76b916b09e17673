//! Synchronous calls, for programs without async code and for the plain
//! threads of async programs: what the generated crates' `blocking`
//! feature builds its `blocking::Client` on.
//!
//! A [`Runtime`] is a tokio runtime running in the background (one shared
//! by the process, [`Runtime::shared`], or one of the client's own,
//! [`Runtime::new`]). [`Runtime::block_on`] polls a future on the calling
//! thread, parked between wakeups, inside that runtime's context: sockets,
//! timers and the connection pool's tasks are driven by the runtime's
//! thread, so any future (borrowing or not) can be waited on, from any
//! thread, and never panics as a nested `Runtime::block_on` would. Waiting
//! from an async task blocks that task's worker thread, as any blocking
//! call does: use the async client there.

use std::future::{Future, IntoFuture};
use std::pin::pin;
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll, Wake, Waker};

use futures_util::{Stream, StreamExt};

use crate::error::{Error, OperationError};
use crate::paginator::{PageInput, Paginated};
use crate::waiter::Wait as AsyncWait;

/// A background tokio runtime the blocking calls run on.
#[derive(Clone, Debug)]
pub struct Runtime {
    handle: tokio::runtime::Handle,
    /// Kept alive while a client holds it (`None` for the shared one).
    _own: Option<Arc<tokio::runtime::Runtime>>,
}

impl Runtime {
    /// The process's shared runtime: one worker thread, started on first use.
    pub fn shared() -> Result<Runtime, std::io::Error> {
        static SHARED: OnceLock<Result<tokio::runtime::Runtime, String>> = OnceLock::new();
        let rt = SHARED.get_or_init(|| build(1).map_err(|e| e.to_string()));
        match rt {
            Ok(rt) => Ok(Runtime {
                handle: rt.handle().clone(),
                _own: None,
            }),
            Err(e) => Err(std::io::Error::other(e.clone())),
        }
    }

    /// A runtime of its own with `threads` worker threads (at least one),
    /// stopped when the last client holding it is dropped.
    pub fn new(threads: usize) -> Result<Runtime, std::io::Error> {
        let rt = build(threads.max(1))?;
        Ok(Runtime {
            handle: rt.handle().clone(),
            _own: Some(Arc::new(rt)),
        })
    }

    /// Runs on a runtime the program already has: a multi-thread one, or
    /// one driven by another thread (a current-thread runtime driven only
    /// by the thread that waits would never make progress).
    pub fn from_handle(handle: tokio::runtime::Handle) -> Runtime {
        Runtime { handle, _own: None }
    }

    /// The runtime's handle.
    pub fn handle(&self) -> &tokio::runtime::Handle {
        &self.handle
    }

    /// Waits for `future` on this thread, the runtime driving its I/O and timers.
    pub fn block_on<F: IntoFuture>(&self, future: F) -> F::Output {
        let _context = self.handle.enter();
        let mut future = pin!(future.into_future());
        let waker = Waker::from(Arc::new(Unpark(std::thread::current())));
        let mut cx = Context::from_waker(&waker);
        loop {
            if let Poll::Ready(out) = future.as_mut().poll(&mut cx) {
                return out;
            }
            std::thread::park();
        }
    }

    /// The items of `stream`, each waited for in turn.
    pub fn iter<S: Stream>(&self, stream: S) -> Iter<S> {
        Iter {
            runtime: self.clone(),
            stream: Box::pin(stream),
        }
    }
}

fn build(threads: usize) -> Result<tokio::runtime::Runtime, std::io::Error> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(threads)
        .thread_name("boto-blocking")
        .enable_all()
        .build()
}

/// Wakes the thread waiting in [`Runtime::block_on`].
struct Unpark(std::thread::Thread);

impl Wake for Unpark {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }
    fn wake_by_ref(self: &Arc<Self>) {
        self.0.unpark();
    }
}

/// A stream as an [`Iterator`]: [`Runtime::iter`].
#[derive(Debug)]
pub struct Iter<S> {
    runtime: Runtime,
    stream: std::pin::Pin<Box<S>>,
}

impl<S: Stream> Iterator for Iter<S> {
    type Item = S::Item;
    fn next(&mut self) -> Option<S::Item> {
        let Iter { runtime, stream } = self;
        runtime.block_on(stream.next())
    }
}

/// The builder mode of a blocking client's operations: `send()` waits.
#[derive(Clone, Debug)]
pub struct Blocking {
    runtime: Runtime,
}

impl Blocking {
    /// A mode running on `runtime`.
    pub fn new(runtime: Runtime) -> Blocking {
        Blocking { runtime }
    }
    /// The runtime calls wait on.
    pub fn runtime(&self) -> &Runtime {
        &self.runtime
    }
}

/// The builder mode of a blocking client's waiters: `wait()` blocks.
#[derive(Clone, Debug)]
pub struct BlockingWait {
    wait: AsyncWait,
    runtime: Runtime,
}

impl BlockingWait {
    /// A wait on `wait`'s waiter running on `runtime`.
    pub fn new(wait: AsyncWait, runtime: Runtime) -> BlockingWait {
        BlockingWait { wait, runtime }
    }
    /// The waiter and its settings.
    pub fn wait(&self) -> &AsyncWait {
        &self.wait
    }
    /// The runtime the wait blocks on.
    pub fn runtime(&self) -> &Runtime {
        &self.runtime
    }
}

impl crate::waiter::WaitSettings for BlockingWait {
    fn settings(&mut self) -> &mut AsyncWait {
        &mut self.wait
    }
}

/// A paginated call of a blocking client: pages and items as iterators.
pub struct Paginator<I, O, E> {
    inner: crate::paginator::Paginator<I, O, E>,
    runtime: Runtime,
}

impl<I, O, E> std::fmt::Debug for Paginator<I, O, E>
where
    crate::paginator::Paginator<I, O, E>: std::fmt::Debug,
{
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.inner.fmt(f)
    }
}

impl<I: PageInput, O: PageInput, E: OperationError> Paginator<I, O, E> {
    /// What generated blocking `into_paginator()` methods return.
    pub fn new(inner: crate::paginator::Paginator<I, O, E>, runtime: Runtime) -> Self {
        Paginator { inner, runtime }
    }

    /// Items per page ([`crate::paginator::Paginator::page_size`]).
    pub fn page_size(mut self, size: impl Into<i64>) -> Self {
        self.inner = self.inner.page_size(size);
        self
    }

    /// Stop after this many items ([`crate::paginator::Paginator::max_items`]).
    pub fn max_items(mut self, items: usize) -> Self {
        self.inner = self.inner.max_items(items);
        self
    }

    /// Resume from a token ([`crate::paginator::Paginator::starting_token`]).
    pub fn starting_token(mut self, token: impl Into<String>) -> Self {
        self.inner = self.inner.starting_token(token);
        self
    }

    /// Every page, fetched as the iterator is advanced.
    pub fn pages(self) -> Iter<crate::paginator::Pages<I, O, E>> {
        self.runtime.iter(self.inner.send())
    }

    /// The items of the first result key, fetched page by page.
    pub fn items(self) -> Iter<crate::paginator::Items<O::Item, I, O, E>>
    where
        O: Paginated,
        O::Item: Send + 'static,
    {
        self.runtime.iter(self.inner.items())
    }

    /// Every page merged into one output (botocore's `build_full_result`).
    pub fn build_full_result(self) -> Result<O, Error<E>> {
        self.runtime.block_on(self.inner.build_full_result())
    }
}
