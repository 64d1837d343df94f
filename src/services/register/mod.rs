//! Council set-up (issue 14): councils and their wards, the register of members (people and
//! their memberships), the social media accounts they use, the codes each council adopts, and
//! CSV imports of members and accounts. Staff view it, administrators and Monitoring Officers
//! (and deputies) change it (`access::Permission::{ViewRegister, EditRegister}`). Every change
//! is one `db::write` with its audit entry.

pub mod accounts;
pub mod codes;
pub mod councils;
pub mod import;
pub mod members;
pub mod memberships;
pub mod rules;
