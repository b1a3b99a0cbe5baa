//! One module per subcommand of the `exchange` binary.

pub mod init_admin;
pub mod keygen;
pub mod migrate;
pub mod openapi;
pub mod serve;
