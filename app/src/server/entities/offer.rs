//! A place a draw offered a registration: admitted by the draw itself or moved up from its
//! waiting list. The parent accepts or declines before the deadline; after it the offer
//! expires. One offer a registration, ever.

use sea_orm::entity::prelude::*;

use crate::domain::admission::OfferAnswer;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "offer")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub registration_id: i32,
    pub draw_id: i32,
    pub offered_at: DateTimeUtc,
    pub deadline: DateTimeUtc,
    pub answer: Option<OfferAnswer>,
    pub answered_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
