//! Encryption of Pattern B secrets, as the spec's "Encryption of Pattern B values" says:
//! AES-256-GCM without associated data; per value a random 32-byte salt and 12-byte
//! nonce; the cell key is PBKDF2-HMAC-SHA256(master key, salt, 1000 iterations); the
//! three cells are standard base64 with padding.
//!
//! Decryption fails with a [`CryptoError`] on any wrong input; GCM's tag makes a wrong
//! key or a changed cell detectable, so garbage plaintext is never returned.

use std::fmt;

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use sha2::{Digest, Sha256};

/// PBKDF2 rounds per cell key. Low because the input is already a 256-bit key, not a
/// password; the salt makes every cell key distinct.
pub const PBKDF2_ITERATIONS: u32 = 1000;
pub const SALT_LEN: usize = 32;
pub const NONCE_LEN: usize = 12;
const KEY_LEN: usize = 32;

/// The 32-byte application key every cell key is derived from.
#[derive(Clone, PartialEq, Eq)]
pub struct MasterKey([u8; KEY_LEN]);

impl MasterKey {
    /// The SHA-256 of the configured passphrase.
    pub fn from_passphrase(passphrase: &str) -> Self {
        Self(Sha256::digest(passphrase.as_bytes()).into())
    }

    pub fn from_bytes(bytes: [u8; KEY_LEN]) -> Self {
        Self(bytes)
    }

    fn cell_key(&self, salt: &[u8; SALT_LEN]) -> Key<Aes256Gcm> {
        let derived: [u8; KEY_LEN] =
            pbkdf2::pbkdf2_hmac_array::<Sha256, KEY_LEN>(&self.0, salt, PBKDF2_ITERATIONS);
        Key::<Aes256Gcm>::from(derived)
    }
}

/// Never print key material, not even in debug logs.
impl fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MasterKey(<redacted>)")
    }
}

/// The three cells of one encrypted value, each standard base64 with padding, as
/// stored in the `encrypted_*`, `*salt*` and `*nonce*` columns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncryptedValue {
    pub ciphertext: String,
    pub salt: String,
    pub nonce: String,
}

/// Which of the three cells an error is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cell {
    Ciphertext,
    Salt,
    Nonce,
}

impl fmt::Display for Cell {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Cell::Ciphertext => "ciphertext",
            Cell::Salt => "salt",
            Cell::Nonce => "nonce",
        })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CryptoError {
    #[error("the {cell} cell is not valid standard base64: {source}")]
    Base64 {
        cell: Cell,
        #[source]
        source: base64::DecodeError,
    },
    #[error("the {cell} cell decodes to {actual} bytes, expected {expected}")]
    Length {
        cell: Cell,
        expected: usize,
        actual: usize,
    },
    #[error("cannot decrypt: wrong master key, or the ciphertext, salt or nonce was changed")]
    Authentication,
    #[error("the decrypted value is not UTF-8")]
    NotUtf8,
    #[error("no randomness from the operating system: {0}")]
    Random(getrandom::Error),
    #[error("AES-256-GCM encryption failed")]
    Encrypt,
}

/// Encrypts `plaintext` under a fresh salt and nonce.
///
/// Fails only when the operating system cannot supply randomness.
pub fn encrypt(master: &MasterKey, plaintext: &str) -> Result<EncryptedValue, CryptoError> {
    let salt: [u8; SALT_LEN] = random()?;
    let nonce: [u8; NONCE_LEN] = random()?;
    let cipher = Aes256Gcm::new(&master.cell_key(&salt));
    let ciphertext = cipher
        .encrypt(&Nonce::from(nonce), plaintext.as_bytes())
        .map_err(|_| CryptoError::Encrypt)?;
    Ok(EncryptedValue {
        ciphertext: BASE64.encode(ciphertext),
        salt: BASE64.encode(salt),
        nonce: BASE64.encode(nonce),
    })
}

/// Decrypts the three cells of `value`.
pub fn decrypt(master: &MasterKey, value: &EncryptedValue) -> Result<String, CryptoError> {
    let ciphertext = decode(Cell::Ciphertext, &value.ciphertext)?;
    let salt: [u8; SALT_LEN] = decode_fixed(Cell::Salt, &value.salt)?;
    let nonce: [u8; NONCE_LEN] = decode_fixed(Cell::Nonce, &value.nonce)?;
    let cipher = Aes256Gcm::new(&master.cell_key(&salt));
    let plaintext = cipher
        .decrypt(&Nonce::from(nonce), ciphertext.as_slice())
        .map_err(|_| CryptoError::Authentication)?;
    String::from_utf8(plaintext).map_err(|_| CryptoError::NotUtf8)
}

fn random<const N: usize>() -> Result<[u8; N], CryptoError> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).map_err(CryptoError::Random)?;
    Ok(bytes)
}

fn decode(cell: Cell, text: &str) -> Result<Vec<u8>, CryptoError> {
    BASE64
        .decode(text)
        .map_err(|source| CryptoError::Base64 { cell, source })
}

