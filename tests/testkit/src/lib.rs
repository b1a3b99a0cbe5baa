//! exchange's test kit: the whole application in-process on memory adapters, started in milliseconds, with
//! the helpers an integrator's test needs.
//!
//! * [`TestApp::start`] builds the same HTTP endpoint as `exchange serve` on memory ports, bound on
//!   127.0.0.1:0 (so real HTTP and WebSocket clients work), with a [`ManualClock`] and cheap password hashing.
//! * [`TestApp::create_user`] / [`TestApp::create_admin`] give a [`TestUser`] holding its tokens and a
//!   signed-in [`ApiClient`], the typed client for the API ([`models`] are the wire shapes).
//! * [`TestApp::clock`] moves time; [`TestApp::fire_cron`] runs a cron task's tick at an instant, through
//!   the same lock, pause state and run records as the real scheduler, and returns its recorded outcome.
//! * [`WsClient`] speaks the WebSocket protocol (docs/ws-protocol.md); [`ws::recipe::RecipeClient`]
//!   follows its reconnect-and-sync recipe over failing servers and records what it received.
//!
//! The clients work against any server; the end-to-end tests and the load tool use them with
//! `default-features = false`, which leaves the in-process application (feature `app`) out.
//!
//! See docs/testing.md for a complete example.

#[cfg(feature = "app")]
mod app;
mod client;
#[cfg(feature = "app")]
mod clock;
mod error;
pub mod models;
pub mod ws;

#[cfg(feature = "app")]
pub use app::{TestApp, TestUser};
pub use client::ApiClient;
#[cfg(feature = "app")]
pub use clock::ManualClock;
pub use error::{ApiFailure, ClientError};
pub use ws::{Dial, Ended, WsClient, ws_url};

/// A password every helper-created account uses: long and random enough for the strength policy.
pub const PASSWORD: &str = "testkit-Correct-Horse-42";
