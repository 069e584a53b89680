//! moto's KMS emulator, for the tests: `$FIELDSEAL_TEST_AWS_KMS_ENDPOINT` names it (`.ci/run`
//! starts `moto_server` on 127.0.0.1 and sets it; then the tests fail rather than skip).
//! Without it, the tests are skipped with a printed line.

#![allow(
    dead_code,
    reason = "each test crate including this module uses a different subset of it"
)]

use std::io::{Read as _, Write as _};
use std::net::TcpStream;

use aws_sdk_kms::config::{BehaviorVersion, Credentials, Region};
use fieldseal_aws_kms::runtime::Runtime;

/// The endpoint CI names.
pub(crate) const ENDPOINT_ENV: &str = "FIELDSEAL_TEST_AWS_KMS_ENDPOINT";

/// The region and credentials moto is given (it takes any).
pub(crate) const REGION: &str = "us-east-1";
pub(crate) const ACCESS_KEY: &str = "fieldseal-test";
pub(crate) const SECRET_KEY: &str = "fieldseal-test-secret";

/// The emulator's endpoint, or `None` (after printing why) when the tests are to be skipped.
pub(crate) fn endpoint() -> Option<String> {
    if let Ok(url) = std::env::var(ENDPOINT_ENV) {
        return Some(url);
    }
    println!(
        "skipped: {ENDPOINT_ENV} is not set; .ci/run starts moto_server (pip install \
         'moto[server]') and sets it, or start one yourself: moto_server -H 127.0.0.1 -p 5000 \
         and {ENDPOINT_ENV}=http://127.0.0.1:5000"
    );
    None
}

/// An SDK client of the emulator.
pub(crate) fn client(endpoint: &str) -> aws_sdk_kms::Client {
    let config = aws_sdk_kms::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(REGION))
        .credentials_provider(Credentials::new(
            ACCESS_KEY, SECRET_KEY, None, None, "tests",
        ))
        .endpoint_url(endpoint)
        .build();
    aws_sdk_kms::Client::from_conf(config)
}

/// A new symmetric KMS key: its ARN.
pub(crate) fn create_key(endpoint: &str, description: &str) -> String {
    let client = client(endpoint);
    let runtime = Runtime::new().unwrap();
    let created = runtime
        .run(client.create_key().description(description).send())
        .unwrap();
    created.key_metadata.unwrap().arn.unwrap()
}

/// The body of an HTTP/1.1 request to the emulator's control API (`/moto-api/...`).
pub(crate) fn moto_api(endpoint: &str, method: &str, path: &str) -> String {
    let host = endpoint.trim_start_matches("http://").trim_end_matches('/');
    let mut stream = TcpStream::connect(host).unwrap();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {host}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap();
    assert!(
        head.starts_with("HTTP/1.1 200") || head.starts_with("HTTP/1.0 200"),
        "{head}"
    );
    body.to_owned()
}
