//! Encrypted Pattern B values through real databases: they round-trip, and a wrong key
//! or a changed cell is a clean error.

use crate::common::rows;
use crate::common::{insert_all, migrated};
use conformance::Backend;
use entity::crypto::{self, CryptoError, EncryptedValue, MasterKey};
use entity::generated::*;
use rstest::rstest;
use sea_orm::{ActiveModelTrait, ActiveValue, DatabaseConnection, EntityTrait, IntoActiveModel};

const SECRET: &str = "sk-live-0123456789abcdef ünïcødé";

fn cells(row: &toolsets::Model) -> EncryptedValue {
    EncryptedValue {
        ciphertext: row.encrypted_api_key.clone().expect("a stored key"),
        salt: row.salt.clone().expect("a stored salt"),
        nonce: row.nonce.clone().expect("a stored nonce"),
    }
}

async fn load(db: &DatabaseConnection, id: &str) -> toolsets::Model {
    toolsets::Entity::find_by_id(id)
        .one(db)
        .await
        .unwrap()
        .expect("the toolset was inserted")
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn encrypted_value_round_trips_and_rejects_wrong_key_and_tampering(#[case] backend: Backend) {
    let Some(db) = migrated(backend).await else {
        return;
    };
    let master = MasterKey::from_passphrase("the configured passphrase");
    let sealed = crypto::encrypt(&master, SECRET).unwrap();
    let [mut row, _] = rows::toolsets();
    row.encrypted_api_key = Some(sealed.ciphertext.clone());
    row.salt = Some(sealed.salt.clone());
    row.nonce = Some(sealed.nonce.clone());
    insert_all::<toolsets::Entity>(&db.conn, std::slice::from_ref(&row)).await;

    let stored = load(&db.conn, &row.id).await;
    assert_eq!(
        cells(&stored),
        sealed,
        "{backend}: cells changed in storage"
    );
    assert_eq!(crypto::decrypt(&master, &cells(&stored)).unwrap(), SECRET);

    let wrong = MasterKey::from_passphrase("another passphrase");
    let err = crypto::decrypt(&wrong, &cells(&stored)).unwrap_err();
    assert!(matches!(err, CryptoError::Authentication), "{err:?}");

    // Swap in the salt of another value: still valid base64 of the right length.
    let other = crypto::encrypt(&master, SECRET).unwrap();
    let mut active = stored.clone().into_active_model();
    active.salt = ActiveValue::Set(Some(other.salt));
    active.update(&db.conn).await.unwrap();
    let err = crypto::decrypt(&master, &cells(&load(&db.conn, &row.id).await)).unwrap_err();
    assert!(
        matches!(err, CryptoError::Authentication),
        "{backend}: {err:?}"
    );

    // A ciphertext cell that is not base64 at all.
    let mut active = stored.into_active_model();
    active.encrypted_api_key = ActiveValue::Set(Some("%%% not base64 %%%".into()));
    active.update(&db.conn).await.unwrap();
    let err = crypto::decrypt(&master, &cells(&load(&db.conn, &row.id).await)).unwrap_err();
    assert!(
        matches!(
            err,
            CryptoError::Base64 {
                cell: crypto::Cell::Ciphertext,
                ..
            }
        ),
        "{backend}: {err:?}"
    );
    db.close().await.unwrap();
}
