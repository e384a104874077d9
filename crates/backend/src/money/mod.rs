//! The money side: wallets, the ledger under them, transfers, payouts, beneficiaries and
//! what the ledger reports (operations, CSV, statements, account details).
//!
//! Amounts are `shared::money::Money` (integer minor units); major units exist only at the
//! REST edge. Every movement goes through `ledger::post`, in the transaction of the change
//! that causes it, with that change's audit row.

pub mod beneficiaries;
pub mod ledger;
pub mod payouts;
mod pdf;
pub mod reports;
pub mod transfers;
pub mod wallets;

pub use ledger::LedgerReport;
pub use pdf::extract_text as pdf_text;
