//! Real-time chat use cases behind the WebSocket gateway: sending with exactly-once storage per client id,
//! catch-up (`sync`), read positions, typing, presence announcements and admin pushes.
//!
//! Nothing here knows about WebSocket frames; the gateway translates frames to these calls and the
//! [`events`] published on the bus back to frames.

mod error;
pub mod events;
mod push;
mod sequencing;
mod service;
mod sync;

pub use error::ChatError;
pub use push::{PushOutcome, PushScope};
pub use service::{ChatOptions, ChatPorts, ChatService, ReadMark, SendInput, SendOutcome, Target};
pub use sync::SyncPlan;

#[cfg(test)]
mod tests;
