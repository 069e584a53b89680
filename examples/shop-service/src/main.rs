//! Runs the shop service: `SHOP_DATABASE_URL`, `SHOP_BUNDLE_DIR` (holding `ingest.fskeys`,
//! `fulfillment.fskeys` and `marketing.fskeys`), `SHOP_SECRET_DIR` (holding each bundle's
//! passphrase, `ingest.passphrase` and so on), `SHOP_AUDIT_DIR` (optional: each service's audit
//! log, in a directory of its own below it), `SHOP_LISTEN` (default 127.0.0.1:8080).

use std::path::PathBuf;
use std::time::Duration;

use fieldseal_example_shop::{Config, app};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let var = |name: &str| std::env::var(name).map_err(|_| format!("set {name}"));
    let dir = PathBuf::from(var("SHOP_BUNDLE_DIR")?);
    let secrets = PathBuf::from(var("SHOP_SECRET_DIR")?);
    let config = Config {
        database_url: var("SHOP_DATABASE_URL")?,
        bundles: ["ingest", "fulfillment", "marketing"].map(|s| dir.join(format!("{s}.fskeys"))),
        passphrase_files: ["ingest", "fulfillment", "marketing"]
            .map(|s| secrets.join(format!("{s}.passphrase"))),
        reload_every: Duration::from_secs(10),
        audit_dir: std::env::var_os("SHOP_AUDIT_DIR").map(PathBuf::from),
    };
    let (router, _watches) = app(&config).await?;
    let listen = std::env::var("SHOP_LISTEN").unwrap_or_else(|_| "127.0.0.1:8080".to_owned());
    let listener = tokio::net::TcpListener::bind(&listen).await?;
    axum::serve(listener, router).await?;
    Ok(())
}
