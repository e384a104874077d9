//! Integration tests: the real server on a random port over a fresh database per test,
//! each test run on SQLite and on Postgres.

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::type_complexity)]

mod harness;

mod assets;
mod audit;
mod bulk_cards;
mod card_transactions;
mod cards;
mod cli;
mod crash;
mod documents;
mod login;
mod money;
mod oauth;
mod onboarding;
mod openapi;
mod operators;
mod postgres_tls;
mod processes;
mod products;
mod rate_limits;
mod replicas;
mod restriction_groups;
mod sca;
mod schema;
mod security;
mod session_views;
mod smtp_sink;
mod spec;
mod support_users;
mod sweeper;
mod tax_residences;
mod two_factor;
mod user_search;
mod user_views;
mod users;
