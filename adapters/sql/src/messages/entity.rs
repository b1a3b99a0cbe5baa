//! sea-orm mapping of the `messages` table; private to the store.

use sea_orm::entity::prelude::*;

/// One row of `messages`. `conversation` is the id's text form (`d:<a>:<b>`, `g:<id>`), `kind` the domain's
/// storage name, `body` the body's JSON form.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "messages")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub conversation: String,
    pub seq: i64,
    pub sender: Option<Uuid>,
    pub client_id: Option<String>,
    pub kind: String,
    pub body: Json,
    pub created_at: DateTimeUtc,
    pub edited_at: Option<DateTimeUtc>,
    pub recalled_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
