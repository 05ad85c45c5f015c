//! A fault-injecting object store for tests (cargo feature `faults`): it wraps a real store
//! and makes chosen calls fail, or slow, the way a network store or a full disk does.
//!
//! - every Nth call fails (a call: a put, a multipart upload's start, part or completion, a
//!   get, a list, a delete, a copy);
//! - only calls whose path contains a given text count, when one is given;
//! - every call may first sleep;
//! - a multipart upload may fail after some parts have been written, or on completion;
//! - a put may be stored and still report failure (a timeout after the write landed).
//!
//! Injected errors are `object_store::Error::Generic` naming the call and the path.

use std::fmt;
use std::ops::Range;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use futures::StreamExt;
use futures::stream::BoxStream;
use object_store::path::Path;
use object_store::{
    CopyOptions, GetOptions, GetResult, ListResult, MultipartUpload, ObjectMeta, ObjectStore,
    ObjectStoreExt, PutMultipartOptions, PutOptions, PutPayload, PutResult, Result, UploadPart,
};

/// How a multipart upload fails.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MultipartFault {
    /// Parts upload; completing fails.
    OnComplete,
    /// The first N parts upload; the next fails.
    AfterParts(u64),
}

/// The faults to inject.
#[derive(Clone, Debug, Default)]
pub struct Faults {
    /// Every Nth counted call fails (`Some(1)`: every call).
    pub fail_every: Option<u64>,
    /// Only calls whose path contains this are counted and may fail.
    pub only_paths: Option<String>,
    /// Only calls of this kind (`put`, `put_multipart`, `get`, `list`, `delete`, ...) are
    /// counted and may fail.
    pub only_op: Option<&'static str>,
    /// Every call sleeps this long first.
    pub delay: Option<Duration>,
    /// Multipart uploads (of counted paths) fail this way.
    pub multipart: Option<MultipartFault>,
    /// Puts of counted paths are stored, then reported as failed.
    pub put_lands_then_fails: bool,
}

/// An object store that injects [`Faults`] into another.
#[derive(Debug)]
pub struct FaultyStore {
    inner: Arc<dyn ObjectStore>,
    faults: Mutex<Faults>,
    calls: Arc<AtomicU64>,
    injected: Arc<Mutex<Vec<String>>>,
}

impl fmt::Display for FaultyStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "FaultyStore({})", self.inner)
    }
}

fn injected(what: String) -> object_store::Error {
    object_store::Error::Generic {
        store: "faults",
        source: what.into(),
    }
}

impl FaultyStore {
    /// Wraps `inner` with `faults`.
    pub fn new(inner: Arc<dyn ObjectStore>, faults: Faults) -> Arc<Self> {
        Arc::new(FaultyStore {
            inner,
            faults: Mutex::new(faults),
            calls: Arc::new(AtomicU64::new(0)),
            injected: Arc::new(Mutex::new(Vec::new())),
        })
    }

    /// Replaces the faults (and restarts the count).
    pub fn set(&self, faults: Faults) {
        *self.faults.lock().unwrap() = faults;
        self.calls.store(0, Ordering::SeqCst);
    }

    /// The counted calls so far.
    pub fn calls(&self) -> u64 {
        self.calls.load(Ordering::SeqCst)
    }

    /// The faults injected so far, as `call path`.
    pub fn injected(&self) -> Vec<String> {
        self.injected.lock().unwrap().clone()
    }

    fn faults(&self) -> Faults {
        self.faults.lock().unwrap().clone()
    }

    fn counts(&self, path: &Path) -> bool {
        match &self.faults().only_paths {
            Some(text) => path.as_ref().contains(text.as_str()),
            None => true,
        }
    }

    fn counter(&self) -> Counter {
        Counter {
            faults: self.faults(),
            calls: self.calls.clone(),
            injected: self.injected.clone(),
        }
    }

    /// Sleeps if asked, counts the call, and fails it when its turn has come.
    async fn call(&self, op: &str, path: &Path) -> Result<()> {
        if let Some(delay) = self.faults().delay {
            tokio::time::sleep(delay).await;
        }
        match self.counter().check(op, path) {
            Some(error) => Err(error),
            None => Ok(()),
        }
    }
}

#[async_trait]
impl ObjectStore for FaultyStore {
    async fn put_opts(
        &self,
        location: &Path,
        payload: PutPayload,
        opts: PutOptions,
    ) -> Result<PutResult> {
        self.call("put", location).await?;
        let result = self.inner.put_opts(location, payload, opts).await?;
        if self.faults().put_lands_then_fails && self.counts(location) {
            let n = self.calls();
            return Err(self
                .counter()
                .inject("put (stored, reported failed)", location, n));
        }
        Ok(result)
    }

