//! Conversation operations under `/api/v1/conversations`: the list with unread counts, history pages and
//! read positions. Participants only; the rules live in `application::conversations`.

use super::models::{ConversationDto, ConversationListDto, HistoryDto, MessageDto, ReadRequest, ReadStateDto};
use crate::api::ApiTags;
use crate::api::fields::{Bounded, ConversationIdParam};
use crate::api::json_body::JsonBody;
use crate::api::security::BearerAuth;
use crate::problem::ApiError;
use crate::state::HttpState;
use domain::chat::{ConversationId, MAX_HISTORY_LIMIT};
use poem_openapi::OpenApi;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;

/// Default history page size.
const DEFAULT_LIMIT: u32 = 50;

/// A history page size: 1 to [`MAX_HISTORY_LIMIT`] (`HistoryQuery` refuses others).
type HistoryLimit = Bounded<1, { MAX_HISTORY_LIMIT }>;

/// Conversation operations.
pub struct ConversationsApi {
    state: HttpState,
}

impl ConversationsApi {
    /// Conversation operations over the application state.
    pub fn new(state: HttpState) -> Self {
        Self { state }
    }
}

fn conversation(raw: &ConversationIdParam) -> Result<ConversationId, ApiError> {
    Ok(raw.0.parse::<ConversationId>()?)
}

#[OpenApi(prefix_path = "/api/v1/conversations", tag = "ApiTags::Chat")]
impl ConversationsApi {
    /// The caller's conversations (direct ones that have messages and every group they are in), most
    /// recently active first, each with its last message and unread count. Not paginated.
    #[oai(path = "/", method = "get", operation_id = "list_conversations")]
    async fn list(&self, auth: BearerAuth) -> Result<Json<ConversationListDto>, ApiError> {
        let list = self.state.conversations.list(auth.0.user_id).await?;
        Ok(Json(ConversationListDto { items: list.iter().map(ConversationDto::from).collect() }))
    }

    /// A page of history in ascending seq order, by seq cursor: only `after` gives the first `limit`
    /// messages after it (catching up), only `before` the last `limit` before it (scrolling back), both the
    /// first `limit` strictly between, neither the newest `limit`. Participants only (403
    /// `conversation.forbidden`; 404 `group.not_found` for a deleted group).
    #[oai(path = "/:id/messages", method = "get", operation_id = "conversation_history")]
    async fn history(
        &self,
        auth: BearerAuth,
        /// Conversation id: `d:<user id>:<user id>` with the smaller id first, or `g:<group id>`.
        id: Path<ConversationIdParam>,
        /// Only messages with a smaller seq.
        before: Query<Option<u64>>,
        /// Only messages with a larger seq.
        after: Query<Option<u64>>,
        /// Page size, 1 to 100 (default 50).
        limit: Query<Option<HistoryLimit>>,
    ) -> Result<Json<HistoryDto>, ApiError> {
        let conversation = conversation(&id.0)?;
        let limit = limit.0.map_or(DEFAULT_LIMIT, |l| l.0);
        let page = self.state.conversations.history(auth.0.user_id, conversation, after.0, before.0, limit).await?;
        Ok(Json(HistoryDto {
            items: page.messages.iter().map(MessageDto::from).collect(),
            latest_seq: page.latest_seq,
        }))
    }

    /// Marks the conversation read up to `seq`. Positions only move forward and are capped at the newest
    /// message; the answer holds the stored position and what is left unread. Participants only.
    #[oai(path = "/:id/read", method = "put", operation_id = "mark_conversation_read")]
    async fn mark_read(
        &self,
        auth: BearerAuth,
        /// Conversation id: `d:<user id>:<user id>` with the smaller id first, or `g:<group id>`.
        id: Path<ConversationIdParam>,
        body: JsonBody<ReadRequest>,
    ) -> Result<Json<ReadStateDto>, ApiError> {
        let conversation = conversation(&id.0)?;
        let read = self.state.conversations.mark_read(auth.0.user_id, conversation, body.0.seq).await?;
        Ok(Json(ReadStateDto::from(&read)))
    }
}
