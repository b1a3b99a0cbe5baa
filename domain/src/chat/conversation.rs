//! Conversation identity: derived, not allocated, so both sides of a direct chat agree without a lookup.

use super::group::GroupId;
use crate::error::{ValidationError, Violation};
use crate::ids::UserId;
use std::fmt;
use std::str::FromStr;

/// Direct or group.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ConversationKind {
    /// Between exactly two users.
    Direct,
    /// Among a group's members.
    Group,
}

/// A conversation: `d:<smaller user id>:<larger user id>` or `g:<group id>` on the wire and in storage.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ConversationId {
    /// The direct conversation of two users, stored with the smaller id first.
    Direct(UserId, UserId),
    /// A group's conversation.
    Group(GroupId),
}

impl ConversationId {
    /// The direct conversation between `a` and `b`, whichever order they are given in.
    /// Talking to oneself is allowed (notes to self), giving `d:<id>:<id>`.
    pub fn direct(a: UserId, b: UserId) -> Self {
        if a <= b { Self::Direct(a, b) } else { Self::Direct(b, a) }
    }

    /// Direct or group.
    pub fn kind(&self) -> ConversationKind {
        match self {
            Self::Direct(..) => ConversationKind::Direct,
            Self::Group(_) => ConversationKind::Group,
        }
    }

    /// For a direct conversation, whether `user` is one of its two participants.
    pub fn is_direct_participant(&self, user: UserId) -> bool {
        matches!(self, Self::Direct(a, b) if *a == user || *b == user)
    }

    /// For a direct conversation, the participant that is not `user`.
    pub fn peer_of(&self, user: UserId) -> Option<UserId> {
        match self {
            Self::Direct(a, b) if *a == user => Some(*b),
            Self::Direct(a, b) if *b == user => Some(*a),
            _ => None,
        }
    }
}

impl fmt::Display for ConversationId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Direct(a, b) => write!(f, "d:{a}:{b}"),
            Self::Group(g) => write!(f, "g:{g}"),
        }
    }
}

impl FromStr for ConversationId {
    type Err = ValidationError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let invalid = || ValidationError::new("conversation", Violation::InvalidFormat { expected: "conversation id" });
        let mut parts = s.split(':');
        let id = match (parts.next(), parts.next(), parts.next()) {
            (Some("d"), Some(a), Some(b)) => {
                let (a, b) = (a.parse::<UserId>().map_err(|_| invalid())?, b.parse::<UserId>().map_err(|_| invalid())?);
                if a > b {
                    return Err(invalid());
                }
                Self::Direct(a, b)
            }
            (Some("g"), Some(g), None) => Self::Group(g.parse::<GroupId>().map_err(|_| invalid())?),
            _ => return Err(invalid()),
        };
        if parts.next().is_some() {
            return Err(invalid());
        }
        Ok(id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn direct_ids_do_not_depend_on_order_and_round_trip() {
        let (a, b) = (UserId::new(), UserId::new());
        let id = ConversationId::direct(b, a);
        assert_eq!(id, ConversationId::direct(a, b));
        assert_eq!(id.to_string().parse::<ConversationId>().unwrap(), id);
        assert_eq!(id.peer_of(a), Some(b));
        let g = ConversationId::Group(GroupId::new());
        assert_eq!(g.to_string().parse::<ConversationId>().unwrap(), g);
    }

    #[test]
    fn malformed_ids_are_refused() {
        let (a, b) = (UserId::new(), UserId::new());
        let (lo, hi) = if a < b { (a, b) } else { (b, a) };
        for bad in ["", "d:", "x:1", &format!("d:{hi}:{lo}"), &format!("g:{lo}:x"), "g:not-a-uuid"] {
            assert!(bad.parse::<ConversationId>().is_err(), "{bad}");
        }
    }
}
