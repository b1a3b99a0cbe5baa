//! Accounts and sign-in: registration, login, refresh-token rotation, logout, the caller's own profile,
//! and turning an access token into an authenticated [`Principal`].

mod error;
mod principal;
mod profiles;
mod service;
mod throttle;

pub use error::AuthError;
pub use principal::Principal;
pub use profiles::{PROFILE_TTL, ProfileCache, ProfileInvalidator, USERS_CHANGED_TOPIC};
pub use service::{AuthOptions, AuthPorts, AuthService, LoginInput, ProfileChanges, RegisterInput, TokenPair};
pub use throttle::{RateLimitService, RateLimited, RouteGroup};
