//! Responses validate against the schemas of the API contract. The repository keeps a copy
//! (`spec/treezor-openapi-subset.yaml`) so that a lone clone tests itself; when the steering
//! copy (`../shared/spec/`) sits beside the clone, the two must be identical.

use std::sync::OnceLock;

use serde_json::{Value, json};
use shared::{Role, Scope};

use crate::harness::{Flavor, PASSWORD, TestApp, browser, spawn_app};

crate::on_both_databases!(
    support_user_responses_match_the_contract,
    a_control_character_in_any_query_or_path_parameter_is_never_a_500,
);

const CONTRACT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../spec/treezor-openapi-subset.yaml");
const STEERING_CONTRACT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/spec/treezor-openapi-subset.yaml");

#[test]
fn the_kept_contract_is_the_steering_one() {
    let kept = std::fs::read(CONTRACT).expect("spec/treezor-openapi-subset.yaml is in the repository");
    match std::fs::read(STEERING_CONTRACT) {
        Ok(steering) => assert!(kept == steering, "the contract changed: copy ../shared/spec/ into spec/"),
        Err(_) => eprintln!("no ../shared/spec beside this clone: testing against the kept copy"),
    }
}

fn spec() -> &'static Value {
    static SPEC: OnceLock<Value> = OnceLock::new();
    SPEC.get_or_init(|| {
        let text =
            std::fs::read_to_string(CONTRACT).unwrap_or_else(|e| panic!("the API contract must be at {CONTRACT}: {e}"));
        let mut spec: Value = serde_yaml::from_str(&text).expect("the contract is YAML");
        openapi_to_json_schema(&mut spec);
        spec
    })
}

