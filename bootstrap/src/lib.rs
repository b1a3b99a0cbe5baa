//! Composition root of exchange: configuration, the start of logging (`adapter-logging`), wiring of adapters into the application, and the
//! lifecycle (start, run, stop) of the `exchange` binary's subcommands.
//!
//! This is the only crate that knows every adapter; nothing else may depend on it.

pub mod app;
pub mod cli;
pub mod commands;
pub mod config;
pub mod in_process;
pub mod lifecycle;
pub mod metrics;
pub mod scheduler;
pub mod wiring;
