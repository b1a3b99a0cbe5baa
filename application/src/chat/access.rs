//! Membership rule used by chat until `crate::conversations::access::can_access` lands on main, then
//! replaced by it: direct = one of the two participants, group = a member.

use domain::chat::{ConversationId, GroupStore, GroupStoreError};
use domain::ids::UserId;

/// Whether `user` is in `conversation`.
pub(crate) async fn member_of(
    groups: &dyn GroupStore,
    user: UserId,
    conversation: &ConversationId,
) -> Result<bool, GroupStoreError> {
    match conversation {
        ConversationId::Direct(..) => Ok(conversation.is_direct_participant(user)),
        ConversationId::Group(g) => Ok(groups.member(*g, user).await?.is_some()),
    }
}