/// OpenAPI 3.0's `nullable: true` is JSON Schema's `"null"` type, and its boolean
/// `exclusiveMinimum`/`exclusiveMaximum` modify `minimum`/`maximum`.
pub fn openapi_to_json_schema(node: &mut Value) {
    match node {
        Value::Object(map) => {
            for (flag, bound) in [("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")] {
                if let Some(Value::Bool(exclusive)) = map.get(flag).cloned() {
                    map.remove(flag);
                    if exclusive && let Some(limit) = map.remove(bound) {
                        map.insert(flag.into(), limit);
                    }
                }
            }
            if map.remove("nullable") == Some(Value::Bool(true)) {
                let inner = Value::Object(std::mem::take(map));
                map.insert("anyOf".into(), json!([inner, {"type": "null"}]));
            }
            for value in map.values_mut() {
                openapi_to_json_schema(value);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(openapi_to_json_schema),
        _ => {}
    }
}

/// Panics with every violation unless `instance` matches the schema `#/components/schemas/{name}`
/// (or, with `array`, is an array of it).
pub fn assert_matches_schema(name: &str, instance: &Value, array: bool) {
    assert_matches_schema_of(spec(), name, instance, array);
}

/// The same check against another OpenAPI document (already converted to JSON Schema).
pub fn assert_matches_schema_of(document: &Value, name: &str, instance: &Value, array: bool) {
    let target = json!({ "$ref": format!("#/components/schemas/{name}") });
    let mut schema = if array { json!({ "type": "array", "items": target }) } else { target };
    schema["$schema"] = json!("https://json-schema.org/draft/2020-12/schema");
    schema["components"] = document["components"].clone();
    let validator = jsonschema::validator_for(&schema).expect("the contract's schema compiles");
    let errors: Vec<String> =
        validator.iter_errors(instance).map(|e| format!("{e} at {}", e.instance_path())).collect();
    assert!(errors.is_empty(), "{name} violations: {errors:#?}\nin {instance:#}");
}

async fn support_user_responses_match_the_contract(flavor: Flavor) {
    let app: TestApp = spawn_app(flavor).await;
    app.add_operator("root@example.com", Role::Administrator).await;
    let grant = app.grant(&[Scope::ReadOnly, Scope::ReadAll, Scope::SupportUserManagement]).await;
    // `postAuth_200_response` is a `oneOf` that lists the same alternative twice, so no
    // object can satisfy it strictly; the client-credentials alternative is the one to meet.
    assert_matches_schema("postAuth_200_response_oneOf", &grant, false);
    let token = grant["access_token"].as_str().unwrap();
    let url = format!("{}/core-connect/support-user", app.base_url);

    let created: Value = browser()
        .post(&url)
        .bearer_auth(token)
        .json(&json!({"username": "spec@example.com", "password": PASSWORD, "scopes": ["read_only"], "samlKey": "k"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_matches_schema("SupportUserObject", &created, false);
    let list: Value = browser().get(&url).bearer_auth(token).send().await.unwrap().json().await.unwrap();
    assert_eq!(list.as_array().unwrap().len(), 2);
    assert_matches_schema("SupportUserObject", &list, true);

    let error: Value = browser().get(&url).send().await.unwrap().json().await.unwrap();
    assert_matches_schema("DefaultError", &error, false);
    // The validator itself can fail: a wrong type is caught.
    let broken = json!({"id": 12, "username": "x", "wrongPwdAttempts": "many"});
    let result = std::panic::catch_unwind(|| assert_matches_schema("SupportUserObject", &broken, false));
    assert!(result.is_err(), "a response with wrong types must be refused");
}

/// The parameters an operation declares, `$ref`s resolved: (name, where).
fn declared_parameters(operation: &Value) -> Vec<(String, String)> {
    let Some(list) = operation["parameters"].as_array() else { return Vec::new() };
    list.iter()
        .map(|p| match p["$ref"].as_str() {
            Some(r) => spec().pointer(r.trim_start_matches('#')).cloned().unwrap_or(Value::Null),
            None => p.clone(),
        })
        .filter_map(|p| Some((p["name"].as_str()?.to_string(), p["in"].as_str()?.to_string())))
        .collect()
}

/// Fuzzing once found a NUL in a search term answered with a 500 (FTS5 and Postgres refuse
/// it in a query): every GET of the contract, each query and path parameter in turn set to a
/// text with a NUL or another control character, answers a refusal or, where the parameter is
/// one the API ignores, the list: never a server error, on both databases.
async fn a_control_character_in_any_query_or_path_parameter_is_never_a_500(flavor: Flavor) {
    let app = spawn_app(flavor).await;
    app.backend.seed_demo(20, |_| {}).await.unwrap();
    let token = app.bearer(&Scope::ALL).await;
    let mut tried = 0;
    for (path, item) in spec()["paths"].as_object().unwrap() {
        let Some(operation) = item.get("get") else { continue };
        let parameters = declared_parameters(operation);
        let with_ids = |target: &str, value: &str| {
            let mut url = path.clone();
            for (name, place) in &parameters {
                if place == "path" {
                    url = url.replace(&format!("{{{name}}}"), if name == target { value } else { "1" });
                }
            }
            url
        };
        for (name, place) in &parameters {
            for bad in ["a%00b", "ab%01cd", "%00"] {
                let url = match place.as_str() {
                    "query" => format!("{}?{name}={bad}", with_ids("", "")),
                    "path" => with_ids(name, bad),
                    _ => continue,
                };
                let (status, body) = app.rest(reqwest::Method::GET, &url, &token, None).await;
                assert!(!status.is_server_error(), "GET {url}: {status} {body}");
                tried += 1;
            }
        }
    }
    assert!(tried > 100, "only {tried} requests: the contract's parameters were not found");

    // Behind the checks, a NUL that reaches Postgres is still bad input, not a server fault.
    let reached = sqlx::query("SELECT $1::text").bind("a\0b").execute(&app.backend.db.pool).await;
    match (flavor, reached.map_err(backend::Error::from)) {
        (Flavor::Postgres, Err(backend::Error::Invalid(f))) => assert_eq!(f.field, "text"),
        (Flavor::Sqlite, Ok(_)) => {}
        (_, other) => panic!("a NUL bound on {flavor:?}: {other:?}"),
    }
}
