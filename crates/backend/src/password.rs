//! Password hashing: argon2id with the crate's defaults (the OWASP baseline), always off the
//! async runtime because one hash costs tens of milliseconds of CPU.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use rand_core::{OsRng, RngCore};
use std::sync::OnceLock;

use crate::error::{Error, Result};

fn hash_blocking(password: &str) -> Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| Error::Internal(format!("argon2 hash failed: {e}")))
}

fn verify_blocking(password: &str, hash: &str) -> bool {
    match PasswordHash::new(hash) {
        Ok(parsed) => Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok(),
        Err(_) => false,
    }
}

/// The argon2 computations a service runs at once: two per core. Beyond, a request is
/// refused at once (503) rather than queued behind hundreds of 19 MiB hashes while the
/// machine stops answering anything else (a burst of bad logins must not do that).
#[derive(Clone)]
pub struct HashSlots(std::sync::Arc<tokio::sync::Semaphore>);

/// Two per core: the slots of one service, and the process's hashing threads.
fn hashes_at_once() -> usize {
    2 * std::thread::available_parallelism().map_or(2, |n| n.get())
}

impl HashSlots {
    pub fn for_this_machine() -> HashSlots {
        HashSlots(std::sync::Arc::new(tokio::sync::Semaphore::new(hashes_at_once())))
    }

    /// A permit, or `Error::Busy` when every slot is taken.
    pub fn permit(&self) -> Result<HashPermit> {
        self.0.clone().try_acquire_owned().map(|slot| HashPermit { _slot: slot }).map_err(|_| Error::Busy)
    }
}

/// The right to run one argon2 computation.
pub struct HashPermit {
    _slot: tokio::sync::OwnedSemaphorePermit,
}

pub async fn hash(slots: &HashSlots, password: String) -> Result<String> {
    let permit = slots.permit()?;
    on_hashing_thread(move || {
        // Held until the hash is done, even if the request gave up meanwhile.
        let _permit = permit;
        hash_blocking(&password)
    })
    .await?
}

/// Checks a password with a permit taken beforehand (so that a caller can take it before
/// anything it would have to undo).
pub async fn verify(permit: HashPermit, password: String, hash: String) -> bool {
    on_hashing_thread(move || {
        let _permit = permit;
        verify_blocking(&password, &hash)
    })
    .await
    .unwrap_or(false)
}

type HashingJob = Box<dyn FnOnce() + Send>;

/// How much less the hashing threads get of the cores than the rest of the server, as a
/// Linux nice value (19, the lowest priority): when argon2 and requests compete for the CPU,
/// requests win; on a machine they keep fully busy, a login waits for spare time.
const HASHING_NICENESS: i32 = 19;

/// Runs `work` on one of the process's hashing threads. Argon2 has threads of its own, at the
/// lowest priority: during a burst of logins from many addresses every slot hashes at once,
/// and on the runtime's blocking threads those hashes took the cores from every other
/// request (a health check's p95 went from 0.3 to 7 ms).
async fn on_hashing_thread<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Result<T> {
    static QUEUE: OnceLock<Option<std::sync::mpsc::Sender<HashingJob>>> = OnceLock::new();
    let (answer, answered) = tokio::sync::oneshot::channel();
    let job: HashingJob = Box::new(move || {
        let _ = answer.send(work());
    });
    // Should no hashing thread be there (none could start), the runtime's blocking threads
    // do the work at the normal priority: a login must not fail for it.
    let unsent = match QUEUE.get_or_init(start_hashing_threads) {
        Some(queue) => queue.send(job).err().map(|returned| returned.0),
        None => Some(job),
    };
    if let Some(job) = unsent {
        drop(tokio::task::spawn_blocking(job));
    }
    answered.await.map_err(|_| Error::Internal("a hashing job failed".into()))
}

