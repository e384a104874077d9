//! Where the bytes of documents live: an `object_store` store, a local directory by default
//! (beside the SQLite file), any store `object_store` parses from a URL otherwise (S3 and
//! S3-compatible ones when the backend is built with its `s3` feature).

use std::sync::Arc;

use bytes::Bytes;
use futures::stream::{BoxStream, StreamExt};
use object_store::local::LocalFileSystem;
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};

use crate::error::{Error, Result};

#[derive(Clone, Debug)]
pub struct DocumentStore {
    store: Arc<dyn ObjectStore>,
    /// Where the keys live in the store (the directory, or the path part of the URL). The
    /// database keeps keys relative to it, so that the store can move.
    prefix: ObjectPath,
    /// Where the store is, for start-up messages (no credentials: they are never in the URL).
    pub location: String,
}

fn store_error(e: object_store::Error) -> Error {
    Error::Internal(format!("document store: {e}"))
}

impl DocumentStore {
    /// A local directory, made at the first upload (so that opening a database makes no
    /// directory nobody uses).
    pub fn local(dir: &std::path::Path) -> Result<DocumentStore> {
        let absolute = if dir.is_absolute() {
            dir.to_path_buf()
        } else {
            std::env::current_dir().map_err(|e| Error::Internal(format!("no working directory: {e}")))?.join(dir)
        };
        let prefix = ObjectPath::from(absolute.to_string_lossy().as_ref());
        Ok(DocumentStore { store: Arc::new(LocalFileSystem::new()), prefix, location: absolute.display().to_string() })
    }

    /// A store by URL: `file:///srv/documents`, `memory://`, or (with the `s3` feature)
    /// `s3://bucket/prefix` configured by the usual `AWS_*` environment variables
    /// (`AWS_ENDPOINT` for an S3-compatible server).
    pub fn from_url(url: &str) -> Result<DocumentStore> {
        if let Some(path) = url.strip_prefix("file://") {
            return DocumentStore::local(std::path::Path::new(path));
        }
        let parsed = url::Url::parse(url).map_err(|e| Error::Internal(format!("documents URL {url:?}: {e}")))?;
        let env: Vec<(String, String)> =
            std::env::vars().filter(|(k, _)| k.starts_with("AWS_")).map(|(k, v)| (k.to_lowercase(), v)).collect();
        let (store, prefix) = object_store::parse_url_opts(&parsed, env).map_err(|e| {
            Error::Internal(format!(
                "documents URL {}://...: {e} (S3 needs the server built with the backend's `s3` feature)",
                parsed.scheme()
            ))
        })?;
        Ok(DocumentStore {
            store: Arc::from(store),
            prefix,
            location: format!("{}://{}", parsed.scheme(), parsed.host_str().unwrap_or("")),
        })
    }

    /// The default: a `documents` directory beside the SQLite file, or in the working
    /// directory for Postgres.
    pub fn beside_database(database_url: &str) -> Result<DocumentStore> {
        let sqlite_file = database_url.strip_prefix("sqlite://").or_else(|| database_url.strip_prefix("sqlite:"));
        let dir = match sqlite_file {
            Some(file) => {
                let file = std::path::Path::new(file.split('?').next().unwrap_or(file));
                file.parent().map(|p| p.join("documents")).unwrap_or_else(|| "documents".into())
            }
            None => "documents".into(),
        };
        DocumentStore::local(&dir)
    }

    /// A fresh key for one upload of a document's bytes (relative to the store). Each
    /// attempt gets its own, so that a failed attempt removes only what it wrote.
    pub(crate) fn new_key(&self, user_id: i64, uuid: &str) -> String {
        format!("kyc/{user_id}/{uuid}.{}", uuid::Uuid::new_v4().simple())
    }

    /// Where a stored key is in the store.
    fn located(&self, key: &str) -> ObjectPath {
        key.split('/').fold(self.prefix.clone(), |path, part| path.join(part))
    }

    pub(crate) async fn put(&self, key: &str, bytes: Bytes) -> Result<()> {
        self.store.put(&self.located(key), PutPayload::from_bytes(bytes)).await.map_err(store_error)?;
        Ok(())
    }

    /// The bytes as a stream, read from the store as they are sent.
    pub(crate) async fn get(&self, key: &str) -> Result<BoxStream<'static, std::io::Result<Bytes>>> {
        let found = match self.store.get(&self.located(key)).await {
            Err(object_store::Error::NotFound { .. }) => return Err(Error::NotFound),
            other => other.map_err(store_error)?,
        };
        Ok(found.into_stream().map(|chunk| chunk.map_err(std::io::Error::other)).boxed())
    }

    /// Whether the key holds bytes (the tests check that a refused upload stored nothing).
    pub async fn exists(&self, key: &str) -> Result<bool> {
        match self.store.head(&self.located(key)).await {
            Ok(_) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(e) => Err(store_error(e)),
        }
    }

    /// How many objects the store holds under the documents' prefix.
    pub async fn count(&self) -> Result<usize> {
        let prefix = self.prefix.clone().join("kyc");
        let listed: Vec<_> = self.store.list(Some(&prefix)).collect().await;
        let mut count = 0;
        for item in listed {
            match item {
                Ok(_) => count += 1,
                // Nothing was ever stored: the directory does not exist yet.
                Err(object_store::Error::NotFound { .. }) => {}
                Err(e) => return Err(store_error(e)),
            }
        }
        Ok(count)
    }

    pub(crate) async fn delete(&self, key: &str) -> Result<()> {
        match self.store.delete(&self.located(key)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(store_error(e)),
        }
    }
}
