//! System messages in a group's conversation when it is created or renamed and when members join or leave,
//! so every member's history tells what happened. They go through [`ChatService::system_message`], which
//! stores them like any message (seq reserve, insert, commit) and delivers them live to connected members.
//!
//! The text is written once, in the deployment's default language (setting `i18n.default_locale`): stored
//! messages are not re-rendered per reader. Use cases never fail because a notice could not be written;
//! the failure is logged and the operation stands.

use crate::chat::ChatService;
use domain::chat::{ConversationId, GroupId};
use domain::ids::UserId;
use domain::locale::Locale;
use domain::user::UserRepository;
use std::sync::Arc;

/// What happened in a group.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GroupEvent {
    /// `actor` created the group named `name`.
    Created {
        /// Creator.
        actor: UserId,
        /// Initial name.
        name: String,
    },
    /// `actor` renamed the group to `name`.
    Renamed {
        /// Who renamed it.
        actor: UserId,
        /// The new name.
        name: String,
    },
    /// `actor` added `user`.
    Added {
        /// Who added.
        actor: UserId,
        /// Who joined.
        user: UserId,
    },
    /// `user` left.
    Left {
        /// Who left.
        user: UserId,
    },
    /// `actor` removed `user`.
    Removed {
        /// Who removed.
        actor: UserId,
        /// Who was removed.
        user: UserId,
    },
}

/// Writes group events as system messages.
pub struct Notices {
    chat: Arc<ChatService>,
    users: Arc<dyn UserRepository>,
}

impl Notices {
    /// Over the chat service (storage and delivery) and the users (for names in the text).
    pub fn new(chat: Arc<ChatService>, users: Arc<dyn UserRepository>) -> Self {
        Self { chat, users }
    }

    async fn name(&self, user: UserId) -> String {
        match self.users.by_id_any(user).await {
            Ok(Some(u)) => u.username.as_str().to_owned(),
            _ => user.to_string(),
        }
    }

    /// The text of `event` in `locale`.
    pub async fn text(&self, event: &GroupEvent, locale: Locale) -> String {
        let zh = locale == Locale::ZhCn;
        match event {
            GroupEvent::Created { actor, name } => {
                let actor = self.name(*actor).await;
                if zh {
                    format!("{actor} 创建了群组「{name}」")
                } else {
                    format!("{actor} created the group \"{name}\"")
                }
            }
            GroupEvent::Renamed { actor, name } => {
                let actor = self.name(*actor).await;
                if zh {
                    format!("{actor} 将群组改名为「{name}」")
                } else {
                    format!("{actor} renamed the group to \"{name}\"")
                }
            }
            GroupEvent::Added { actor, user } => {
                let (actor, user) = (self.name(*actor).await, self.name(*user).await);
                if zh { format!("{actor} 邀请 {user} 加入了群组") } else { format!("{actor} added {user}") }
            }
            GroupEvent::Left { user } => {
                let user = self.name(*user).await;
                if zh { format!("{user} 退出了群组") } else { format!("{user} left the group") }
            }
            GroupEvent::Removed { actor, user } => {
                let (actor, user) = (self.name(*actor).await, self.name(*user).await);
                if zh { format!("{actor} 将 {user} 移出了群组") } else { format!("{actor} removed {user}") }
            }
        }
    }

    /// Stores and delivers `event` in the group's conversation; logs and gives up on failure.
    pub async fn post(&self, group: GroupId, event: GroupEvent, locale: Locale) {
        let text = self.text(&event, locale).await;
        if let Err(err) = self.chat.system_message(ConversationId::Group(group), &text).await {
            tracing::warn!(error = %err, group = %group, ?event, "group notice not stored");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::groups::tests::Fixture;

    #[tokio::test]
    async fn texts_name_the_people_in_both_languages() {
        let f = Fixture::new(10);
        let (alice, bob) = (f.user("alice").await, f.user("bob").await);
        let notices = Notices::new(f.chat.clone(), f.users.clone());
        let added = GroupEvent::Added { actor: alice, user: bob };
        assert_eq!(notices.text(&added, Locale::En).await, "alice added bob");
        assert_eq!(notices.text(&added, Locale::ZhCn).await, "alice 邀请 bob 加入了群组");
        let removed = GroupEvent::Removed { actor: alice, user: bob };
        assert_eq!(notices.text(&removed, Locale::En).await, "alice removed bob");
        let ghost = UserId::new();
        assert_eq!(
            notices.text(&GroupEvent::Left { user: ghost }, Locale::En).await,
            format!("{ghost} left the group"),
            "unknown users by id"
        );
    }
}
