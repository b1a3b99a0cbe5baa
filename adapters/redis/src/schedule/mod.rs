//! The scheduler's shared state in Redis: tick locks with fencing tokens, instance heartbeats, paused tasks.
//!
//! Layout under the prefix: `lock:{scope}:{slot}` (holder token, expires with the lease),
//! `lock-fence:{scope}` (the scope's fencing counter, never expires), `cron:instances` (hash: instance id ->
//! JSON heartbeat), `cron:paused` (hash: task -> `<unix µs>|<who>`).

mod control;
mod instances;
mod lock;

pub use control::RedisTaskControl;
pub use instances::RedisInstanceRegistry;
pub use lock::RedisLock;
