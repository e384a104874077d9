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

impl HashSlots {
    pub fn for_this_machine() -> HashSlots {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        HashSlots(std::sync::Arc::new(tokio::sync::Semaphore::new(2 * cores)))
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
    tokio::task::spawn_blocking(move || {
        // Held until the hash is done, even if the request gave up meanwhile.
        let _permit = permit;
        hash_blocking(&password)
    })
    .await
    .map_err(|e| Error::Internal(format!("hashing task failed: {e}")))?
}

/// Checks a password with a permit taken beforehand (so that a caller can take it before
/// anything it would have to undo).
pub async fn verify(permit: HashPermit, password: String, hash: String) -> bool {
    tokio::task::spawn_blocking(move || {
        let _permit = permit;
        verify_blocking(&password, &hash)
    })
    .await
    .unwrap_or(false)
}

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

    #[test]
    fn tokens_are_random_and_digests_stable() {
        assert_ne!(random_token(32), random_token(32));
        assert_eq!(random_token(32).len(), 43);
        assert_eq!(token_digest("a"), token_digest("a"));
        assert_ne!(token_digest("a"), token_digest("b"));
    }
}