    async fn put_multipart_opts(
        &self,
        location: &Path,
        opts: PutMultipartOptions,
    ) -> Result<Box<dyn MultipartUpload>> {
        self.call("put_multipart", location).await?;
        let inner = self.inner.put_multipart_opts(location, opts).await?;
        let counted = self.counts(location);
        Ok(Box::new(FaultyUpload {
            inner,
            location: location.clone(),
            fault: self.faults().multipart.filter(|_| counted),
            parts: 0,
        }))
    }

    async fn get_opts(&self, location: &Path, options: GetOptions) -> Result<GetResult> {
        self.call("get", location).await?;
        self.inner.get_opts(location, options).await
    }

    async fn get_ranges(&self, location: &Path, ranges: &[Range<u64>]) -> Result<Vec<Bytes>> {
        self.call("get_ranges", location).await?;
        self.inner.get_ranges(location, ranges).await
    }

    fn delete_stream(
        &self,
        locations: BoxStream<'static, Result<Path>>,
    ) -> BoxStream<'static, Result<Path>> {
        // Each deletion is a call; the ones whose turn it is fail before reaching the store.
        let counter = self.counter();
        let inner = self.inner.clone();
        locations
            .then(move |location| {
                let counter = counter.clone();
                let inner = inner.clone();
                async move {
                    let location = location?;
                    if let Some(error) = counter.check("delete", &location) {
                        return Err(error);
                    }
                    inner.delete(&location).await.map(|()| location)
                }
            })
            .boxed()
    }

    fn list(&self, prefix: Option<&Path>) -> BoxStream<'static, Result<ObjectMeta>> {
        let path = prefix.cloned().unwrap_or_default();
        match self.counter().check("list", &path) {
            Some(error) => futures::stream::once(async move { Err(error) }).boxed(),
            None => self.inner.list(prefix),
        }
    }

    async fn list_with_delimiter(&self, prefix: Option<&Path>) -> Result<ListResult> {
        let path = prefix.cloned().unwrap_or_default();
        self.call("list_with_delimiter", &path).await?;
        self.inner.list_with_delimiter(prefix).await
    }

    async fn copy_opts(&self, from: &Path, to: &Path, options: CopyOptions) -> Result<()> {
        self.call("copy", to).await?;
        self.inner.copy_opts(from, to, options).await
    }
}

/// The counting and failing of calls, shareable with the streams of `list` and `delete`.
#[derive(Clone, Debug)]
struct Counter {
    faults: Faults,
    calls: Arc<AtomicU64>,
    injected: Arc<Mutex<Vec<String>>>,
}

impl Counter {
    /// Counts a call on `path`; the error to return when its turn to fail has come.
    fn check(&self, op: &str, path: &Path) -> Option<object_store::Error> {
        if let Some(text) = &self.faults.only_paths
            && !path.as_ref().contains(text.as_str())
        {
            return None;
        }
        if self.faults.only_op.is_some_and(|only| only != op) {
            return None;
        }
        let n = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
        match self.faults.fail_every {
            Some(every) if every > 0 && n.is_multiple_of(every) => Some(self.inject(op, path, n)),
            _ => None,
        }
    }

    fn inject(&self, op: &str, path: &Path, n: u64) -> object_store::Error {
        let what = format!("{op} {path}");
        self.injected.lock().unwrap().push(what.clone());
        injected(format!("injected fault on call {n}: {what}"))
    }
}

/// A multipart upload that fails as its [`MultipartFault`] says.
#[derive(Debug)]
struct FaultyUpload {
    inner: Box<dyn MultipartUpload>,
    location: Path,
    fault: Option<MultipartFault>,
    parts: u64,
}

#[async_trait]
impl MultipartUpload for FaultyUpload {
    fn put_part(&mut self, data: PutPayload) -> UploadPart {
        self.parts += 1;
        match self.fault {
            Some(MultipartFault::AfterParts(n)) if self.parts > n => {
                let what = format!(
                    "injected fault: part {} of {} after {n} parts",
                    self.parts, self.location
                );
                Box::pin(async move { Err(injected(what)) })
            }
            _ => self.inner.put_part(data),
        }
    }

    async fn complete(&mut self) -> Result<PutResult> {
        if self.fault == Some(MultipartFault::OnComplete) {
            return Err(injected(format!(
                "injected fault: completing the upload of {} ({} parts written)",
                self.location, self.parts
            )));
        }
        self.inner.complete().await
    }

    async fn abort(&mut self) -> Result<()> {
        self.inner.abort().await
    }
}
