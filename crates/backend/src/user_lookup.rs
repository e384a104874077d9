//! What the dashboard's user views read: the search toolbar's lookup (ids, tag, email, name,
//! card, wallet) and the whole profile of one user for the Profile Boards.

use shared::Action;
use shared::dto::{ChildNode, UserList, UserLookup, UserProfile};

use crate::Backend;
use crate::auth::Actor;
use crate::error::{Error, Result};
use crate::users_search::{UserSearch, search_text};

/// Rows the toolbar shows at most; beyond, the operator refines the search.
pub const LOOKUP_LIMIT: i64 = 50;

fn number(field: &str, label: &str, raw: &str) -> Result<i64> {
    raw.trim()
        .parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| Error::invalid(field, format!("{label} must be a positive number.")))
}

impl Backend {
    /// The toolbar's search: every filled field must match. A card (its id or public token)
    /// or a wallet id names its owner; nothing found is an empty list, not an error.
    pub async fn lookup_users(&self, actor: &Actor, lookup: &UserLookup) -> Result<UserList> {
        actor.require(Action::ReadUsers)?;
        if lookup.is_empty() {
            return Err(Error::invalid("name", "Fill in at least one search field."));
        }
        let mut owner: Option<i64> = None;
        let mut narrow = |id: i64| -> bool {
            let agrees = owner.is_none_or(|o| o == id);
            owner = Some(id);
            agrees
        };
        let nobody = UserList { users: Vec::new(), total: Default::default() };
        if !lookup.user_id.trim().is_empty() && !narrow(number("user_id", "User Id", &lookup.user_id)?) {
            return Ok(nobody);
        }
        let card = lookup.card.trim();
        if !card.is_empty() {
            // A card's public token is 9 digits too: a number that is no card's id is tried
            // as a token.
            let found = match card.parse::<i64>() {
                Ok(id) => match self.find_card(actor, Some(id), None).await {
                    Err(Error::NotFound) => self.find_card(actor, None, Some(card)).await,
                    by_id => by_id,
                },
                Err(_) => self.find_card(actor, None, Some(card)).await,
            };
            match found {
                Ok(card) => {
                    if !narrow(card.user_id) {
                        return Ok(nobody);
                    }
                }
                Err(Error::NotFound) => return Ok(nobody),
                Err(e) => return Err(e),
            }
        }
        if !lookup.wallet.trim().is_empty() {
            match self.get_wallet(actor, number("wallet", "Wallet", &lookup.wallet)?).await {
                Ok(wallet) => {
                    if !narrow(wallet.user_id) {
                        return Ok(nobody);
                    }
                }
                Err(Error::NotFound) => return Ok(nobody),
                Err(e) => return Err(e),
            }
        }
        let search = UserSearch {
            user_id: owner,
            user_tag: search_text("user_tag", "User Tag", &lookup.user_tag)?,
            email: search_text("email", "Email", &lookup.email)?,
            name: search_text("name", "Name", &lookup.name)?,
            page_count: LOOKUP_LIMIT,
            ..UserSearch::default()
        };
        if let Some(name) = search.name.as_deref() {
            crate::users_search::check_name(name)?;
        }
        let page = self.search_users(actor, &search).await?;
        Ok(UserList { users: page.users, total: page.total })
    }

    /// A user and what its profile tabs show.
    pub async fn user_profile(&self, actor: &Actor, id: i64) -> Result<UserProfile> {
        let user = self.get_user(actor, id).await?;
        Ok(UserProfile {
            wallets: self.list_wallets(actor, id).await?,
            cards: self.list_cards(actor, id).await?,
            beneficiaries: self.list_beneficiaries(actor, id).await?,
            sca_devices: self.list_sca_devices(actor, id, false).await?,
            tax_residences: self.list_tax_residences(actor, id).await?.into_iter().filter(|r| !r.is_deleted).collect(),
            children: self.children_tree(actor, id, crate::users::MAX_NESTING_DEPTH).await?,
            user,
        })
    }

    /// The children of a user, and theirs, `levels` deep.
    async fn children_tree(&self, actor: &Actor, id: i64, levels: usize) -> Result<Vec<ChildNode>> {
        if levels == 0 {
            return Ok(Vec::new());
        }
        let search = UserSearch {
            parent_user_id: Some(id),
            page_count: crate::users_search::MAX_PAGE_COUNT,
            sort_by: crate::users_search::SortBy::UserId,
            ..UserSearch::default()
        };
        let page = self.search_users(actor, &search).await?;
        let mut nodes = Vec::with_capacity(page.users.len());
        for child in page.users {
            nodes.push(ChildNode {
                user_id: child.id,
                name: child.display_name(),
                children: Box::pin(self.children_tree(actor, child.id, levels - 1)).await?,
                parent_type: child.parent_type,
                user_status: child.status,
            });
        }
        Ok(nodes)
    }
}