fn decode_fixed<const N: usize>(cell: Cell, text: &str) -> Result<[u8; N], CryptoError> {
    let bytes = decode(cell, text)?;
    let actual = bytes.len();
    bytes.try_into().map_err(|_| CryptoError::Length {
        cell,
        expected: N,
        actual,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> MasterKey {
        MasterKey::from_passphrase("correct horse battery staple")
    }

    #[test]
    fn round_trips_and_uses_fresh_salt_and_nonce() {
        let a = encrypt(&key(), "sk-secret").unwrap();
        let b = encrypt(&key(), "sk-secret").unwrap();
        assert_ne!(a.salt, b.salt);
        assert_ne!(a.nonce, b.nonce);
        assert_ne!(a.ciphertext, b.ciphertext);
        assert_eq!(decrypt(&key(), &a).unwrap(), "sk-secret");
        assert_eq!(decrypt(&key(), &b).unwrap(), "sk-secret");
    }

    #[test]
    fn cells_have_the_spec_sizes() {
        let v = encrypt(&key(), "abc").unwrap();
        assert_eq!(BASE64.decode(&v.salt).unwrap().len(), SALT_LEN);
        assert_eq!(BASE64.decode(&v.nonce).unwrap().len(), NONCE_LEN);
        // Ciphertext = plaintext + 16-byte tag.
        assert_eq!(BASE64.decode(&v.ciphertext).unwrap().len(), 3 + 16);
        // Standard alphabet with padding: 32 bytes -> 44 chars ending in '='.
        assert_eq!(v.salt.len(), 44);
        assert!(v.salt.ends_with('='));
    }

    #[test]
    fn master_key_is_sha256_of_the_passphrase() {
        // SHA-256("abc"), FIPS 180-2 test vector.
        let expected: [u8; 32] = [
            0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40, 0xde, 0x5d, 0xae,
            0x22, 0x23, 0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17, 0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61,
            0xf2, 0x00, 0x15, 0xad,
        ];
        assert_eq!(
            MasterKey::from_passphrase("abc"),
            MasterKey::from_bytes(expected)
        );
    }

    #[test]
    fn decrypts_a_value_built_by_hand_from_the_spec() {
        // Independent of `encrypt`: derive the cell key and seal with the primitives.
        let master = MasterKey::from_bytes([7u8; 32]);
        let salt = [1u8; SALT_LEN];
        let nonce = [2u8; NONCE_LEN];
        let cell_key = pbkdf2::pbkdf2_hmac_array::<Sha256, 32>(&[7u8; 32], &salt, 1000);
        let sealed = Aes256Gcm::new(&Key::<Aes256Gcm>::from(cell_key))
            .encrypt(&Nonce::from(nonce), b"hello".as_ref())
            .unwrap();
        let value = EncryptedValue {
            ciphertext: BASE64.encode(sealed),
            salt: BASE64.encode(salt),
            nonce: BASE64.encode(nonce),
        };
        assert_eq!(decrypt(&master, &value).unwrap(), "hello");
    }

    #[test]
    fn wrong_key_is_an_authentication_error() {
        let v = encrypt(&key(), "sk-secret").unwrap();
        let err = decrypt(&MasterKey::from_passphrase("other"), &v).unwrap_err();
        assert!(matches!(err, CryptoError::Authentication), "{err:?}");
    }

    #[test]
    fn any_tampered_cell_is_an_error() {
        let v = encrypt(&key(), "sk-secret").unwrap();
        let flip = |cell: &str| {
            let mut bytes = BASE64.decode(cell).unwrap();
            bytes[0] ^= 1;
            BASE64.encode(bytes)
        };
        for tampered in [
            EncryptedValue {
                ciphertext: flip(&v.ciphertext),
                ..v.clone()
            },
            EncryptedValue {
                salt: flip(&v.salt),
                ..v.clone()
            },
            EncryptedValue {
                nonce: flip(&v.nonce),
                ..v.clone()
            },
        ] {
            let err = decrypt(&key(), &tampered).unwrap_err();
            assert!(matches!(err, CryptoError::Authentication), "{err:?}");
        }
    }

    #[test]
    fn bad_base64_and_bad_lengths_name_the_cell() {
        let v = encrypt(&key(), "x").unwrap();
        let err = decrypt(
            &key(),
            &EncryptedValue {
                nonce: "not base64!".into(),
                ..v.clone()
            },
        )
        .unwrap_err();
        assert!(
            matches!(
                err,
                CryptoError::Base64 {
                    cell: Cell::Nonce,
                    ..
                }
            ),
            "{err:?}"
        );
        assert!(err.to_string().contains("nonce"));
        let short_salt = BASE64.encode([0u8; 16]);
        let err = decrypt(
            &key(),
            &EncryptedValue {
                salt: short_salt,
                ..v.clone()
            },
        )
        .unwrap_err();
        assert!(
            matches!(
                err,
                CryptoError::Length {
                    cell: Cell::Salt,
                    expected: 32,
                    actual: 16
                }
            ),
            "{err:?}"
        );
        // Shorter than the tag: still a clean error, no panic.
        let err = decrypt(
            &key(),
            &EncryptedValue {
                ciphertext: BASE64.encode([1u8; 3]),
                ..v
            },
        )
        .unwrap_err();
        assert!(matches!(err, CryptoError::Authentication), "{err:?}");
    }
}