/// As many threads as a service has slots (their queue never holds more than the slots of
/// every service in the process: each job holds a slot's permit); none if none could start.
fn start_hashing_threads() -> Option<std::sync::mpsc::Sender<HashingJob>> {
    let (sender, receiver) = std::sync::mpsc::channel::<HashingJob>();
    let receiver = std::sync::Arc::new(std::sync::Mutex::new(receiver));
    let mut started = 0;
    for n in 0..hashes_at_once() {
        let receiver = receiver.clone();
        let spawned = std::thread::Builder::new().name(format!("argon2-{n}")).spawn(move || {
            lower_this_threads_priority();
            loop {
                let job = receiver.lock().unwrap_or_else(|e| e.into_inner()).recv();
                let Ok(job) = job else { return };
                // A panicking job drops its answer (the caller gets an error); the thread stays.
                let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
            }
        });
        match spawned {
            Ok(_) => started += 1,
            Err(e) => tracing::error!(error = %e, "could not start a hashing thread"),
        }
    }
    (started > 0).then_some(sender)
}

#[cfg(target_os = "linux")]
fn lower_this_threads_priority() {
    // On Linux a nice value is per thread: PRIO_PROCESS with 0 names the calling thread.
    // Lowering one's own priority needs no privilege.
    // SAFETY: setpriority takes plain integers and touches no memory of ours.
    let refused = unsafe { libc::setpriority(libc::PRIO_PROCESS, 0, HASHING_NICENESS) } != 0;
    if refused {
        tracing::warn!("the hashing threads run at the normal priority (setpriority refused)");
    }
}

#[cfg(not(target_os = "linux"))]
fn lower_this_threads_priority() {}

/// A hash of a random password, verified against when the account does not exist or is
/// blocked, so that those answers take as long as a wrong password.
pub fn dummy_hash() -> String {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY
        .get_or_init(|| {
            // Hashing a random password cannot fail short of a broken argon2, in which case
            // no login works anyway.
            hash_blocking(&random_token(24)).unwrap_or_default()
        })
        .clone()
}

/// `bytes` random bytes from the OS, base64url without padding.
pub fn random_token(bytes: usize) -> String {
    use base64::Engine;
    let mut buf = vec![0u8; bytes];
    OsRng.fill_bytes(&mut buf);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(buf)
}

/// SHA-256 of a bearer secret (session id, token): what the database stores, so that a
/// copy of the database does not hand out live sessions.
pub fn token_digest(token: &str) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(token.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_are_argon2id_and_verify_only_the_right_password() {
        let slots = HashSlots::for_this_machine();
        let h = hash(&slots, "correct horse battery".into()).await.unwrap();
        assert!(h.starts_with("$argon2id$"), "{h}");
        assert!(verify(slots.permit().unwrap(), "correct horse battery".into(), h.clone()).await);
        assert!(!verify(slots.permit().unwrap(), "wrong horse battery".into(), h).await);
        assert!(!verify(slots.permit().unwrap(), "x".into(), "not a hash".into()).await);
    }

    #[test]
    fn the_slots_are_refused_once_taken_and_free_again_when_dropped() {
        let slots = HashSlots(std::sync::Arc::new(tokio::sync::Semaphore::new(2)));
        let (a, _b) = (slots.permit().unwrap(), slots.permit().unwrap());
        assert!(matches!(slots.permit(), Err(Error::Busy)));
        drop(a);
        assert!(slots.permit().is_ok());
    }

    #[cfg(target_os = "linux")]
    #[tokio::test]
    async fn hashing_runs_on_threads_of_lower_priority() {
        // SAFETY: getpriority reads the calling thread's nice value.
        let nice = || unsafe { libc::getpriority(libc::PRIO_PROCESS, 0) };
        let there =
            on_hashing_thread(move || (nice(), std::thread::current().name().map(str::to_string))).await.unwrap();
        assert_eq!(there.0, HASHING_NICENESS, "the hashing thread's nice value");
        assert!(there.1.as_deref().is_some_and(|name| name.starts_with("argon2-")), "{:?}", there.1);
        // A job that panics answers an error and leaves the threads working.
        let panicked = on_hashing_thread(|| -> u8 { panic!("a broken hash") }).await;
        assert!(matches!(panicked, Err(Error::Internal(_))));
        for _ in 0..8 {
            assert_eq!(on_hashing_thread(|| 7).await.unwrap(), 7);
        }
    }

    #[test]
    fn tokens_are_random_and_digests_stable() {
        assert_ne!(random_token(32), random_token(32));
        assert_eq!(random_token(32).len(), 43);
        assert_eq!(token_digest("a"), token_digest("a"));
        assert_ne!(token_digest("a"), token_digest("b"));
    }
}
