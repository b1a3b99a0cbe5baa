//! System messages in a group's conversation when it is created or renamed and when members join or leave,
//! so every member's history tells what happened. Stored like any message (reserve a seq, insert, commit),
//! so clients get them through `sync` and history in order with everything else.
//!
//! The text is written once, in the deployment's default language (setting `i18n.default_locale`): stored
//! messages are not re-rendered per reader. Use cases never fail because a notice could not be written;
//! the failure is logged and the operation stands.

use chrono::{DateTime, Utc};
use domain::chat::{
    ConversationId, GroupId, Message, MessageBody, MessageId, MessageKind, MessageStore, MessageStoreError, SeqError,
    SequenceAllocator,
};
use domain::ids::UserId;
use domain::locale::Locale;
use domain::user::UserRepository;
use std::sync::Arc;
use std::time::Duration;

/// How long a notice holds its seq reservation.
const LEASE: Duration = Duration::from_secs(5);
/// How long it waits for a busy conversation before giving up.
const WAIT: Duration = Duration::from_secs(2);
/// Attempts when the reserved seq turns out to be stored already (allocator behind the store).
const ATTEMPTS: usize = 3;

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
    messages: Arc<dyn MessageStore>,
    sequences: Arc<dyn SequenceAllocator>,
    users: Arc<dyn UserRepository>,
}

impl Notices {
    /// Over the message store, the seq allocator and the users (for names in the text).
    pub fn new(
        messages: Arc<dyn MessageStore>,
        sequences: Arc<dyn SequenceAllocator>,
        users: Arc<dyn UserRepository>,
    ) -> Self {
        Self { messages, sequences, users }
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

    /// Stores `event` in the group's conversation; logs and gives up on failure.
    pub async fn post(&self, group: GroupId, event: GroupEvent, locale: Locale, at: DateTime<Utc>) {
        let text = self.text(&event, locale).await;
        if let Err(err) = self.store(ConversationId::Group(group), text, at).await {
            tracing::warn!(error = %err, group = %group, ?event, "group notice not stored");
        }
    }

    /// Reserve, insert, commit; on a seq already stored (the allocator lost its state), catch the allocator
    /// up with the store and try again; on any other failure release the reservation.
    async fn store(
        &self,
        conversation: ConversationId,
        text: String,
        at: DateTime<Utc>,
    ) -> Result<Message, NoticeError> {
        for _ in 0..ATTEMPTS {
            let reservation = self.sequences.reserve(&conversation, LEASE, WAIT).await?;
            let message = Message {
                id: MessageId::new(),
                conversation,
                sender: None,
                client_id: None,
                seq: reservation.seq,
                kind: MessageKind::System,
                body: MessageBody::Text(text.clone()),
                created_at: at,
                edited_at: None,
                recalled_at: None,
            };
            match self.messages.insert(&message).await {
                Ok(()) => {
                    self.sequences.commit(&reservation).await?;
                    return Ok(message);
                }
                Err(MessageStoreError::SeqTaken) => {
                    let stored = self.messages.max_seq(&conversation).await?;
                    self.sequences.advance_to(&conversation, stored.max(reservation.seq)).await?;
                }
                Err(err) => {
                    if let Err(release) = self.sequences.release(&reservation).await {
                        tracing::warn!(error = %release, "could not release a notice's seq reservation");
                    }
                    return Err(err.into());
                }
            }
        }
        Err(NoticeError::Busy)
    }
}

/// Why a notice was not stored (logged only).
#[derive(Debug, thiserror::Error)]
enum NoticeError {
    /// Kept finding its seq taken.
    #[error("seq kept being taken")]
    Busy,
    /// The allocator refused.
    #[error(transparent)]
    Seq(#[from] SeqError),
    /// The store refused or failed.
    #[error(transparent)]
    Store(#[from] MessageStoreError),
    /// A backend failed.
    #[error(transparent)]
    Infra(#[from] domain::InfraError),
}

#[cfg(test)]
mod tests {
    use super::*;
    use adapter_memory::{MemoryMessageStore, MemorySequenceAllocator, MemoryUserRepository};
    use domain::chat::HistoryQuery;

    #[tokio::test]
    async fn notices_take_the_next_seq_even_when_the_allocator_is_behind_the_store() {
        let messages = Arc::new(MemoryMessageStore::default());
        let notices = Notices::new(
            messages.clone(),
            Arc::new(MemorySequenceAllocator::default()),
            Arc::new(MemoryUserRepository::default()),
        );
        let group = GroupId::new();
        let conversation = ConversationId::Group(group);
        let now = Utc::now();
        let first = notices.store(conversation, "one".into(), now).await.unwrap();
        assert_eq!(first.seq, 1);
        // A fresh allocator (restart with in-memory seqs) starts at 1 again: the notice still lands at 2.
        let restarted = Notices::new(
            messages.clone(),
            Arc::new(MemorySequenceAllocator::default()),
            Arc::new(MemoryUserRepository::default()),
        );
        let user = UserId::new();
        restarted.post(group, GroupEvent::Left { user }, Locale::En, now).await;
        let all = messages.history(&HistoryQuery::new(conversation, None, None, 10).unwrap()).await.unwrap();
        assert_eq!(all.iter().map(|m| m.seq).collect::<Vec<_>>(), vec![1, 2]);
        assert_eq!(all[1].body, MessageBody::Text(format!("{user} left the group")), "unknown users by id");
        assert_eq!((all[1].kind, all[1].sender), (MessageKind::System, None));
    }
}
